"""Who is told about an event: endpoints of agencies, and people's in-app inboxes.

- The responsible agency (as it was when the event happened): every active endpoint.
- Other agencies concerned with the case: the endpoints of their active subscriptions
  that match the event's type and kind.
- The responsible agency's managers: breach and escalation, in their inbox.
- The referrers (whoever raised a referral on the case): acceptance, decline and closure.
- The officer a case is assigned to: the assignment.
Nobody is told of their own action.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model

from cases.models import CaseKind, CaseReferrer
from notifications.events import MANAGER_EVENT_TYPES
from notifications.models import Endpoint, OutboxEvent, Subscription
from partners.models import Agency, Membership, Role

# Target states that answer a referrer's question "was my referral taken up?", per kind:
# accepted (triaged or assigned, risk assessed, planning started), declined, or closed.
REFERRER_STATES: dict[str, frozenset[str]] = {
    CaseKind.ASB: frozenset({"triaged", "assigned", "no_further_action", "closed"}),
    CaseKind.VAWG: frozenset({"risk_assessed", "closed"}),
    CaseKind.EARLY_RELEASE: frozenset({"pre_release_planning", "closed"}),
}


@dataclass(frozen=True)
class Recipients:
    endpoints: list[Endpoint]
    users: list[Any]


def event_recipients(event: OutboxEvent) -> Recipients:
    """Endpoints and users that should hear of ``event``, each once, in a stable order."""
    agency_codes = set(event.agencies) | {event.responsible_agency}
    agencies = {a.code: a for a in Agency.objects.filter(code__in=agency_codes, is_active=True)}
    lead = agencies.get(event.responsible_agency)
    endpoints: dict[int, Endpoint] = {}
    if lead is not None:
        for endpoint in Endpoint.objects.filter(agency=lead, is_active=True):
            endpoints[endpoint.pk] = endpoint
    subscriptions = Subscription.objects.filter(
        agency__in=[a for code, a in agencies.items() if code != event.responsible_agency],
        is_active=True,
        endpoint__is_active=True,
    ).select_related("endpoint")
    for subscription in subscriptions:
        if subscription.matches(type=event.type, kind=event.kind):
            endpoints.setdefault(subscription.endpoint_id, subscription.endpoint)
    user_ids = _individuals(event, lead) - {event.actor_id}
    users = list(get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))
    return Recipients(endpoints=sorted(endpoints.values(), key=lambda e: e.pk), users=users)


def _individuals(event: OutboxEvent, lead: Agency | None) -> set[int]:
    ids: set[int | None] = set()
    if event.type in MANAGER_EVENT_TYPES and lead is not None:
        ids |= set(
            Membership.objects.filter(agency=lead, role=Role.MANAGER).values_list(
                "user_id", flat=True
            )
        )
    target = event.data.get("to")
    if (
        event.type == "case.transitioned"
        and event.case_id is not None
        and target in REFERRER_STATES.get(event.kind, frozenset())
    ):
        ids |= _referrers(event)
    if event.type == "case.assigned" and event.case is not None:
        ids.add(event.case.assigned_officer_id)
    return {user_id for user_id in ids if user_id is not None}


def _referrers(event: OutboxEvent) -> set[int | None]:
    """Who referred the case: its opener and whoever raised a referral that joined it
    (the case's referrer links, which also decide what they may see of it)."""
    assert event.case is not None
    linked = CaseReferrer.objects.filter(case=event.case).values_list("user_id", flat=True)
    return {event.case.opened_by_id, *linked}
