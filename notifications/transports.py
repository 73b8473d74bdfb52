"""Channel transports: email, signed webhooks and GOV.UK Notify.

One class per channel, after healthchecks' ``hc/api/transports.py``. Each takes the envelope
the outbox built and a target (a plain frozen dataclass, not a model) and either returns a
DeliveryReceipt or raises TransportError saying whether trying again could help.

Transports send only what the envelope holds, and the envelope holds no personal data by
construction: an event id and type, a case reference, a kind, agency slugs, a link and state
names. ``validate_envelope`` refuses anything else before a byte leaves the process.
"""

from __future__ import annotations

import json
import re
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import make_msgid
from typing import Any, Generic, TypeVar

import jwt
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from notifications import outbound
from notifications.events import MACHINE_ONLY_DATA_KEYS
from notifications.models import OutboxEvent
from notifications.signing import sign_webhook, webhook_secret_key
from notifications.wording import agency_names, describe, when

ENVELOPE_REQUIRED_KEYS = frozenset({"id", "type", "occurred_at", "schema_version"})
ENVELOPE_OPTIONAL_KEYS = frozenset({"case_reference", "kind", "agencies", "detail_url", "data"})
ENVELOPE_KEYS = ENVELOPE_REQUIRED_KEYS | ENVELOPE_OPTIONAL_KEYS

# Every email's subject, whatever it is about: shared inboxes and lock screens show
# subjects to people who are not the recipient, and a reference (VAWG-...), a state
# ("marac referred") or an event ("duty recorded") would tell them what kind of case it is.
# The body, read once opened, says what happened; a Notify template's subject should be
# ((subject)) for the same reason.
NEUTRAL_SUBJECT = "Update on a case you work on"

USER_AGENT = "CSP-Casework-Webhooks/1"
NOTIFY_USER_AGENT = "CSP-Casework-Notify/1"


class TransportError(Exception):
    """A delivery that failed. ``permanent`` means the same call can never succeed."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the far side said when it took the message, for the delivery row."""

    reference: str = ""  # SMTP Message-ID, webhook-id or Notify's notification id
    status_code: int | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class EmailTarget:
    to: Sequence[str]
    subject_prefix: str = "[CSP Casework] "
    from_email: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "to", tuple(self.to))


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    url: str
    secret: str = field(repr=False)
    allow_private: bool = False


@dataclass(frozen=True, slots=True)
class NotifyTarget:
    api_key: str = field(repr=False)
    template_id: str
    email_address: str
    base_url: str | None = None  # None: the NOTIFY_BASE_URL setting
    allow_private: bool = False  # for ``base_url`` only: an administrator's decision


def validate_envelope(envelope: Mapping[str, Any]) -> None:
    """Refuse, permanently, an envelope that is not exactly the agreed schema.

    The envelope is the whole of what leaves the system. A key the schema does not name may
    be personal data added upstream by mistake, so it stops delivery instead of travelling.
    """
    unknown = set(envelope) - ENVELOPE_KEYS
    if unknown:
        raise TransportError(
            f"Envelope has keys outside the schema: {', '.join(sorted(unknown))}", permanent=True
        )
    missing = ENVELOPE_REQUIRED_KEYS - set(envelope)
    if missing:
        raise TransportError(
            f"Envelope is missing required keys: {', '.join(sorted(missing))}", permanent=True
        )
    if envelope["schema_version"] != OutboxEvent.SCHEMA_VERSION:
        raise TransportError(
            f"Envelope schema_version {envelope['schema_version']!r} "
            f"is not {OutboxEvent.SCHEMA_VERSION}",
            permanent=True,
        )
    occurred = parse_datetime(str(envelope["occurred_at"]))
    if occurred is None or timezone.is_naive(occurred):
        raise TransportError(
            "Envelope occurred_at is not an ISO datetime with a zone", permanent=True
        )
    if not str(envelope.get("detail_url") or "https://").startswith(("https://", "http://")):
        raise TransportError("Envelope detail_url must be an http(s) link", permanent=True)
    agencies = envelope.get("agencies") or []
    if not isinstance(agencies, list) or not all(isinstance(slug, str) for slug in agencies):
        raise TransportError("Envelope agencies must be a list of agency slugs", permanent=True)
    data = envelope.get("data") or {}
    # Flat scalars only: a nested object is where a person's details would hide.
    if not isinstance(data, Mapping) or not all(
        value is None or isinstance(value, str | int | float | bool) for value in data.values()
    ):
        raise TransportError("Envelope data must be a flat mapping of plain values", permanent=True)


