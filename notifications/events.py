"""The event vocabulary and the envelope: the whole of what leaves the system about an event.

The envelope carries an id, a type, a time, a case reference, a kind, agency codes, a link
and the event's flat ``data`` (state names, references, counts). Never names, dates of
birth, addresses or narrative: a partner follows ``detail_url`` and signs in.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.conf import settings
from django.urls import reverse

from notifications.models import OutboxEvent

# Event types the services emit; subscriptions choose among these.
# tests/notifications/test_event_types.py checks this against every emit() in the code.
EVENT_TYPES = (
    "referral.raised",
    "case.transitioned",
    "case.assigned",
    "case.risk_changed",
    "case.review_threshold_met",
    "case.marac_repeat",
    "case.child_safeguarding_referred",
    "case.operation_encompass",
    "case.milestone_recorded",
    "case_review.received",
    "case_review.threshold_decided",
    "case_review.applicant_told",
    "case_review.meeting_held",
    "case_review.outcome_recorded",
    "duty.recorded",
    "duty.reported",
    "duty.not_owed",
    "case.fgm_discovery_recorded",
    "deadline.approaching",
    "deadline.breached",
    "deadline.escalated",
)
# The responsible agency's managers hear of these in their inbox as well.
MANAGER_EVENT_TYPES = frozenset({"deadline.breached", "deadline.escalated"})
DEADLINE_EVENT_TYPES = frozenset(
    {"deadline.approaching", "deadline.breached", "deadline.escalated"}
)
# What a case's outline (reference and state) admits: it moved from one state to another.
# A recipient who sees only the outline hears of nothing else (notifications.routing).
OUTLINE_EVENT_TYPES = frozenset({"case.transitioned"})
# The ASB case review flag counts other agencies' reports, and a MARAC repeat may have been
# set by another case's referral, so their events are shown only to those who see the case
# through their agency, never to one who only referred it (issue 12; workflows.selectors
# keeps the rest of that rule: the transitions, the field and the clocks).
# A case review application's events are for the agencies working on the case alone.
CASE_REVIEW_EVENT_TYPES = frozenset(
    {
        "case_review.received",
        "case_review.threshold_decided",
        "case_review.applicant_told",
        "case_review.meeting_held",
        "case_review.outcome_recorded",
    }
)
MEMBERS_ONLY_EVENT_TYPES = frozenset(
    {"case.review_threshold_met", "case.marac_repeat", *CASE_REVIEW_EVENT_TYPES}
)

# Data for machines (routing, partners' systems) that means nothing to a reader: messages
# written for people (an email's details) leave it out.
MACHINE_ONLY_DATA_KEYS = frozenset({"answers_referrer"})

EXCHANGE_NAME = "csp.events"
# The page a partner signs in to: the workflows' case page by id, named rather than
# imported (notifications sits below workflows) and never spelled out here.
CASE_URL_NAME = "workflows:case_by_id"


def detail_url(event: OutboxEvent) -> str:
    if event.case_id is None:
        return f"{settings.SITE_URL}/"
    return settings.SITE_URL + reverse(CASE_URL_NAME, kwargs={"pk": event.case_id})


def routing_key(event: OutboxEvent) -> str:
    """``<kind>.<event type>``, e.g. ``asb.case.transitioned``; ``none.`` when caseless."""
    return f"{event.kind or 'none'}.{event.type}"


def event_envelope(event: OutboxEvent) -> dict[str, Any]:
    """The JSON envelope every channel and the ``csp.events`` exchange carry."""
    return {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": event.occurred_at.astimezone(UTC).isoformat(),
        "schema_version": event.schema_version,
        "case_reference": event.case_reference,
        "kind": event.kind,
        "agencies": list(event.agencies),
        "detail_url": detail_url(event),
        "data": dict(event.data),
    }
