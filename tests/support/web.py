"""A tiny web server on 127.0.0.1 that notes every request made to it, to prove none is made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@contextmanager
def listening() -> Iterator[tuple[str, list[str]]]:
    """Serve on a free port of 127.0.0.1; yield its address and the paths asked for so far."""
    asked: list[str] = []

    class Noting(BaseHTTPRequestHandler):
        def _note(self) -> None:
            asked.append(f"{self.command} {self.path}")
            self.send_response(404)
            self.end_headers()

        do_GET = do_HEAD = do_OPTIONS = do_POST = do_PROPFIND = _note

        def log_message(self, format: str, *args: object) -> None:
            """Keep quiet: the test reads ``asked``."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Noting)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
