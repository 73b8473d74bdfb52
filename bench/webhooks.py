"""A loopback webhook receiver that timestamps each request the moment it arrives.

It is the receiving end of the "transition committed to webhook received" figure: the
arrival time is taken before anything else (reading the body, checking the signature),
and each arrival is keyed by the envelope's ``case_reference`` so the driver can match it
to the commit it made.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

from notifications.signing import WebhookSignatureError, verify_webhook_signature


@dataclass(frozen=True)
class Arrival:
    received_at: float  # time.time() on arrival, comparable with the driver's clock
    webhook_id: str
    envelope: Any
    valid: bool


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookTimingReceiver


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        received_at = time.time()
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status = cast(_Server, self.server).receiver._record(
            received_at, {k.lower(): v for k, v in self.headers.items()}, body
        )
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the arrivals are the record."""


class WebhookTimingReceiver:
    """Answers 200 to validly signed webhooks (401 otherwise) and records every arrival."""

    def __init__(self, secret: str = "") -> None:
        # May be set after start(), once the endpoint (which makes the secret) exists.
        self.secret = secret
        self.arrivals: list[Arrival] = []
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "the receiver is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}/hooks/bench"

    def start(self) -> WebhookTimingReceiver:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> WebhookTimingReceiver:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _record(self, received_at: float, headers: dict[str, str], body: bytes) -> int:
        try:
            verify_webhook_signature(secret=self.secret, headers=headers, body=body)
            valid = True
        except WebhookSignatureError:
            valid = False
        try:
            envelope = json.loads(body)
        except ValueError:
            envelope = None
        with self._changed:
            self.arrivals.append(
                Arrival(received_at, headers.get("webhook-id", ""), envelope, valid)
            )
            self._changed.notify_all()
        return 200 if valid else 401

    def first_arrivals(self, *, event_type: str) -> dict[str, Arrival]:
        """The first valid arrival of ``event_type`` per case reference."""
        with self._changed:
            found: dict[str, Arrival] = {}
            for a in self.arrivals:
                if (
                    a.valid
                    and isinstance(a.envelope, dict)
                    and a.envelope.get("type") == event_type
                ):
                    found.setdefault(str(a.envelope.get("case_reference")), a)
            return found

    def duplicates(self) -> int:
        """Valid arrivals beyond the first for one webhook-id (a redelivery)."""
        with self._changed:
            counts = Counter(a.webhook_id for a in self.arrivals if a.valid)
        return sum(n - 1 for n in counts.values())

    def wait_for(self, references: set[str], *, event_type: str, timeout: float) -> set[str]:
        """Wait until every reference has arrived or ``timeout``; returns those still missing."""

        def missing() -> set[str]:
            return references - set(self.first_arrivals(event_type=event_type))

        deadline = time.monotonic() + timeout
        with self._changed:
            while missing() and time.monotonic() < deadline:
                self._changed.wait(timeout=max(0.0, deadline - time.monotonic()))
        return missing()
