"""Transports against real local servers: a webhook receiver, an SMTP sink, a fake Notify.

Nothing here is mocked: each test sends over a real socket on 127.0.0.1 and looks at what
the server received.
"""

from __future__ import annotations

import base64
import json
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
import time_machine
from django.template.loader import render_to_string
from pytest_django import Settings

from notifications.outbound import UNREACHABLE, OutboundRefused, validate_url
from notifications.signing import (
    WebhookSignatureError,
    generate_webhook_secret,
    sign_webhook,
    verify_webhook_signature,
)
from notifications.transports import (
    EmailTarget,
    EmailTransport,
    NotifyTarget,
    NotifyTransport,
    Transport,
    TransportError,
    WebhookTarget,
    WebhookTransport,
    envelope_context,
)
from notifications.wording import when
from tests.support import FakeNotify, SmtpSink, WebhookReceiver

# The partner staff who receive alerts: an ASB coordinator at the council and an IDVA.
ASB_COORDINATOR = "asb.coordinator@council.example.gov.uk"
IDVA = "idva@refuge.example.org.uk"
LEAVER = "left.the.council@council.example.gov.uk"  # the sink refuses this mailbox
NOTIFY_TEMPLATE_ID = "f33517ff-2a88-4f6e-b855-c550268ce08a"

# Messages name agencies as the database does (notifications.wording).
pytestmark = pytest.mark.django_db


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def webhook_target(receiver: WebhookReceiver, secret: str) -> WebhookTarget:
    return WebhookTarget(url=receiver.url, secret=secret, allow_private=True)


# --- Webhooks ------------------------------------------------------------------------


def test_webhook_is_signed_and_the_receiver_sees_the_exact_envelope(
    webhook_receiver: WebhookReceiver, webhook_secret: str, envelope: dict[str, Any]
) -> None:
    receipt = WebhookTransport().send(
        envelope=envelope, target=webhook_target(webhook_receiver, webhook_secret)
    )

    [received] = webhook_receiver.wait_for(1)
    assert received.valid, received.reason
    assert received.json == envelope
    assert received.headers["webhook-id"] == envelope["id"]
    assert received.headers["content-type"] == "application/json"
    assert received.headers["host"] == f"127.0.0.1:{webhook_receiver.port}"
    assert receipt.status_code == 200
    assert receipt.reference == envelope["id"]


def test_a_retry_is_signed_afresh_with_the_same_webhook_id(
    webhook_secret: str, envelope: dict[str, Any]
) -> None:
    first_try = datetime(2026, 6, 2, 13, 5, tzinfo=UTC)
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=503) as receiver:
        target = webhook_target(receiver, webhook_secret)
        with time_machine.travel(first_try, tick=False), pytest.raises(TransportError) as exc:
            WebhookTransport().send(envelope=envelope, target=target)
        assert not exc.value.permanent
        with time_machine.travel(first_try + timedelta(minutes=2), tick=False):
            WebhookTransport().send(envelope=envelope, target=target)
        failed, delivered = receiver.wait_for(2)

    assert failed.valid
    assert delivered.valid
    assert (failed.status, delivered.status) == (503, 200)
    assert failed.headers["webhook-id"] == delivered.headers["webhook-id"] == envelope["id"]
    assert (
        int(delivered.headers["webhook-timestamp"]) - int(failed.headers["webhook-timestamp"])
        == 120
    )
    assert failed.headers["webhook-signature"] != delivered.headers["webhook-signature"]
    assert failed.body == delivered.body


@pytest.mark.parametrize(
    ("status", "permanent"),
    [(500, False), (503, False), (408, False), (429, False), (404, True), (400, True), (422, True)],
)
def test_webhook_answer_decides_whether_a_retry_can_help(
    webhook_secret: str, envelope: dict[str, Any], status: int, permanent: bool
) -> None:
    with WebhookReceiver(webhook_secret, fail_times=1, status_on_fail=status) as receiver:
        with pytest.raises(TransportError) as exc:
            WebhookTransport().send(
                envelope=envelope, target=webhook_target(receiver, webhook_secret)
            )
        receiver.wait_for(1)

    assert exc.value.permanent is permanent
    # A status line only: what the receiver wrote stays with the receiver.
    assert exc.value.message == f"HTTP {status} from the receiver"


