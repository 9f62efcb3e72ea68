"""SAR letters: the paperwork engine for an early-years setting's subject access requests."""

__version__ = "0.1.0"
