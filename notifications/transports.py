"""Channel transports: email, signed webhooks and GOV.UK Notify.

One class per channel, after healthchecks' ``hc/api/transports.py``. Each takes the envelope
the outbox built and a target (a plain frozen dataclass, not a model) and either returns a
DeliveryReceipt or raises TransportError saying whether trying again could help.

Transports send only what the envelope holds, and the envelope holds no personal data by
construction: an event id and type, a case reference, a kind, agency slugs, a link and state
names. ``validate_envelope`` refuses anything else before a byte leaves the process.
"""

from __future__ import annotations

import functools
import ipaddress
import json
import re
import smtplib
import socket
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import make_msgid
from typing import Any, Generic, TypeVar

import httpx
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from notifications_python_client.errors import HTTPError, InvalidResponse
from notifications_python_client.notifications import NotificationsAPIClient

from notifications.signing import sign_webhook, webhook_secret_key

SCHEMA_VERSION = 1
ENVELOPE_REQUIRED_KEYS = frozenset({"id", "type", "occurred_at", "schema_version"})
ENVELOPE_OPTIONAL_KEYS = frozenset({"case_reference", "kind", "agencies", "detail_url", "data"})
ENVELOPE_KEYS = ENVELOPE_REQUIRED_KEYS | ENVELOPE_OPTIONAL_KEYS