def test_a_redirect_is_permanent_and_not_followed(
    webhook_secret: str, envelope: dict[str, Any]
) -> None:
    with WebhookReceiver(webhook_secret, fail_times=5, status_on_fail=301) as receiver:
        with pytest.raises(TransportError) as exc:
            WebhookTransport().send(
                envelope=envelope, target=webhook_target(receiver, webhook_secret)
            )
        requests = receiver.wait_for(1)

    assert exc.value.permanent
    assert "redirects are not followed" in exc.value.message
    assert [r.path for r in requests] == ["/hooks/csp"]


def test_a_refused_connection_is_not_permanent(
    webhook_secret: str, envelope: dict[str, Any]
) -> None:
    target = WebhookTarget(
        url=f"http://127.0.0.1:{closed_port()}/hooks", secret=webhook_secret, allow_private=True
    )
    with pytest.raises(TransportError) as exc:
        WebhookTransport().send(envelope=envelope, target=target)

    assert not exc.value.permanent
    assert exc.value.message == f"Could not reach the webhook receiver: {UNREACHABLE}"


def test_a_receiver_that_does_not_answer_in_time_is_not_permanent(
    settings: Settings, webhook_secret: str, envelope: dict[str, Any]
) -> None:
    settings.WEBHOOK_TIMEOUT = 0.3
    with WebhookReceiver(webhook_secret, delay=30) as receiver:
        with pytest.raises(TransportError) as exc:
            WebhookTransport().send(
                envelope=envelope, target=webhook_target(receiver, webhook_secret)
            )
        receiver.wait_for(1)

    assert not exc.value.permanent
    # The same words as a refused connection: last_error must not tell ports apart.
    assert exc.value.message == f"Could not reach the webhook receiver: {UNREACHABLE}"


def test_a_malformed_secret_is_permanent_and_nothing_is_sent(
    webhook_receiver: WebhookReceiver, envelope: dict[str, Any]
) -> None:
    target = WebhookTarget(url=webhook_receiver.url, secret="whsec_not base64!", allow_private=True)
    with pytest.raises(TransportError) as exc:
        WebhookTransport().send(envelope=envelope, target=target)

    assert exc.value.permanent
    assert webhook_receiver.requests == []


def test_the_receiver_refuses_a_bad_signature_with_401(
    webhook_receiver: WebhookReceiver, webhook_secret: str
) -> None:
    body = b'{"id":"x"}'
    signed_with_another_key = sign_webhook(
        secret=generate_webhook_secret(), msg_id="x", timestamp=int(time.time()), body=body
    )
    response = httpx.post(
        webhook_receiver.url,
        content=body,
        headers={
            "webhook-id": "x",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": signed_with_another_key,
        },
    )

    assert response.status_code == 401
    [received] = webhook_receiver.wait_for(1)
    assert not received.valid
    assert received.reason == "no webhook-signature matches"


# --- Signatures ----------------------------------------------------------------------


def test_a_generated_secret_is_whsec_and_32_random_bytes() -> None:
    secret = generate_webhook_secret()

    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert secret != generate_webhook_secret()


