"""A local receiver for the demo webhooks, to watch what partners would get.

It answers POSTs on the paths of the active webhook endpoints that point at it, checks
each request's Standard Webhooks signature with that endpoint's secret, and prints the
headers that matter and the JSON body. For development only; partners run their own.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from notifications.models import Channel, Endpoint
from notifications.signing import WebhookSignatureError, verify_webhook_signature


class ReceiverServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], write: Any) -> None:
        super().__init__(address, ReceiverHandler)
        self.write = write

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The sender closing a kept-alive connection is normal, not worth a traceback.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)

    def endpoint_for(self, path: str) -> Endpoint | None:
        """The active webhook endpoint whose URL points at this server and path."""
        port = self.server_address[1]
        for endpoint in Endpoint.objects.filter(channel=Channel.WEBHOOK, is_active=True):
            url = urlsplit(endpoint.url)
            if url.path.rstrip("/") == path.rstrip("/") and (url.port or 80) == port:
                return endpoint
        return None


class ReceiverHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        server = cast(ReceiverServer, self.server)
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        close_old_connections()
        endpoint = server.endpoint_for(self.path)
        if endpoint is None:
            status, verdict = 404, "no active webhook endpoint has this URL"
        else:
            try:
                verify_webhook_signature(
                    secret=endpoint.secret, headers=dict(self.headers.items()), body=body
                )
                status, verdict = 200, f"signature valid ({endpoint.agency.code})"
            except WebhookSignatureError as exc:
                status, verdict = 401, f"REFUSED: {exc}"
        try:
            shown = json.dumps(json.loads(body), indent=2)
        except ValueError:
            shown = body.decode("utf-8", "replace")
        server.write(
            f"POST {self.path} -> {status} {verdict}\n"
            f"  webhook-id: {self.headers.get('webhook-id')}\n"
            f"  webhook-timestamp: {self.headers.get('webhook-timestamp')}\n{shown}\n"
        )
        reply = verdict.encode()
        self.send_response(status)
        self.send_header("content-type", "text/plain; charset=utf-8")
        self.send_header("content-length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: do_POST prints a fuller line of its own."""


class Command(BaseCommand):
    help = (
        "Receive the demo webhooks on a local port, check their signatures against the "
        "endpoints' secrets and print them (development only)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8001)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            server = ReceiverServer((options["host"], options["port"]), self._write)
        except OSError as exc:
            raise CommandError(
                f"Cannot listen on {options['host']}:{options['port']}: {exc}"
            ) from exc
        host, port = str(server.server_address[0]), server.server_address[1]
        self._write(f"Receiving webhooks on http://{host}:{port}/ (Ctrl-C stops)\n")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()

    def _write(self, text: str) -> None:
        self.stdout.write(text, ending="")
        self.stdout.flush()
