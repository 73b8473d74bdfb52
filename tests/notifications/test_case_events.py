"""A case's notifications as its record lists them (the case page, the history in the API):
only to those who see the case in full, the members-only ones only to its agencies, each
event with the deliveries that prove who was told."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from notifications.api.public import case_notification_rows
from notifications.selectors import case_events, case_events_with_deliveries
from notifications.services import event_relay
from tests.notifications.conftest import email_endpoint
from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db

PLACE = {"location_text": "Bus shelter, Harbour Row"}


def types(case: Any, user: Any) -> set[str]:
    return {e.type for e in case_events(case=case, user=user)}


def test_only_the_agencies_of_a_case_see_its_case_review_flag_among_its_events(
    people: Any,
) -> None:
    for days in (60, 30):
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            raise_referral(people.asb_coordinator, "asb", **PLACE)
    case = raise_referral(people.officer, "asb", **PLACE).case

    assert types(case, people.asb_coordinator) >= {"referral.raised", "case.review_threshold_met"}
    # The police officer sees the case in full, but only as its referrer.
    assert "referral.raised" in types(case, people.officer)
    assert "case.review_threshold_met" not in types(case, people.officer)
    assert types(case, people.outsider) == set()


def test_a_referrer_who_sees_only_the_outline_of_a_case_reads_none_of_its_events(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "vawg").case

    assert types(case, people.idva) == {"referral.raised"}
    assert types(case, people.officer) == set()


def test_the_timeline_has_the_newest_events_first_each_with_its_deliveries(
    people: Any, django_assert_num_queries: Any
) -> None:
    email_endpoint("council-asb", "council-asb@kestrelvale.example")
    case = raise_referral(people.officer, "asb").case
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="ok")
    for event in case_events(case=case, user=people.asb_coordinator):
        event_relay(event_id=event.pk)

    events = case_events_with_deliveries(case=case, user=people.asb_coordinator, limit=1)

    [latest] = events
    assert latest.type == "case.transitioned"
    with django_assert_num_queries(0):
        told = [
            (d.channel, d.endpoint and d.endpoint.agency.code, d.user)
            for d in latest.deliveries.all()
        ]
    assert told == [("email", "council-asb", None), ("inbox", None, people.officer)]
    assert case_events_with_deliveries(case=case, user=people.officer, limit=5)[-1].type == (
        "referral.raised"
    )


def test_the_history_rows_list_the_events_oldest_first_each_with_who_was_told(
    people: Any,
) -> None:
    email_endpoint("council-asb", "council-asb@kestrelvale.example")
    case = raise_referral(people.officer, "asb").case
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="ok")
    for event in case_events(case=case, user=people.asb_coordinator):
        event_relay(event_id=event.pk)
    vawg = raise_referral(people.officer, "vawg").case

    rows = case_notification_rows(case=case, user=people.asb_coordinator)

    assert [row["type"] for row in rows] == ["referral.raised", "case.transitioned"]
    told = [
        (d["channel"], d["endpoint"] and d["endpoint"]["agency"]["code"])
        for d in rows[1]["deliveries"]
    ]
    assert told == [("email", "council-asb"), ("inbox", None)]
    assert rows[1]["deliveries"][1]["recipient"]["username"] == "officer"
    assert case_notification_rows(case=vawg, user=people.officer) == []
