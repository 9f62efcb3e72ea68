"""The pytest fixture: a fresh stand-in per test, trusted by every `requests` session."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from .server import GraphStandin


def trust_standin(patch: pytest.MonkeyPatch, standin: GraphStandin) -> None:
    """Make every `requests` session of the test trust the stand-in and not use a proxy.

    requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override a Session's own ``verify``
    (O365 and msal both set ``session.verify`` and never pass ``verify=`` per request), so
    with those set, ``verify_ssl=graph.ca_file`` alone is not enough; point them at our CA.
    """
    patch.setenv("REQUESTS_CA_BUNDLE", str(standin.ca_file))
    patch.setenv("CURL_CA_BUNDLE", str(standin.ca_file))
    for variable in ("NO_PROXY", "no_proxy"):
        patch.setenv(variable, ",".join(filter(None, [os.environ.get(variable), "127.0.0.1"])))


def graph_fixture(
    *mailboxes: str, name: str = "graph", scope: str = "function"
) -> Callable[..., Iterator[GraphStandin]]:
    """Make a pytest fixture that runs a fresh stand-in (one per test by default), with these
    mailboxes already added, and stops it at teardown."""

    @pytest.fixture(name=name, scope=scope)  # type: ignore[call-overload, misc]
    def _graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStandin]:
        standin = GraphStandin(cert_dir=tmp_path_factory.mktemp("graph-standin"))
        with standin, pytest.MonkeyPatch.context() as patch:
            trust_standin(patch, standin)
            for address in mailboxes:
                standin.add_mailbox(address)
            yield standin

    return _graph
