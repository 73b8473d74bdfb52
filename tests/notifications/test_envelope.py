"""The envelope and what ``emit`` accepts: minimal data, no personal data, ever."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.events import event_envelope, routing_key
from notifications.models import OutboxEvent
from notifications.services import emit
from notifications.transports import validate_envelope
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db


def test_the_envelope_holds_the_agreed_keys_and_a_link_to_the_case_page(
    people: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://casework.kestrelvale.example"
    referral = raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")

    envelope = event_envelope(event)

    assert envelope == {
        "id": str(event.pk),
        "type": "referral.raised",
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "schema_version": 1,
        "case_reference": referral.case.reference,
        "kind": "asb",
        "agencies": ["council-asb", "kestrel-police"],
        "detail_url": f"https://casework.kestrelvale.example/cases/{referral.case.pk}/",
        "data": {
            "referral": referral.reference,
            "category": "noise",
            "joined_existing_case": False,
        },
    }
    validate_envelope(envelope)
    assert routing_key(event) == "asb.referral.raised"
    assert event.responsible_agency == "council-asb"


@pytest.mark.urls("tests.notifications.prefixed_urls")
def test_the_link_follows_the_workflows_route_to_the_case_page(people: Any, settings: Any) -> None:
    settings.SITE_URL = "https://casework.kestrelvale.example"
    case = raise_referral(people.officer, "asb").case
    event = OutboxEvent.objects.get(type="referral.raised")

    assert event_envelope(event)["detail_url"] == (
        f"https://casework.kestrelvale.example/casework/cases/{case.pk}/"
    )


def test_an_event_time_given_in_london_time_is_sent_in_utc(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    london = timezone.localtime(datetime(2026, 7, 1, 11, 0, tzinfo=UTC))
    with transaction.atomic():
        event = emit(type="case.transitioned", case=case, occurred_at=london)

    assert event_envelope(event)["occurred_at"] == "2026-07-01T11:00:00+00:00"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"full_name": "Jane Resident"}, "personal data: ['full_name']"),
        ({"summary": "Loud music"}, "personal data: ['summary']"),
        ({"subject": {"dob": "1990-04-01"}}, "flat plain values; nested or odd: ['subject']"),
        ({"names": ["Jane Resident"]}, "flat plain values; nested or odd: ['names']"),
    ],
)
def test_emit_refuses_personal_or_nested_data(
    people: Any, data: dict[str, Any], message: str
) -> None:
    case = raise_referral(people.officer, "asb").case
    with pytest.raises(ValueError, match=re.escape(message)), transaction.atomic():
        emit(type="case.transitioned", case=case, occurred_at=timezone.now(), data=data)


@pytest.mark.django_db(transaction=True)
def test_emit_outside_a_transaction_is_refused(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    with pytest.raises(RuntimeError, match="inside the business transaction"):
        emit(type="case.transitioned", case=case, occurred_at=timezone.now())
    assert not OutboxEvent.objects.filter(type="case.transitioned").exists()
