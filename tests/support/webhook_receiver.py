"""A real HTTP server on loopback that receives and checks signed webhooks."""

from __future__ import annotations

import json
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from notifications.signing import WebhookSignatureError, verify_webhook_signature


@dataclass(frozen=True)
class ReceivedWebhook:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes
    json: Any
    valid: bool
    reason: str  # why the signature was refused; empty when valid
    status: int  # what the receiver answered
    received_at: float  # time.time() when the request had been read


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has hung up before a delayed answer; that is the test
        # working, not a failure worth a traceback.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        receiver = cast(_Server, self.server).receiver
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status, headers, reply = receiver._handle(self.path, dict(self.headers.items()), body)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the recorded requests say what happened."""


class WebhookReceiver:
    """Verifies each request's Standard Webhooks signature (401 when it fails) and records it.

    ``fail_times`` validly signed requests are answered with ``status_on_fail`` first (with
    a Location header for 3xx); ``delay`` holds every answer back, to provoke timeouts.
    """

    def __init__(
        self,
        secret: str,
        *,
        fail_times: int = 0,
        status_on_fail: int = 500,
        delay: float = 0.0,
    ) -> None:
        self.secret = secret
        self.fail_times = fail_times
        self.status_on_fail = status_on_fail
        self.delay = delay
        self.requests: list[ReceivedWebhook] = []
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "the receiver is not running"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/csp"

    def start(self) -> WebhookReceiver:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() waits up to one poll
            name="webhook-receiver",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()  # releases any answer held back by ``delay``
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WebhookReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedWebhook]:
        """Block until ``count`` requests have arrived; fail the test if they do not."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} webhook(s), got {len(self.requests)}")
            return list(self.requests)

    def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        received_at = time.time()
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            verify_webhook_signature(secret=self.secret, headers=lowered, body=body)
            valid, reason = True, ""
        except WebhookSignatureError as exc:
            valid, reason = False, str(exc)
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        extra: dict[str, str] = {}
        with self._changed:
            if not valid:
                status, reply = 401, f"bad signature: {reason}"
            elif self.fail_times > 0:
                self.fail_times -= 1
                status, reply = self.status_on_fail, "failing on purpose"
                if 300 <= status < 400:
                    extra["location"] = f"http://127.0.0.1:{self.port}/moved"
            else:
                status, reply = 200, "ok"
            self.requests.append(
                ReceivedWebhook(path, lowered, body, parsed, valid, reason, status, received_at)
            )
            self._changed.notify_all()
        if self.delay:
            self._closing.wait(self.delay)
        return status, extra, reply.encode()
