"""A real SMTP server on loopback (aiosmtpd) that keeps every message it is given."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from types import TracebackType
from typing import Any, cast

from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class ReceivedEmail:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


# aiosmtpd logs every SMTP command at INFO; the collected messages tell tests what they need.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower() in self.sink.refuse_recipients:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        raw = envelope.original_content or envelope.content
        # policy.default gives EmailMessage, whose get_body()/iter_parts() tests can use.
        message = cast(EmailMessage, email.message_from_bytes(raw, policy=email.policy.default))
        self.sink._record(ReceivedEmail(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


class _EphemeralPortController(Controller):
    """aiosmtpd 1.4's Controller dials its own port to finish starting, so with port 0 it
    would dial port 0. Read the port the kernel chose from the bound socket first."""

    def _trigger_server(self) -> None:
        server = cast(asyncio.Server, self.server)
        self.port = server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpSink:
    """Collects parsed messages; refuses RCPT for any address in ``refuse_recipients``."""

    def __init__(self, *, refuse_recipients: Iterable[str] = ()) -> None:
        self.refuse_recipients = {address.lower() for address in refuse_recipients}
        self.messages: list[ReceivedEmail] = []
        self._changed = threading.Condition()
        self._controller = _EphemeralPortController(
            _Handler(self), hostname="127.0.0.1", port=0, server_hostname="127.0.0.1"
        )

    host = "127.0.0.1"

    @property
    def port(self) -> int:
        return int(self._controller.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedEmail]:
        """Block until ``count`` messages have arrived; fail the test if they do not."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"expected {count} email(s), got {len(self.messages)}")
            return list(self.messages)

    def _record(self, received: ReceivedEmail) -> None:
        with self._changed:
            self.messages.append(received)
            self._changed.notify_all()