def test_signature_matches_the_standard_webhooks_reference_vector() -> None:
    # The worked example in the Standard Webhooks spec and its reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'

    signature = sign_webhook(
        secret=secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330, body=body
    )

    assert signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"body": b'{"id":"y"}'}, "no webhook-signature matches"),
        ({"now": 10_000 + 301}, "outside the tolerance window"),
        ({"now": 10_000 - 301}, "outside the tolerance window"),
        ({"secret": generate_webhook_secret()}, "no webhook-signature matches"),
        ({"headers": {"webhook-id": "x"}}, "missing webhook-id"),
    ],
)
def test_verification_refuses_tampering_replay_and_missing_headers(
    change: dict[str, Any], reason: str
) -> None:
    secret = generate_webhook_secret()
    body = b'{"id":"x"}'
    headers = {
        "Webhook-Id": "x",
        "Webhook-Timestamp": "10000",
        "Webhook-Signature": "v1,bm90IGl0 "
        + sign_webhook(secret=secret, msg_id="x", timestamp=10_000, body=body),
    }
    verify_webhook_signature(secret=secret, headers=headers, body=body, now=10_000)

    arguments: dict[str, Any] = {"secret": secret, "headers": headers, "body": body, "now": 10_000}
    with pytest.raises(WebhookSignatureError, match=reason):
        verify_webhook_signature(**(arguments | change))


# --- The SSRF guard (more in test_outbound_guard.py) ---------------------------------


