"""The `graph` fixture: a Microsoft Graph stand-in on 127.0.0.1 (see graph_standin/).

Imported by tests/conftest.py with: ``from conftest_graph import graph  # noqa: F401``
"""

from __future__ import annotations

from graph_standin import graph_fixture

#: A fresh stand-in per test, with the setting's mailbox and a correspondent's mailbox.
graph = graph_fixture("office@nursery.example", "parent@family.example")
