"""Who is told: the lead always, subscribers by type and kind, managers of breaches,
referrers of the outcome, the assignee of the assignment; never the person who acted."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Delivery, DeliveryStatus, InboxItem, OutboxEvent
from notifications.routing import event_recipients
from notifications.selectors import inbox_unread_count
from notifications.services import emit, endpoint_update, event_relay, subscription_create
from tests.notifications.conftest import email_endpoint
from tests.personas import raise_referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db


def go(case: Any, name: str, by: Any, **data: Any) -> Any:
    return case_transition(case_id=case.pk, name=name, by=by, reason=f"{name} now", data=data)


def latest(type: str) -> OutboxEvent:
    return OutboxEvent.objects.filter(type=type).order_by("-occurred_at")[0]


def told(event: OutboxEvent) -> tuple[list[str], list[str]]:
    recipients = event_recipients(event)
    return (
        [f"{e.agency.code}:{e.name}" for e in recipients.endpoints],
        [u.username for u in recipients.users],
    )


@pytest.fixture
def mailboxes() -> None:
    for code in ("council-asb", "kestrel-police", "housing", "probation"):
        email_endpoint(code, f"{code}@kestrelvale.example")


def test_the_responsible_agency_hears_every_event_on_every_active_endpoint(
    people: Any, mailboxes: None
) -> None:
    second = email_endpoint("council-asb", "asb.duty@kestrelvale.example", name="Duty desk")
    off = email_endpoint("council-asb", "old@kestrelvale.example", name="Old")
    endpoint_update(endpoint_id=off.pk, by=None, changes={"is_active": False})
    raise_referral(people.officer, "asb")

    endpoints, _ = told(latest("referral.raised"))

    assert endpoints == ["council-asb:Mailbox", f"council-asb:{second.name}"]


def test_a_participating_agency_hears_only_the_types_and_kinds_it_subscribes_to(
    people: Any, mailboxes: None
) -> None:
    police = email_endpoint("kestrel-police", "asb-watch@police.example", name="ASB watch")
    subscription_create(endpoint=police, by=None, event_types=["case.transitioned"], kinds=["asb"])
    case = raise_referral(people.officer, "asb").case  # the police referred it
    go(case, "triage", people.asb_coordinator)

    assert told(latest("referral.raised"))[0] == ["council-asb:Mailbox"]
    assert told(latest("case.transitioned"))[0] == [
        "council-asb:Mailbox",
        "kestrel-police:ASB watch",
    ]

    raise_referral(people.officer, "vawg")
    assert "kestrel-police:ASB watch" not in told(latest("referral.raised"))[0]


def test_an_agency_not_concerned_with_the_case_hears_nothing_whatever_it_subscribes_to(
    people: Any, mailboxes: None
) -> None:
    fire = email_endpoint("fire-rescue", "control@fire.example")
    subscription_create(endpoint=fire, by=None)  # everything
    case = raise_referral(people.officer, "asb").case
    go(case, "triage", people.asb_coordinator)

    assert "fire-rescue:Mailbox" not in told(latest("case.transitioned"))[0]


def test_events_go_to_the_lead_of_their_time_not_to_a_later_one(
    people: Any, mailboxes: None
) -> None:
    case = raise_referral(people.officer, "asb").case
    go(case, "triage", people.asb_coordinator)
    triaged = latest("case.transitioned")
    go(case, "assign", people.asb_coordinator, agency="housing")

    assert told(triaged)[0] == ["council-asb:Mailbox"]
    assigned = latest("case.assigned")
    assert assigned.responsible_agency == "housing"
    assert told(assigned)[0] == ["housing:Mailbox"]


def test_managers_hear_of_breaches_and_escalations_in_their_inbox(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    with transaction.atomic():
        for type in ("deadline.approaching", "deadline.breached", "deadline.escalated"):
            emit(type=type, case=case, occurred_at=timezone.now(), data={"deadline": "triage"})

    assert told(latest("deadline.approaching"))[1] == []
    assert told(latest("deadline.breached"))[1] == ["manager"]
    assert told(latest("deadline.escalated"))[1] == ["manager"]


def test_the_referrer_hears_when_their_referral_is_accepted_declined_or_closed(
    people: Any,
) -> None:
    coordinator = people.asb_coordinator
    accepted = raise_referral(people.officer, "asb").case
    go(accepted, "triage", coordinator)
    assert told(latest("case.transitioned"))[1] == ["officer"]
    go(accepted, "assign", coordinator, officer="asb_coordinator")
    assert told(latest("case.transitioned"))[1] == ["officer"]
    go(accepted, "start_work", coordinator)
    assert told(latest("case.transitioned"))[1] == []  # work in progress is not news to them
    go(accepted, "resolve", coordinator)
    go(accepted, "close", coordinator)
    assert told(latest("case.transitioned"))[1] == ["officer"]

    declined = raise_referral(people.officer, "asb").case
    go(declined, "no_further_action", coordinator)
    assert told(latest("case.transitioned"))[1] == ["officer"]


def test_the_referrer_hears_of_the_changes_the_workflow_says_answer_them_whatever_the_state(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    with transaction.atomic():
        emit(
            type="case.transitioned",
            case=case,
            occurred_at=timezone.now(),
            data={"to": "in_progress", "answers_referrer": True},
        )
    assert told(latest("case.transitioned"))[1] == ["officer"]

    # An event written before the workflows said so has no flag: nobody is told of it.
    with transaction.atomic():
        emit(
            type="case.transitioned", case=case, occurred_at=timezone.now(), data={"to": "triaged"}
        )
    assert told(latest("case.transitioned"))[1] == []


def test_a_second_referrer_who_joined_the_case_hears_too(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    raise_referral(people.manager, "asb", join_case=case.pk, location_text="Elsewhere")
    go(case, "triage", people.asb_coordinator)

    assert told(latest("case.transitioned"))[1] == ["officer", "manager"]


def test_the_assignee_hears_of_the_assignment_but_nobody_of_their_own_action(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    go(case, "triage", people.asb_coordinator)
    go(case, "assign", people.asb_coordinator, officer="manager")
    assert told(latest("case.assigned"))[1] == ["manager"]

    other = raise_referral(people.officer, "asb").case
    go(other, "triage", people.asb_coordinator)
    go(other, "assign", people.asb_coordinator, officer="asb_coordinator")
    assert told(latest("case.assigned"))[1] == []


def test_inbox_deliveries_are_written_by_the_relay_complete_with_their_latency(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    go(case, "triage", people.asb_coordinator)
    event = latest("case.transitioned")

    event_relay(event_id=event.pk)
    event_relay(event_id=event.pk)

    [item] = InboxItem.objects.filter(user=people.officer)
    assert item.event == event
    assert item.read_at is None
    [delivery] = Delivery.objects.filter(event=event, user=people.officer)
    assert (delivery.channel, delivery.status, delivery.attempts) == ("inbox", "delivered", 1)
    assert delivery.delivered_at is not None
    assert delivery.latency == delivery.delivered_at - event.occurred_at
    assert inbox_unread_count(people.officer) == 1
    assert inbox_unread_count(people.asb_coordinator) == 0
    assert not Delivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()
