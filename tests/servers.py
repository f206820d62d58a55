"""Real servers on loopback for tests: a Flask app, or a folder served as any web server would.

Each runs in a thread while a ``with`` block lasts and gives its base URL; a free port is
taken each time, so tests running at once do not meet.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol

from flask import Flask
from werkzeug.serving import WSGIRequestHandler, make_server


class _Server(Protocol):
    def serve_forever(self) -> None: ...
    def shutdown(self) -> None: ...
    def server_close(self) -> None: ...


class _QuietApp(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """No access log on the test output."""


class _QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """No access log on the test output."""


@contextmanager
def _running(server: _Server, port: int) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve an app on 127.0.0.1 (a free port) while the block runs; gives its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietApp)
    with _running(server, server.server_port) as base:
        yield base


@contextmanager
def serving_files(folder: Path) -> Iterator[str]:
    """Serve a folder's files as a plain static web server does (a static export, say)."""
    handler = functools.partial(_QuietFiles, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    with _running(server, server.server_address[1]) as base:
        yield base
