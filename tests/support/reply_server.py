"""A loopback HTTP server that answers every request the same way and records it.

It plays the far side the outbound guard must not trust: a receiver that redirects, replies
with a flood of bytes or with text it hopes to see again, a proxy that should never be
asked, an internal service that should never be reached.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast


@dataclass(frozen=True)
class SeenRequest:
    method: str
    path: str  # as sent: a proxy request carries the absolute URL here
    headers: dict[str, str]  # names lower-cased


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: ReplyServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up mid-reply (the point of the capped read) is not an error."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _answer(self) -> None:
        owner = cast(_Server, self.server).owner
        length = int(self.headers.get("content-length") or 0)
        if length:
            self.rfile.read(length)
        owner._record(
            SeenRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
        )
        self.send_response(owner.status)
        for name, value in owner.headers.items():
            self.send_header(name, value)
        size = len(owner.body) * owner.repeat
        self.send_header("content-length", str(size))
        self.end_headers()
        for _ in range(owner.repeat):
            self.wfile.write(owner.body)

    do_GET = do_POST = do_CONNECT = _answer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the recorded requests say what happened."""


class ReplyServer:
    """Answers ``status`` with ``headers`` and ``body`` sent ``repeat`` times."""

    def __init__(
        self,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: bytes = b"",
        repeat: int = 1,
    ) -> None:
        self.status = status
        self.headers = headers or {}
        self.body = body
        self.repeat = repeat
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not running"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _record(self, request: SeenRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def __enter__(self) -> ReplyServer:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="reply-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._server is not None
        assert self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