@pytest.mark.parametrize(
    ("url", "refusal"),
    [
        ("http://127.0.0.1:8000/hooks", "loopback"),
        ("http://localhost/hooks", "not a public internet host name"),
        ("http://2130706433/hooks", "loopback"),  # 127.0.0.1 written as one number
        ("http://10.1.2.3/hooks", "private"),
        ("http://192.168.0.10/hooks", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),  # cloud metadata
        ("http://[::1]:8080/hooks", "loopback"),
        ("http://[::ffff:127.0.0.1]/hooks", "loopback"),
        ("http://[2002:7f00:1::]/hooks", "6to4 form of a loopback"),
        ("http://0.0.0.0/hooks", "unspecified"),
        ("http://224.0.0.1/hooks", "multicast"),
        ("file:///etc/passwd", "must start with https://"),
        ("ftp://files.example.com/hooks", "must start with https://"),
        ("https:///hooks", "no host"),
    ],
)
def test_webhook_urls_into_our_own_network_are_refused(
    settings: Settings, url: str, refusal: str
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    with pytest.raises(OutboundRefused, match=refusal):
        validate_url(url)


def test_a_public_address_passes_the_guard(settings: Settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    # An address literal: no lookup, no traffic.
    assert [str(a) for a in validate_url("https://8.8.8.8/hooks")] == ["8.8.8.8"]


def test_private_urls_pass_when_the_target_or_the_settings_allow_them(
    settings: Settings,
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    assert validate_url("http://10.1.2.3/hooks", allow_private=True)

    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    assert validate_url("http://10.1.2.3/hooks")


def test_the_transport_refuses_a_loopback_target_permanently_before_connecting(
    settings: Settings,
    webhook_receiver: WebhookReceiver,
    webhook_secret: str,
    envelope: dict[str, Any],
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    target = WebhookTarget(url=webhook_receiver.url, secret=webhook_secret)

    with pytest.raises(TransportError) as exc:
        WebhookTransport().send(envelope=envelope, target=target)

    assert exc.value.permanent
    assert "loopback" in exc.value.message
    assert webhook_receiver.requests == []


# --- Email ---------------------------------------------------------------------------


@pytest.fixture
def smtp_settings(settings: Settings, smtp_sink: SmtpSink) -> Settings:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return settings


EXPECTED_TEXT = f"""\
There is an update on a case you work on.
Open the case (you will need to sign in):
https://casework.example.gov.uk/cases/12

ASB-2026-000123 moved from Reported to Triaged
Case: ASB-2026-000123
Agencies: Kestrel Vale Council ASB Team, police neighbourhood
When: {when(datetime(2026, 6, 2, 13, 5, tzinfo=UTC))} (UK time)

This message holds no personal details. Sign in to CSP Casework to see the case.
"""


def test_email_arrives_with_text_and_html_parts_saying_only_what_the_envelope_says(
    smtp_settings: Settings, smtp_sink: SmtpSink, envelope: dict[str, Any]
) -> None:
    receipt = EmailTransport().send(
        envelope=envelope, target=EmailTarget(to=[ASB_COORDINATOR, IDVA])
    )

    [received] = smtp_sink.wait_for(1)
    message = received.message
    assert sorted(received.rcpt_tos) == sorted([ASB_COORDINATOR, IDVA])
    assert message["Subject"] == "[CSP Casework] Update on a case you work on"
    assert message["Message-ID"] == receipt.reference
    assert {name.lower() for name in message} == {
        "content-type",
        "mime-version",
        "subject",
        "from",
        "to",
        "date",
        "message-id",
        "x-csp-event-id",  # the event's UUID, for tracing and repeats: nothing of the case
    }
    text_part = message.get_body(preferencelist=("plain",))
    html_part = message.get_body(preferencelist=("html",))
    assert text_part is not None
    assert html_part is not None
    # The whole text, literally: every line comes from the envelope or fixed wording.
    assert text_part.get_content().replace("\r\n", "\n") == EXPECTED_TEXT
    assert message["X-CSP-Event-Id"] == envelope["id"]  # for tracing, not in the words
    html = html_part.get_content()
    assert '<a href="https://casework.example.gov.uk/cases/12"' in html
    assert "ASB-2026-000123" in html
    assert when(datetime(2026, 6, 2, 13, 5, tzinfo=UTC)) in html


@pytest.mark.parametrize(
    ("reference", "kind", "type", "data"),
    [
        (
            "VAWG-2026-000007",
            "vawg",
            "case.transitioned",
            {"from": "reported", "to": "marac_referred"},
        ),
        ("VAWG-2026-000007", "vawg", "duty.recorded", {"duty": "fgm_mandatory_report"}),
        ("VAWG-2026-000007", "vawg", "case.marac_repeat", {}),
        ("ASB-2026-000123", "asb", "case.review_threshold_met", {"reports": 3}),
        ("ERO-2026-000042", "early_release", "deadline.breached", {"deadline": "first_contact"}),
    ],
)
def test_an_email_subject_says_nothing_of_the_case_a_shared_inbox_could_show(
    smtp_settings: Settings,
    smtp_sink: SmtpSink,
    envelope: dict[str, Any],
    reference: str,
    kind: str,
    type: str,
    data: dict[str, Any],
) -> None:
    """Issue 13, item 9: subjects showed a "VAWG-" reference and events such as "marac
    referred" or "duty recorded" to anyone who can see a shared inbox or a lock screen.
    Every subject is the same words; the body, once opened, says which case."""
    envelope.update(case_reference=reference, kind=kind, type=type, data=data)

    EmailTransport().send(envelope=envelope, target=EmailTarget(to=[IDVA]))

    [received] = smtp_sink.wait_for(1)
    subject = received.message["Subject"]
    assert subject == "[CSP Casework] Update on a case you work on"
    for telling in (reference, reference.split("-")[0], kind, type.split(".")[-1], "marac"):
        assert telling.lower().replace("_", " ") not in subject.lower()
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None
    assert reference in body.get_content()


def test_the_answers_referrer_flag_is_left_out_of_what_people_read(
    envelope: dict[str, Any],
) -> None:
    envelope["data"] = {**envelope["data"], "answers_referrer": True}
    context = envelope_context(envelope)

    text = render_to_string("notifications/email/body.txt", context)
    html = render_to_string("notifications/email/body.html", context | {"subject": "x"})

    assert text == EXPECTED_TEXT
    assert "nswers referrer" not in html
    assert "True" not in html


def test_a_refused_recipient_is_permanent(
    smtp_settings: Settings, smtp_sink: SmtpSink, envelope: dict[str, Any]
) -> None:
    with pytest.raises(TransportError) as exc:
        EmailTransport().send(envelope=envelope, target=EmailTarget(to=[LEAVER]))

    assert exc.value.permanent
    assert LEAVER in exc.value.message
    assert "550" in exc.value.message
    assert smtp_sink.messages == []


def test_an_unreachable_mail_server_is_not_permanent(
    smtp_settings: Settings, envelope: dict[str, Any]
) -> None:
    smtp_settings.EMAIL_PORT = closed_port()

    with pytest.raises(TransportError) as exc:
        EmailTransport().send(envelope=envelope, target=EmailTarget(to=[ASB_COORDINATOR]))

    assert not exc.value.permanent


# --- GOV.UK Notify -------------------------------------------------------------------


def notify_target(fake: FakeNotify, api_key: str | None = None) -> NotifyTarget:
    return NotifyTarget(
        api_key=api_key or fake.api_key,
        template_id=NOTIFY_TEMPLATE_ID,
        email_address=ASB_COORDINATOR,
        base_url=fake.base_url,
    )


def test_notify_call_reaches_the_fake_with_a_valid_token_and_envelope_fields_only(
    fake_notify: FakeNotify, envelope: dict[str, Any]
) -> None:
    receipt = NotifyTransport().send(envelope=envelope, target=notify_target(fake_notify))

    [request] = fake_notify.wait_for(1)
    assert (request.status, request.auth_error) == (201, "")
    assert request.json == {
        "email_address": ASB_COORDINATOR,
        "template_id": NOTIFY_TEMPLATE_ID,
        "reference": envelope["id"],
        "personalisation": {
            "subject": "Update on a case you work on",
            "event": "ASB-2026-000123 moved from Reported to Triaged",
            "case_reference": "ASB-2026-000123",
            "occurred_at": when(datetime(2026, 6, 2, 13, 5, tzinfo=UTC)),
            "link": "https://casework.example.gov.uk/cases/12",
        },
    }
    assert uuid.UUID(receipt.reference)


def test_a_notify_settings_base_url_is_used_when_the_target_has_none(
    settings: Settings, fake_notify: FakeNotify, envelope: dict[str, Any]
) -> None:
    settings.NOTIFY_BASE_URL = fake_notify.base_url
    target = NotifyTarget(
        api_key=fake_notify.api_key, template_id=NOTIFY_TEMPLATE_ID, email_address=IDVA
    )

    NotifyTransport().send(envelope=envelope, target=target)

    assert fake_notify.wait_for(1)[0].json["email_address"] == IDVA


@pytest.mark.parametrize(
    "api_key",
    [
        f"csp_test-{uuid.uuid4()}-{uuid.uuid4()}",  # a service Notify does not know
        "wrong-secret",  # same service, another secret: filled in below
    ],
)
def test_a_key_notify_does_not_accept_is_permanent(
    fake_notify: FakeNotify, envelope: dict[str, Any], api_key: str
) -> None:
    if api_key == "wrong-secret":
        api_key = f"csp_test-{fake_notify.service_id}-{uuid.uuid4()}"

    with pytest.raises(TransportError) as exc:
        NotifyTransport().send(envelope=envelope, target=notify_target(fake_notify, api_key))

    assert exc.value.permanent
    assert "403" in exc.value.message
    assert fake_notify.wait_for(1)[0].auth_error.startswith("Invalid token")


def test_a_malformed_notify_key_is_permanent_and_nothing_is_sent(
    fake_notify: FakeNotify, envelope: dict[str, Any]
) -> None:
    with pytest.raises(TransportError) as exc:
        NotifyTransport().send(envelope=envelope, target=notify_target(fake_notify, "not-a-key"))

    assert exc.value.permanent
    assert fake_notify.requests == []


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (429, False), (500, False)])
def test_notify_errors_are_permanent_only_for_client_errors(
    fake_notify: FakeNotify, envelope: dict[str, Any], status: int, permanent: bool
) -> None:
    fake_notify.answer_status = status

    with pytest.raises(TransportError) as exc:
        NotifyTransport().send(envelope=envelope, target=notify_target(fake_notify))

    assert exc.value.permanent is permanent
    assert f"answered {status}" in exc.value.message


def test_an_unreachable_notify_is_not_permanent(
    fake_notify: FakeNotify, envelope: dict[str, Any]
) -> None:
    target = NotifyTarget(
        api_key=fake_notify.api_key,
        template_id=NOTIFY_TEMPLATE_ID,
        email_address=ASB_COORDINATOR,
        base_url=f"http://127.0.0.1:{closed_port()}",
    )
    with pytest.raises(TransportError) as exc:
        NotifyTransport().send(envelope=envelope, target=target)

    assert not exc.value.permanent
    assert exc.value.message == f"Could not reach GOV.UK Notify: {UNREACHABLE}"


def test_the_fake_notify_refuses_a_stale_or_missing_token(fake_notify: FakeNotify) -> None:
    url = f"{fake_notify.base_url}/v2/notifications/email"
    body = {"email_address": IDVA, "template_id": NOTIFY_TEMPLATE_ID}
    stale = jwt.encode(
        {"iss": fake_notify.service_id, "iat": int(time.time()) - 60},
        fake_notify.secret_key,
        algorithm="HS256",
    )

    missing = httpx.post(url, json=body)
    old = httpx.post(url, json=body, headers={"Authorization": f"Bearer {stale}"})

    assert missing.status_code == 401
    assert old.status_code == 403
    assert "30 seconds" in old.json()["errors"][0]["message"]


# --- The envelope --------------------------------------------------------------------


def test_an_envelope_with_only_the_required_keys_renders() -> None:
    minimal = {
        "id": "0d7f4f5e-0000-4000-8000-000000000001",
        "type": "referral.raised",
        "occurred_at": "2026-01-15T09:30:00+00:00",
        "schema_version": 1,
    }
    context = envelope_context(minimal)

    text = render_to_string("notifications/email/body.txt", context)
    html = render_to_string("notifications/email/body.html", context | {"subject": "x"})

    assert text.startswith("There is an update on a case you work on.\n\nReferral raised\n")
    assert f"{when(datetime(2026, 1, 15, 9, 30, tzinfo=UTC))} (UK time)" in text
    assert "Open the case" not in text
    assert "Open the case" not in html


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"person_name": "Jane Doe"}, "keys outside the schema: person_name"),
        ({"data": {"from": "reported", "subject": {"name": "Jane Doe"}}}, "flat mapping"),
        ({"schema_version": 2}, "schema_version 2"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"detail_url": "javascript:alert(1)"}, "detail_url"),
        ({"agencies": [{"name": "Jane Doe"}]}, "agency slugs"),
    ],
)
@pytest.mark.parametrize("channel", ["webhook", "email", "notify"])
def test_an_envelope_outside_the_schema_is_refused_before_anything_is_sent(
    request: pytest.FixtureRequest,
    envelope: dict[str, Any],
    change: dict[str, Any],
    problem: str,
    channel: str,
) -> None:
    bad = envelope | change
    transport: Transport[Any]
    target: Any
    if channel == "webhook":
        receiver = request.getfixturevalue("webhook_receiver")
        secret = request.getfixturevalue("webhook_secret")
        transport, target = WebhookTransport(), webhook_target(receiver, secret)
        sent = receiver.requests
    elif channel == "email":
        request.getfixturevalue("smtp_settings")
        transport, target = EmailTransport(), EmailTarget(to=[IDVA])
        sent = request.getfixturevalue("smtp_sink").messages
    else:
        fake = request.getfixturevalue("fake_notify")
        transport, target = NotifyTransport(), notify_target(fake)
        sent = fake.requests

    with pytest.raises(TransportError, match=problem) as exc:
        transport.send(envelope=bad, target=target)

    assert exc.value.permanent
    assert sent == []


def test_the_webhook_body_is_compact_json_of_the_envelope(
    webhook_receiver: WebhookReceiver, webhook_secret: str, envelope: dict[str, Any]
) -> None:
    WebhookTransport().send(
        envelope=envelope, target=webhook_target(webhook_receiver, webhook_secret)
    )

    [received] = webhook_receiver.wait_for(1)
    assert received.body == json.dumps(envelope, separators=(",", ":")).encode()
