"""Builders the tests share: real registers, configurations, documents and emails.

Each module builds one kind of thing and is imported by name (``from support.register import
request_row``); the fixtures that use them are in tests/conftest.py.
"""