def envelope_context(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """What a message may say, taken from the envelope alone (call validate_envelope first),
    in words for people (``notifications.wording``): no codes, no ids."""
    data = {
        key: value
        for key, value in (envelope.get("data") or {}).items()
        if key not in MACHINE_ONLY_DATA_KEYS
    }
    described = describe(
        type=str(envelope["type"]),
        case_reference=str(envelope.get("case_reference") or ""),
        data=data,
    )
    occurred = parse_datetime(str(envelope["occurred_at"]))
    return {
        "envelope_id": str(envelope["id"]),
        "event": described.sentence,
        "occurred_at": occurred,
        "occurred_text": when(occurred) if occurred else "",
        "case_reference": str(envelope.get("case_reference") or ""),
        "agencies": agency_names([str(slug) for slug in envelope.get("agencies") or []]),
        "detail_url": str(envelope.get("detail_url") or ""),
        "details": described.details,
    }


_T = TypeVar("_T")


class Transport(Generic[_T]):
    """One channel. ``send`` returns a receipt on success and raises TransportError otherwise."""

    def send(self, *, envelope: Mapping[str, Any], target: _T) -> DeliveryReceipt | None:
        raise NotImplementedError


class EmailTransport(Transport[EmailTarget]):
    """Plain-text and HTML email through Django's configured backend (EMAIL_URL)."""

    def send(self, *, envelope: Mapping[str, Any], target: EmailTarget) -> DeliveryReceipt:
        validate_envelope(envelope)
        if not target.to:
            raise TransportError("The email channel has no recipients", permanent=True)
        context = envelope_context(envelope)
        subject = NEUTRAL_SUBJECT
        message_id = make_msgid(domain=str(DNS_NAME))
        message = EmailMultiAlternatives(
            subject=target.subject_prefix + subject,
            body=render_to_string("notifications/email/body.txt", context),
            from_email=target.from_email or settings.DEFAULT_FROM_EMAIL,
            to=list(target.to),
            # The event id, for tracing and dropping repeats, in a header: not in the words.
            headers={"Message-ID": message_id, "X-CSP-Event-Id": str(envelope["id"])},
        )
        message.attach_alternative(
            render_to_string("notifications/email/body.html", context | {"subject": subject}),
            "text/html",
        )
        try:
            message.send(fail_silently=False)
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(f"{addr} ({code})" for addr, (code, _) in exc.recipients.items())
            raise TransportError(
                f"Mail server refused every recipient: {refused}", permanent=True
            ) from exc
        except smtplib.SMTPAuthenticationError as exc:
            # Wrong credentials are an operator's fix, after which the retry should go through.
            raise TransportError(f"Mail server refused our login ({exc.smtp_code})") from exc
        except smtplib.SMTPConnectError as exc:
            raise TransportError(f"Mail server refused the connection ({exc.smtp_code})") from exc
        except smtplib.SMTPResponseException as exc:
            # SMTP's own rule: 4xx replies are transient, 5xx are final for this message.
            reply = exc.smtp_error
            if isinstance(reply, bytes):
                reply = reply.decode("utf-8", "replace")
            raise TransportError(
                f"Mail server answered {exc.smtp_code} {reply}".strip(),
                permanent=exc.smtp_code >= 500,
            ) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise TransportError(f"Could not talk to the mail server: {exc!r}") from exc
        return DeliveryReceipt(reference=message_id)


def _webhook_status_error(status: int) -> TransportError:
    """The receiver's answer as a status line only: its reply text is never kept or shown,
    since the person who chose the URL would read it back in the delivery's last_error."""
    if 300 <= status < 400:
        return TransportError(
            f"HTTP {status} from the receiver: redirects are not followed; set the webhook "
            "URL to the final address",
            permanent=True,
        )
    # 408, 425 and 429 say "not now" rather than "never"; 5xx is the receiver's own trouble.
    retryable = status in (408, 425, 429) or status >= 500
    return TransportError(f"HTTP {status} from the receiver", permanent=not retryable)


class WebhookTransport(Transport[WebhookTarget]):
    """An HTTP POST of the JSON envelope, signed per the Standard Webhooks spec, through
    the guarded outbound client (``notifications.outbound``)."""

    def send(self, *, envelope: Mapping[str, Any], target: WebhookTarget) -> DeliveryReceipt:
        validate_envelope(envelope)
        try:
            webhook_secret_key(target.secret)
        except ValueError as exc:
            raise TransportError(str(exc), permanent=True) from exc
        # These exact bytes are both signed and sent; nothing may re-serialise them between.
        body = json.dumps(envelope, separators=(",", ":")).encode()
        msg_id = str(envelope["id"])
        # A fresh timestamp on every attempt, so a retry after minutes still falls inside the
        # receiver's replay window; the unchanged webhook-id lets it drop duplicates.
        timestamp = int(timezone.now().timestamp())
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_webhook(
                secret=target.secret, msg_id=msg_id, timestamp=timestamp, body=body
            ),
        }
        try:
            reply = outbound.post(
                target.url,
                content=body,
                headers=headers,
                allow_private=target.allow_private,
                timeout=settings.WEBHOOK_TIMEOUT,
            )
        except outbound.OutboundRefused as exc:
            raise TransportError(f"The webhook URL is refused: {exc}", permanent=True) from exc
        except outbound.OutboundUnreachable as exc:
            raise TransportError(f"Could not reach the webhook receiver: {exc}") from exc
        if not 200 <= reply.status < 300:
            raise _webhook_status_error(reply.status)
        return DeliveryReceipt(reference=msg_id, status_code=reply.status)


