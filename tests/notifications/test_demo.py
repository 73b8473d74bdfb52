"""Demo set-up and the local webhook receiver that ``make run`` users watch."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from io import StringIO
from typing import Any

import httpx
import pytest
from django.core.management import CommandError, call_command

from notifications.demo import seed_demo_endpoints
from notifications.management.commands.webhook_receiver import ReceiverServer
from notifications.models import Channel, Endpoint, Subscription
from notifications.services import endpoint_rotate_secret
from notifications.targets import endpoint_target
from notifications.transports import TransportError, WebhookTarget, WebhookTransport
from partners.models import Agency

pytestmark = pytest.mark.django_db(transaction=True)  # the receiver's threads read the DB


def webhook_target(endpoint: Endpoint) -> WebhookTarget:
    target = endpoint_target(endpoint)
    assert isinstance(target, WebhookTarget)
    return target


@pytest.fixture
def receiver() -> Iterator[tuple[ReceiverServer, StringIO]]:
    out = StringIO()
    server = ReceiverServer(("127.0.0.1", 0), out.write)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield server, out
    server.shutdown()
    server.server_close()
    thread.join()


def test_demo_endpoints_are_seeded_once_for_every_agency(people: Any) -> None:
    created = seed_demo_endpoints(webhook_base_url="http://127.0.0.1:8001/hooks/")
    again = seed_demo_endpoints(webhook_base_url="http://127.0.0.1:8001/hooks")

    agencies = Agency.objects.count()
    assert created == {"endpoints": 2 * agencies, "subscriptions": 1}
    assert again == {"endpoints": 0, "subscriptions": 0}
    mailbox = Endpoint.objects.get(agency__code="housing", channel=Channel.EMAIL)
    assert mailbox.email_address == "housing@kestrelvale.example"
    hook = Endpoint.objects.get(agency__code="housing", channel=Channel.WEBHOOK)
    assert hook.url == "http://127.0.0.1:8001/hooks/housing"
    assert hook.allow_private
    assert hook.secret.startswith("whsec_")
    [subscription] = Subscription.objects.all()
    assert subscription.agency.code == "kestrel-police"
    assert (subscription.event_types, subscription.kinds) == (["case.transitioned"], ["asb"])


def test_the_receiver_accepts_a_validly_signed_demo_webhook_and_prints_it(
    people: Any, receiver: tuple[ReceiverServer, StringIO], envelope: dict[str, Any]
) -> None:
    server, out = receiver
    seed_demo_endpoints(webhook_base_url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    hook = Endpoint.objects.get(agency__code="council-asb", channel=Channel.WEBHOOK)

    receipt = WebhookTransport().send(envelope=envelope, target=webhook_target(hook))

    assert receipt.status_code == 200
    printed = out.getvalue()
    assert "POST /hooks/council-asb -> 200 signature valid (council-asb)" in printed
    assert f"webhook-id: {envelope['id']}" in printed
    assert '"case_reference": "ASB-2026-000123"' in printed


def test_the_receiver_refuses_a_bad_signature_and_an_unknown_path(
    people: Any, receiver: tuple[ReceiverServer, StringIO], envelope: dict[str, Any]
) -> None:
    server, out = receiver
    base = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    seed_demo_endpoints(webhook_base_url=base)
    hook = Endpoint.objects.get(agency__code="council-asb", channel=Channel.WEBHOOK)
    stale = webhook_target(hook)
    endpoint_rotate_secret(endpoint_id=hook.pk, by=None)  # we still sign with the old one

    with pytest.raises(TransportError, match="HTTP 401"):
        WebhookTransport().send(envelope=envelope, target=stale)
    assert httpx.post(f"{base}/nobody", content=b"{}").status_code == 404
    assert "-> 401 REFUSED: no webhook-signature matches" in out.getvalue()


def test_the_receiver_command_says_when_it_cannot_listen(
    receiver: tuple[ReceiverServer, StringIO],
) -> None:
    server, _ = receiver
    with pytest.raises(CommandError, match=r"Cannot listen on 127\.0\.0\.1"):
        call_command("webhook_receiver", "--port", str(server.server_address[1]))
