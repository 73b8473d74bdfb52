"""The ASB case review flag counts other agencies' reports about the same person or place:
it reaches the agencies that lead or take part in the case, never the referrer as a flag,
a count or a reason (issue 12 item 8)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from cases.models import Case
from notifications.models import OutboxEvent
from notifications.services import event_relay
from tests.personas import raise_referral
from tests.security.conftest import api_client, page_client

pytestmark = pytest.mark.django_db

PLACE = {"location_text": "Bus shelter, Harbour Row"}


def probe(people: Any) -> Case:
    """Two reports about the place by the council, then the police officer's third."""
    for days in (60, 30):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            raise_referral(people.asb_coordinator, "asb", **PLACE)
    case = raise_referral(people.officer, "asb", **PLACE).case
    for event in OutboxEvent.objects.filter(published_at__isnull=True):
        event_relay(event_id=event.pk)
    case.refresh_from_db()
    assert case.case_review_flagged_at is not None  # the coordinating agency is prompted
    return case


def test_the_referrer_sees_no_flag_count_or_reason_on_their_own_case(people: Any) -> None:
    case = probe(people)
    officer = api_client(people.officer)
    detail = officer.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["visibility"] == "full"
    assert detail["case_review_flagged_at"] is None
    assert detail["version"] == 1  # as for any case just opened: the flag added no version
    assert "case_review" not in str(detail["deadlines"])
    history = officer.get(f"/api/v1/cases/{case.pk}/history/").json()
    assert "flag_case_review" not in str(history)
    assert "case_review" not in str(history)
    assert "review_threshold" not in str(history)
    assert "3 reports" not in str(history)
    deadlines = officer.get("/api/v1/deadlines/").json()
    assert "case_review" not in str(deadlines)
    assert officer.get("/api/v1/notifications/").json()["count"] == 0
    page = page_client(people.officer).get(f"/cases/{case.reference}/").content.decode()
    for text in ("ASB case review", "Threshold met", "3 reports", "case review"):
        assert text not in page, text


def test_the_coordinating_agency_sees_the_flag_with_its_count(people: Any) -> None:
    case = probe(people)
    coordinator = api_client(people.asb_coordinator)
    assert coordinator.get(f"/api/v1/cases/{case.pk}/").json()["case_review_flagged_at"]
    history = coordinator.get(f"/api/v1/cases/{case.pk}/history/").json()
    [flag] = [t for t in history["transitions"] if t["transition"] == "flag_case_review"]
    assert flag["data"] == {"reports": 3}
    page = page_client(people.asb_coordinator).get(f"/cases/{case.reference}/").content.decode()
    assert "ASB case review" in page
