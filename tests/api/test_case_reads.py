"""Reading a case through the API: VAWG reads in full are logged, and the history lists who
was told of each event (deliveries), to those who see the case in full only."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from cases.models import Case
from tests.api.conftest import Notified

pytestmark = pytest.mark.django_db


def _reads(case: Case) -> list[tuple[str, int]]:
    entries = LogEntry.objects.filter(
        action=LogEntry.Action.ACCESS,
        content_type=ContentType.objects.get_for_model(Case),
        object_id=case.pk,
    ).order_by("pk")
    return [(e.actor.username if e.actor else "", e.object_id) for e in entries]


@pytest.mark.parametrize("persona", ["idva", "auditor"])
def test_each_full_read_of_a_vawg_case_detail_or_history_is_an_access_entry(
    demo: Any, as_user: Any, persona: str
) -> None:
    case = demo.case("vawg")
    client = as_user(persona)
    assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200
    assert _reads(case) == [(persona, case.pk)]
    assert client.get(f"/api/v1/cases/{case.pk}/history/").status_code == 200
    assert _reads(case) == [(persona, case.pk)] * 2


def test_an_outline_read_of_a_vawg_case_is_not_logged_as_a_full_read(
    demo: Any, as_user: Any
) -> None:
    case = demo.case("vawg")
    client = as_user("officer")  # the referrer: reference and state only
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["visibility"] == "outline"
    assert client.get(f"/api/v1/cases/{case.pk}/history/").status_code == 200
    assert _reads(case) == []


def test_reads_of_other_kinds_and_refused_reads_are_not_logged(demo: Any, as_user: Any) -> None:
    client = as_user("asb_coordinator")
    assert client.get(f"/api/v1/cases/{demo.case('asb').pk}/").status_code == 200
    assert client.get(f"/api/v1/cases/{demo.case('vawg').pk}/").status_code == 404
    assert not LogEntry.objects.filter(action=LogEntry.Action.ACCESS).exists()


def _events(client: Any, case: Case) -> dict[str, list[dict[str, Any]]]:
    response = client.get(f"/api/v1/cases/{case.pk}/history/")
    assert response.status_code == 200
    by_type: dict[str, list[dict[str, Any]]] = {}
    for event in response.json()["notifications"]:
        by_type.setdefault(event["type"], []).append(event)
    return by_type


def test_the_history_lists_each_events_deliveries_by_channel_endpoint_and_outcome(
    notified: Notified, as_user: Any
) -> None:
    events = _events(as_user("manager"), notified.stale)
    [breached] = events["deadline.breached"]
    by_channel = {d["channel"]: d for d in breached["deliveries"]}
    assert set(by_channel) == {"email", "webhook", "inbox"}
    email = by_channel["email"]
    assert email["endpoint"]["name"] == "ASB team mailbox"
    assert email["endpoint"]["agency"]["code"] == "council-asb"
    assert (email["recipient"], email["status"], email["attempts"]) == (None, "pending", 0)
    assert (email["delivered_at"], email["latency"]) == (None, None)
    inbox = by_channel["inbox"]
    assert (inbox["endpoint"], inbox["recipient"]["username"]) == (None, "manager")
    assert inbox["status"] == "delivered"
    assert inbox["delivered_at"] is not None
    assert isinstance(inbox["latency"], float)
    [raised] = events["referral.raised"]
    dead = next(d for d in raised["deliveries"] if d["channel"] == "email")
    assert (dead["id"], dead["status"], dead["attempts"]) == (notified.asb_dead.pk, "dead", 1)


def test_the_history_never_shows_where_a_notification_went_or_why_it_failed(
    notified: Notified, as_user: Any
) -> None:
    response = as_user("manager").get(f"/api/v1/cases/{notified.stale.pk}/history/")
    text = response.content.decode()
    assert "asb-team@council.example.gov.uk" not in text
    assert notified.asb_webhook.url not in text
    assert "deactivated" not in text  # last_error is for the deliveries list


def test_an_outline_history_has_no_notifications(notified: Notified, as_user: Any) -> None:
    body = as_user("officer").get(f"/api/v1/cases/{notified.case('vawg').pk}/history/").json()
    assert body["notifications"] == []
    assert body["audit"] == []
