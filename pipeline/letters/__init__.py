"""Decide which letters are due and render them from their templates."""
