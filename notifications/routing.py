"""Who is told about an event: endpoints of agencies, and people's in-app inboxes.

- The responsible agency (as it was when the event happened): every active endpoint.
- Other agencies concerned with the case: the endpoints of their active subscriptions
  that match the event's type and kind.
- The responsible agency's managers: breach and escalation, in their inbox.
- The person who owes a personal duty: its deadline's warning, breach and escalation.
- The referrers (whoever raised a referral on the case): the state changes that answer
  them (acceptance, decline, closure), as the workflow marks them (``answers_referrer``).
- The officer a case is assigned to: the assignment.
Nobody is told of their own action, and nobody is told what the need-to-know gate
(``cases.access.visibility``) says they may not see: ``event_visible`` asks it for every
recipient, and ``events_visible_q`` is the same rule for lists (inbox, deliveries).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from cases.access import Visibility, cases_visible, visibility
from cases.models import CaseReferrer
from notifications.events import DEADLINE_EVENT_TYPES, MANAGER_EVENT_TYPES, OUTLINE_EVENT_TYPES
from notifications.models import Endpoint, OutboxEvent, Subscription
from partners.models import Agency, Membership, Role


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
    if lead is not None and event_visible(event, to=lead):
        for endpoint in Endpoint.objects.filter(agency=lead, is_active=True):
            endpoints[endpoint.pk] = endpoint
    others = [
        a
        for code, a in agencies.items()
        if code != event.responsible_agency and event_visible(event, to=a)
    ]
    subscriptions = Subscription.objects.filter(
        agency__in=others, is_active=True, endpoint__is_active=True
    ).select_related("endpoint")
    for subscription in subscriptions:
        if subscription.matches(type=event.type, kind=event.kind):
            endpoints.setdefault(subscription.endpoint_id, subscription.endpoint)
    user_ids = _individuals(event, lead) - {event.actor_id}
    users = [
        user
        for user in get_user_model().objects.filter(pk__in=user_ids, is_active=True).order_by("pk")
        if event_visible(event, to=user)
    ]
    return Recipients(endpoints=sorted(endpoints.values(), key=lambda e: e.pk), users=users)


def event_visible(event: OutboxEvent, *, to: Any) -> bool:
    """Whether ``to`` (a user, an agency or ``EVENT_BUS``) may be told of ``event``: the
    need-to-know gate's answer for the event's case, narrowed to what an outline admits
    (a change of state), plus the deadlines of a personal duty to the person who owes it."""
    if event.case_id is None:
        return True
    assert event.case is not None
    seen = visibility(event.case, to=to)
    if seen is Visibility.FULL:
        return True
    if seen is Visibility.NONE:
        return False
    person = not isinstance(to, Agency) and getattr(to, "pk", None) is not None
    return (
        event.type in OUTLINE_EVENT_TYPES or _own_duty(event, to) or (person and _downgrade(event))
    )


def _downgrade(event: OutboxEvent) -> bool:
    """A VAWG risk lowered: the referrer, who may see only the outline, is told in person
    (issue 13: a referring agency's judgement of high risk is not set aside without its
    knowing). Never an agency's endpoints or the event bus: they get outlines only."""
    return event.type == "case.risk_changed" and event.data.get("downgrade") is True


def _own_duty(event: OutboxEvent, to: Any) -> bool:
    user_id = getattr(to, "pk", None) if not isinstance(to, Agency) else None
    return (
        event.type in DEADLINE_EVENT_TYPES
        and user_id is not None
        and event.data.get("responsible_user") == user_id
    )


def events_visible_q(to: Any, *, prefix: str = "") -> Q:
    """``event_visible`` as a filter on rows with an event at ``prefix`` (``"event__"``
    for inbox items and deliveries): for lists, so that a row sent before a rule changed,
    or by a route since corrected, is not shown to someone the gate now refuses."""

    def f(**lookups: Any) -> Q:
        return Q(**{prefix + key: value for key, value in lookups.items()})

    seen = cases_visible(to).values("pk")
    allowed = (
        f(case__isnull=True)
        | f(case__in=cases_visible(to, full=True).values("pk"))
        | (f(case__in=seen) & f(type__in=OUTLINE_EVENT_TYPES))
    )
    if not isinstance(to, Agency) and getattr(to, "pk", None) is not None:
        allowed |= f(case__in=seen, type="case.risk_changed", data__downgrade=True)
        allowed |= f(case__in=seen, type__in=DEADLINE_EVENT_TYPES, data__responsible_user=to.pk)
    return allowed


def _individuals(event: OutboxEvent, lead: Agency | None) -> set[int]:
    ids: set[int | None] = set()
    if event.type in MANAGER_EVENT_TYPES and lead is not None:
        ids |= set(
            Membership.objects.filter(agency=lead, role=Role.MANAGER).values_list(
                "user_id", flat=True
            )
        )
    # Which states answer a referrer is the workflow's to say (workflows.machines); an event
    # written before it said so has no flag and tells no referrer: silence is the safe side.
    if (
        event.type == "case.transitioned"
        and event.case_id is not None
        and event.data.get("answers_referrer") is True
    ):
        ids |= _referrers(event)
    if _downgrade(event) and event.case_id is not None:
        ids |= _referrers(event)
    if event.type == "case.assigned" and event.case is not None:
        ids.add(event.case.assigned_officer_id)
    if event.type in DEADLINE_EVENT_TYPES and isinstance(event.data.get("responsible_user"), int):
        # A personal duty (the FGM report) is owed by a person, who may see only the
        # case's outline: they hear of their own clock in their inbox.
        ids.add(event.data["responsible_user"])
    return {user_id for user_id in ids if user_id is not None}


def _referrers(event: OutboxEvent) -> set[int | None]:
    """Who referred the case: its opener and whoever raised a referral that joined it
    (the case's referrer links, which also decide what they may see of it)."""
    assert event.case is not None
    linked = CaseReferrer.objects.filter(case=event.case).values_list("user_id", flat=True)
    return {event.case.opened_by_id, *linked}