USER_AGENT = "CSP-Casework-Webhooks/1"
WEBHOOK_CONNECT_TIMEOUT = 3.0
NOTIFY_CONNECT_TIMEOUT = 3.0
# Enough of an error body to tell a partner what their endpoint said, bounded so a hostile
# endpoint cannot make us read or store megabytes.
EXCERPT_READ_BYTES = 1024
EXCERPT_CHARS = 200

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


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
    base_url: str | None = None


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
    if envelope["schema_version"] != SCHEMA_VERSION:
        raise TransportError(
            f"Envelope schema_version {envelope['schema_version']!r} is not {SCHEMA_VERSION}",
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


def _words(value: object) -> str:
    return str(value).replace(".", " ").replace("_", " ").strip()


def envelope_context(envelope: Mapping[str, Any]) -> dict[str, Any]:
    """What a message may say, taken from the envelope alone (call validate_envelope first)."""
    details = dict(envelope.get("data") or {})
    event = _words(envelope["type"]).capitalize()
    if "from" in details and "to" in details:
        event += f" from {_words(details.pop('from'))} to {_words(details.pop('to'))}"
    return {
        "envelope_id": str(envelope["id"]),
        "event": event,
        "occurred_at": parse_datetime(str(envelope["occurred_at"])),
        "case_reference": str(envelope.get("case_reference") or ""),
        "agencies": [str(slug) for slug in envelope.get("agencies") or []],
        "detail_url": str(envelope.get("detail_url") or ""),
        "details": [(_words(key).capitalize(), value) for key, value in details.items()],
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
        # Collapse whitespace: a newline in a Subject header is refused as header injection.
        subject = " ".join(render_to_string("notifications/email/subject.txt", context).split())
        message_id = make_msgid(domain=str(DNS_NAME))
        message = EmailMultiAlternatives(
            subject=target.subject_prefix + subject,
            body=render_to_string("notifications/email/body.txt", context),
            from_email=target.from_email or settings.DEFAULT_FROM_EMAIL,
            to=list(target.to),
            headers={"Message-ID": message_id},
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


def _parse_webhook_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise ValueError(f"This is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise ValueError("Webhook URLs must start with https:// (or http://).")
    if not parsed.host:
        raise ValueError("The webhook URL has no host name.")
    return parsed


def _resolve(url: httpx.URL) -> list[IPAddress]:
    """Every address the URL's host resolves to, in the resolver's order.

    Raises OSError when the lookup fails, or UnicodeError for a name the resolver's IDNA
    codec refuses (a label over 63 characters).
    """
    port = url.port or (443 if url.scheme == "https" else 80)
    infos = socket.getaddrinfo(url.raw_host.decode("ascii"), port, type=socket.SOCK_STREAM)
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        # Drop an IPv6 zone ("fe80::1%eth0"): it names an interface, not a different host.
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def _refusal(address: IPAddress) -> str | None:
    """Why a webhook may not go to this address, or None when it is a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is loopback in disguise
    # Order matters: loopback and link-local ranges are also "private" to ipaddress.
    checks = (
        ("unspecified", address.is_unspecified),
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("reserved", address.is_reserved),
        ("private", address.is_private),
        ("non-public", not address.is_global),
    )
    return next((label for label, refused in checks if refused), None)


def _check_addresses(url: httpx.URL, addresses: list[IPAddress], *, allow_private: bool) -> None:
    if allow_private or settings.WEBHOOK_ALLOW_PRIVATE_TARGETS:
        return
    # Every address, not just the first: a host with one public and one internal record
    # would otherwise reach the internal one whenever the resolver reorders them.
    for address in addresses:
        reason = _refusal(address)
        if reason:
            raise ValueError(
                f"{url.host} resolves to {address}, a {reason} address; "
                "webhooks may only be sent to public internet addresses."
            )


def validate_webhook_url(url: str, *, allow_private: bool = False) -> list[IPAddress]:
    """Check a webhook URL before it is saved or used; return the addresses it resolves to.

    Raises ValueError, with a message fit to show the person who typed the URL, for a scheme
    other than http/https, a missing or unresolvable host, or (unless ``allow_private`` or
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS) any loopback, private, link-local, multicast,
    reserved or unspecified address: the server must not be a proxy into its own network.
    """
    parsed = _parse_webhook_url(url)
    try:
        addresses = _resolve(parsed)
    except (OSError, UnicodeError) as exc:
        raise ValueError(f"The host {parsed.host} could not be found.") from exc
    _check_addresses(parsed, addresses, allow_private=allow_private)
    return addresses


def _body_excerpt(response: httpx.Response) -> str:
    raw = b""
    for chunk in response.iter_bytes():
        raw += chunk
        if len(raw) >= EXCERPT_READ_BYTES:
            break
    text = " ".join(raw[:EXCERPT_READ_BYTES].decode("utf-8", "replace").split())
    return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS] + "..."


def _raise_for_webhook_status(status: int, excerpt: str) -> None:
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise TransportError(
            f"HTTP {status}: redirects are not followed; set the webhook URL to the final address",
            permanent=True,
        )
    message = f"HTTP {status}: {excerpt}" if excerpt else f"HTTP {status}"
    # 408, 425 and 429 say "not now" rather than "never"; 5xx is the receiver's own trouble.
    retryable = status in (408, 425, 429) or status >= 500
    raise TransportError(message, permanent=not retryable)


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The CA bundle, loaded once per process: loading it takes longer than a local POST
    (about 14 ms here), and a context is safe to share between connections and threads."""
    return httpx.create_ssl_context()


class WebhookTransport(Transport[WebhookTarget]):
    """An HTTP POST of the JSON envelope, signed per the Standard Webhooks spec."""

    def send(self, *, envelope: Mapping[str, Any], target: WebhookTarget) -> DeliveryReceipt:
        validate_envelope(envelope)
        try:
            url = _parse_webhook_url(target.url)
            webhook_secret_key(target.secret)
        except ValueError as exc:
            raise TransportError(str(exc), permanent=True) from exc
        try:
            addresses = _resolve(url)
        except UnicodeError as exc:
            raise TransportError(f"{url.host} is not a valid host name", permanent=True) from exc
        except OSError as exc:
            # The host resolved when the URL was saved, so a lookup failure now is most
            # likely a passing DNS fault: worth a retry.
            raise TransportError(f"Could not resolve {url.host}: {exc}") from exc
        try:
            _check_addresses(url, addresses, allow_private=target.allow_private)
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
            "host": url.netloc.decode("ascii"),
        }
        # Connect to the address just checked, not to whatever a second lookup returns: a
        # host whose DNS answer changes in between (rebinding) could otherwise reach an
        # internal address. The Host header and TLS SNI keep the name, so virtual hosts and
        # certificate checks work as usual.
        pinned = url.copy_with(host=str(addresses[0]))
        extensions = {"sni_hostname": url.raw_host.decode("ascii")} if url.scheme == "https" else {}
        timeout = httpx.Timeout(settings.WEBHOOK_TIMEOUT, connect=WEBHOOK_CONNECT_TIMEOUT)
        try:
            # trust_env=False: a proxy from the environment would connect by name and undo
            # the address pinning above.
            with (
                httpx.Client(
                    timeout=timeout,
                    follow_redirects=False,
                    trust_env=False,
                    verify=_tls_context(),
                ) as client,
                client.stream(
                    "POST", pinned, content=body, headers=headers, extensions=extensions
                ) as response,
            ):
                status = response.status_code
                excerpt = _body_excerpt(response) if status >= 400 else ""
        except httpx.TimeoutException as exc:
            raise TransportError(f"Timed out talking to {url.host} ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise TransportError(f"Could not reach {url.host}: {exc}") from exc
        _raise_for_webhook_status(status, excerpt)
        return DeliveryReceipt(reference=msg_id, status_code=status)


# Notify keys are "{key name}-{service id}-{secret}", the last two being UUIDs; the client
# slices them off the end, so a malformed key would otherwise fail deep inside it.
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NOTIFY_API_KEY = re.compile(rf"^.+-{_UUID}-{_UUID}$", re.IGNORECASE)


def validate_notify_api_key(api_key: str) -> None:
    """Raise ValueError unless ``api_key`` has the shape GOV.UK Notify issues."""
    if not _NOTIFY_API_KEY.match(api_key):
        raise ValueError("A GOV.UK Notify API key ends with two UUIDs: key name-service id-secret.")


def notify_personalisation(envelope: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders a Notify template may use, all from the envelope."""
    context = envelope_context(envelope)
    occurred: datetime = context["occurred_at"]
    return {
        "event": context["event"],
        "case_reference": context["case_reference"],
        "occurred_at": date_format(timezone.localtime(occurred), "j F Y, H:i"),
        "link": context["detail_url"],
    }


def _notify_errors(exc: HTTPError) -> str:
    message = exc.message
    if isinstance(message, list):
        return "; ".join(str(item.get("message", item)) for item in message)
    return str(message)


class NotifyTransport(Transport[NotifyTarget]):
    """Email through GOV.UK Notify, rendering a template held in the Notify service."""

    def send(self, *, envelope: Mapping[str, Any], target: NotifyTarget) -> DeliveryReceipt:
        validate_envelope(envelope)
        try:
            validate_notify_api_key(target.api_key)
        except ValueError as exc:
            raise TransportError(str(exc), permanent=True) from exc
        client = NotificationsAPIClient(
            target.api_key,
            base_url=target.base_url or settings.NOTIFY_BASE_URL,
            timeout=(NOTIFY_CONNECT_TIMEOUT, settings.NOTIFY_TIMEOUT),
        )
        try:
            response = client.send_email_notification(
                email_address=target.email_address,
                template_id=target.template_id,
                personalisation=notify_personalisation(envelope),
                reference=str(envelope["id"]),
            )
        except HTTPError as exc:
            if exc.response is None:
                # The client reports a connection failure or timeout as a response-less 503.
                raise TransportError(f"Could not reach GOV.UK Notify: {exc.__cause__}") from exc
            status = exc.status_code
            raise TransportError(
                f"GOV.UK Notify answered {status}: {_notify_errors(exc)}",
                permanent=400 <= status < 500 and status != 429,
            ) from exc
        except InvalidResponse as exc:
            # Notify said 2xx, so the email is probably on its way; a retry could send it twice.
            raise TransportError(
                f"GOV.UK Notify's answer was unreadable: {exc}", permanent=True
            ) from exc
        finally:
            client.request_session.close()
        return DeliveryReceipt(reference=str(response.get("id", "")), status_code=201)


TRANSPORTS: dict[str, Transport[Any]] = {
    "email": EmailTransport(),
    "webhook": WebhookTransport(),
    "notify": NotifyTransport(),
}
