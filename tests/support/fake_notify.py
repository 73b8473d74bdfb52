"""A loopback stand-in for GOV.UK Notify's ``POST /v2/notifications/email``.

It authenticates as Notify does: the API key is ``{key name}-{service id}-{secret}``, and
each request carries ``Authorization: Bearer <JWT>``, HS256-signed with the secret, whose
``iss`` is the service id and whose ``iat`` is within 30 seconds of the server's clock.
Answers and error bodies follow Notify's documented shapes.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, cast

import jwt

# Notify accepts tokens issued up to 30 seconds either side of its own clock.
TOKEN_BOUND_SECONDS = 30
_ERROR_NAMES = {400: "BadRequestError", 429: "RateLimitError", 500: "Exception"}
_ERROR_MESSAGES = {
    400: "Can't send to this recipient using a team-only API key",
    429: "Exceeded rate limit for key type TEAM of 3000 requests per 60 seconds",
    500: "Internal server error",
}


@dataclass(frozen=True)
class NotifyRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    json: Any
    status: int  # what the fake answered
    auth_error: str  # empty when the token was accepted


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeNotify


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        fake = cast(_Server, self.server).fake
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        status, reply = fake._handle(self.path, dict(self.headers.items()), body)
        encoded = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(encoded)))
        self.end_headers()
        self.wfile.write(encoded)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet; the recorded requests say what happened."""


def _error(status: int, name: str, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"status_code": status, "errors": [{"error": name, "message": message}]}


class FakeNotify:
    """Set ``answer_status`` (e.g. 400, 429, 500) to make authenticated sends fail."""

    def __init__(self, *, key_name: str = "csp_test") -> None:
        self.service_id = str(uuid.uuid4())
        self.secret_key = str(uuid.uuid4())
        self.api_key = f"{key_name}-{self.service_id}-{self.secret_key}"
        self.answer_status: int | None = None
        self.requests: list[NotifyRequest] = []
        self._changed = threading.Condition()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        assert self._server is not None, "the fake is not running"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeNotify:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={
                "poll_interval": 0.05
            },  # shutdown() waits up to one poll name="fake-notify", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeNotify:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[NotifyRequest]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.requests) >= count, timeout):
                raise AssertionError(f"expected {count} Notify call(s), got {len(self.requests)}")
            return list(self.requests)

    def check_token(self, authorization: str | None) -> tuple[int, str] | None:
        """Notify's checks on the Authorization header: None when the token is good."""
        if not authorization:
            return 401, "Unauthorized: authentication token must be provided"
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return 401, "Unauthorized: authentication bearer scheme must be used"
        try:
            header = jwt.get_unverified_header(token)
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.DecodeError:
            return 403, "Invalid token: signature, api token is not valid"
        if header.get("alg") != "HS256":
            return 403, "Invalid token: algorithm used is not HS256"
        if "iss" not in claims:
            return 403, "Invalid token: iss field not provided"
        if claims["iss"] != self.service_id:
            return 403, "Invalid token: service not found"
        try:
            jwt.decode(
                token,
                key=self.secret_key,
                algorithms=["HS256"],
                options={"verify_iat": False, "require": ["iat"]},
            )
        except jwt.MissingRequiredClaimError:
            return 403, "Invalid token: iat field not provided"
        except jwt.InvalidTokenError:
            return 403, "Invalid token: API key not found"
        if abs(time.time() - int(claims["iat"])) > TOKEN_BOUND_SECONDS:
            return 403, "Error: Your system clock must be accurate to within 30 seconds"
        return None

    def _handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            payload = json.loads(body)
        except ValueError:
            payload = None
        auth_problem = self.check_token(lowered.get("authorization"))
        status, reply = self._answer(path, auth_problem, payload)
        with self._changed:
            self.requests.append(
                NotifyRequest(
                    path, lowered, payload, status, auth_problem[1] if auth_problem else ""
                )
            )
            self._changed.notify_all()
        return status, reply

    def _answer(
        self, path: str, auth_problem: tuple[int, str] | None, payload: Any
    ) -> tuple[int, dict[str, Any]]:
        if path != "/v2/notifications/email":
            return 404, {"result": "error", "message": "The requested URL was not found."}
        if auth_problem:
            return _error(auth_problem[0], "AuthError", auth_problem[1])
        if not isinstance(payload, dict):
            return _error(400, "ValidationError", "Invalid JSON supplied in POST data")
        for required in ("email_address", "template_id"):
            if required not in payload:
                return _error(400, "ValidationError", f"{required} is a required property")
        try:
            template_id = uuid.UUID(str(payload["template_id"]))
        except ValueError:
            return _error(400, "ValidationError", "template_id is not a valid UUID")
        if self.answer_status is not None:
            status = self.answer_status
            return _error(
                status, _ERROR_NAMES.get(status, "Error"), _ERROR_MESSAGES.get(status, "")
            )
        notification_id = uuid.uuid4()
        personalisation = payload.get("personalisation") or {}
        subject = f"{personalisation.get('case_reference', '')}: {personalisation.get('event', '')}"
        return 201, {
            "id": str(notification_id),
            "reference": payload.get("reference"),
            "content": {
                "subject": subject,
                "body": "\n".join(f"{key}: {value}" for key, value in personalisation.items()),
                "from_email": "csp.casework@notifications.service.gov.uk",
                "one_click_unsubscribe_url": None,
            },
            "uri": f"{self.base_url}/v2/notifications/{notification_id}",
            "template": {
                "id": str(template_id),
                "version": 1,
                "uri": f"{self.base_url}/v2/template/{template_id}/version/1",
            },
        }