# Notify keys are "{key name}-{service id}-{secret}", the last two being UUIDs.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NOTIFY_API_KEY = re.compile(rf"^.+-(?P<service>{_UUID})-(?P<secret>{_UUID})$", re.IGNORECASE)
NOTIFY_EMAIL_PATH = "/v2/notifications/email"
# The error names GOV.UK Notify documents. Only these are repeated in last_error: a name
# from this list says what to fix, and nothing the far side wrote travels further.
NOTIFY_ERROR_NAMES = frozenset(
    {
        "AuthError",
        "BadRequestError",
        "ValidationError",
        "RateLimitError",
        "TooManyRequestsError",
        "Exception",
    }
)


def validate_notify_api_key(api_key: str) -> None:
    """Raise ValueError unless ``api_key`` has the shape GOV.UK Notify issues."""
    if not _NOTIFY_API_KEY.match(api_key):
        raise ValueError("A GOV.UK Notify API key ends with two UUIDs: key name-service id-secret.")


def notify_token(api_key: str) -> str:
    """The bearer token Notify expects: a JWT signed (HS256) with the key's secret, issued by
    its service id, stamped now (Notify allows 30 seconds of clock difference)."""
    match = _NOTIFY_API_KEY.match(api_key)
    if match is None:
        raise ValueError("A GOV.UK Notify API key ends with two UUIDs: key name-service id-secret.")
    claims = {"iss": match["service"], "iat": int(timezone.now().timestamp())}
    return jwt.encode(claims, match["secret"], algorithm="HS256")


def notify_personalisation(envelope: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders a Notify template may use, all from the envelope."""
    context = envelope_context(envelope)
    return {
        "subject": NEUTRAL_SUBJECT,
        "event": context["event"],
        "case_reference": context["case_reference"],
        "occurred_at": context["occurred_text"],
        "link": context["detail_url"],
    }


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _notify_error_names(body: bytes) -> str:
    reply = _json(body)
    errors = reply.get("errors") if isinstance(reply, dict) else None
    names = {
        item.get("error")
        for item in (errors if isinstance(errors, list) else [])
        if isinstance(item, dict)
    }
    return ", ".join(sorted(name for name in names if name in NOTIFY_ERROR_NAMES))


class NotifyTransport(Transport[NotifyTarget]):
    """Email through GOV.UK Notify, rendering a template held in the Notify service.

    The request is built here (Notify's documented JSON and JWT) and sent through the guarded
    outbound client, like every other outbound call; the settings' NOTIFY_BASE_URL is the
    operator's own choice and may be a private address, an endpoint's own base URL (set
    only by an administrator) is checked like a webhook URL.
    """

    def send(self, *, envelope: Mapping[str, Any], target: NotifyTarget) -> DeliveryReceipt:
        validate_envelope(envelope)
        try:
            token = notify_token(target.api_key)
        except ValueError as exc:
            raise TransportError(str(exc), permanent=True) from exc
        base_url = target.base_url or settings.NOTIFY_BASE_URL
        body = json.dumps(
            {
                "email_address": target.email_address,
                "template_id": target.template_id,
                "personalisation": notify_personalisation(envelope),
                "reference": str(envelope["id"]),
            }
        ).encode()
        try:
            reply = outbound.post(
                base_url.rstrip("/") + NOTIFY_EMAIL_PATH,
                content=body,
                headers={
                    "authorization": f"Bearer {token}",
                    "content-type": "application/json",
                    "user-agent": NOTIFY_USER_AGENT,
                },
                allow_private=target.allow_private if target.base_url else True,
                timeout=settings.NOTIFY_TIMEOUT,
                read_body=True,
            )
        except outbound.OutboundRefused as exc:
            raise TransportError(
                f"The GOV.UK Notify address is refused: {exc}", permanent=True
            ) from exc
        except outbound.OutboundUnreachable as exc:
            raise TransportError(f"Could not reach GOV.UK Notify: {exc}") from exc
        status = reply.status
        if 200 <= status < 300:
            answer = _json(reply.body) if reply.complete else None
            if not isinstance(answer, dict) or not answer.get("id"):
                # Notify said yes, so the email is probably on its way; a retry could send
                # it twice.
                raise TransportError(
                    f"GOV.UK Notify answered {status} but its answer was unreadable",
                    permanent=True,
                )
            return DeliveryReceipt(reference=str(answer["id"]), status_code=status)
        if 300 <= status < 400:
            raise TransportError(
                f"GOV.UK Notify answered {status}: redirects are not followed", permanent=True
            )
        names = _notify_error_names(reply.body) if reply.complete else ""
        raise TransportError(
            f"GOV.UK Notify answered {status}" + (f" ({names})" if names else ""),
            permanent=400 <= status < 500 and status not in (408, 429),
        )


TRANSPORTS: dict[str, Transport[Any]] = {
    "email": EmailTransport(),
    "webhook": WebhookTransport(),
    "notify": NotifyTransport(),
}
