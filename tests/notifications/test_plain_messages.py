"""Messages for people speak plain English (issue 14, item 4): every message template (the
email's text and HTML bodies, GOV.UK Notify's personalisation) is rendered for every event
type the services emit, and none shows an internal code or id. Webhooks keep the envelope's
machine fields."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.events import EVENT_TYPES, event_envelope
from notifications.models import OutboxEvent
from notifications.services import emit
from notifications.transports import envelope_context, notify_personalisation
from notifications.wording import when
from tests.notifications.test_no_personal_data import produce_every_event_type
from tests.personas import raise_referral
from workflows.actions import case_transition
from workflows.calendar import LONDON

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
DOTTED = re.compile(r"\b[a-z_]+\.[a-z_]+\b")  # an event type: case.transitioned


def _rendered(envelope: dict[str, Any]) -> dict[str, str]:
    context = envelope_context(envelope)
    return {
        "text": render_to_string("notifications/email/body.txt", context),
        "html": render_to_string("notifications/email/body.html", context | {"subject": "x"}),
        "notify": " | ".join(notify_personalisation(envelope).values()),
    }


def _codes_in(text: str, envelope: dict[str, Any]) -> list[str]:
    """Internal codes and ids in what a person reads (the sign-in link aside: it is how
    they open the case)."""
    text = text.replace(envelope["detail_url"], "")
    found = SNAKE.findall(text) + DOTTED.findall(text)
    machine_words = ("None", "log_seq", "Log seq", "Deadline:", "Id:", "Application:", "Level:")
    found += [word for word in (*machine_words, envelope["id"]) if word in text]
    found += [code for code in envelope["agencies"] if code in text]
    for key, value in envelope["data"].items():
        # Row ids the test makes distinctive (474); small numbers are also in dates.
        number = isinstance(value, int) and not isinstance(value, bool) and value >= 100
        if number and re.search(rf"\b{value}\b", text):
            found.append(f"{key}={value}")
    return found


def _deadline_events(people: Any) -> None:
    """The deadline events as the SLA scanner writes them (workflows/actions/scan.py)."""
    case = raise_referral(people.officer, "asb").case
    due = timezone.now() - timedelta(hours=2)
    with transaction.atomic():
        for type, level, audience in (
            ("deadline.approaching", 0, "responsible"),
            ("deadline.breached", 1, "responsible"),
            ("deadline.escalated", 3, "partnership_manager"),
        ):
            emit(
                type=type,
                case=case,
                occurred_at=timezone.now(),
                agencies=["council-asb"],
                data={
                    "deadline": 474,
                    "policy": "asb_triage",
                    "due_at": due.isoformat(),
                    "level": level,
                    "audience": audience,
                    "responsible_agency": "council-asb",
                    "responsible_user": None,
                },
            )


def test_every_message_template_for_every_event_type_has_no_internal_code_or_id(
    people: Any,
) -> None:
    produce_every_event_type(people)
    _deadline_events(people)
    events = list(OutboxEvent.objects.all())
    assert {e.type for e in events} == set(EVENT_TYPES)
    problems = {}
    for event in events:
        envelope = event_envelope(event)
        for template, text in _rendered(envelope).items():
            if codes := _codes_in(text, envelope):
                problems[f"{event.type} {template}"] = codes
    assert problems == {}


def test_a_transition_reads_in_the_state_machine_s_words(people: Any) -> None:
    case = raise_referral(people.probation, "early_release").case
    case_transition(case_id=case.pk, name="start_planning", by=people.probation, reason="Plan")
    event = OutboxEvent.objects.get(case_id=case.pk, type="case.transitioned")
    envelope = event_envelope(event)
    assert envelope["data"]["transition"] == "start_planning"  # machines keep their fields
    assert envelope["data"]["log_seq"] == 2
    context = envelope_context(envelope)
    assert context["event"] == (
        f"Start pre-release planning: {case.reference} moved from Notified to Pre-release planning"
    )
    assert context["details"] == []
    assert context["agencies"] == ["Probation Service, Kestrel Vale PDU"]


def test_a_deadline_breach_names_the_policy_the_agency_and_when_it_was_due(
    people: Any,
) -> None:
    _deadline_events(people)
    breached = OutboxEvent.objects.get(type="deadline.breached")
    context = envelope_context(event_envelope(breached))
    assert context["event"].startswith(f"Deadline breached on {breached.case_reference}: ")
    assert "asb" not in context["event"]
    labels = dict(context["details"])
    assert labels["Responsible agency"] == "Kestrel Vale Council ASB Team"
    assert labels["Due"].endswith("(UK time)")


@time_machine.travel(datetime(2026, 12, 4, 10, 0, tzinfo=LONDON), tick=False)
def test_dates_are_in_london_with_the_year_only_when_it_is_not_this_year() -> None:
    assert when(datetime(2026, 6, 2, 13, 5, tzinfo=UTC)) == "2 June, 14:05"
    assert when(datetime(2025, 11, 30, 9, 0, tzinfo=UTC)) == "30 November 2025, 09:00"
