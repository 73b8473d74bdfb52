"""Reads of a case's history and of the audit trail (API and pages share them).

A case's audit entries are django-auditlog rows about the case itself and about every
audited row that points at it (people, agencies, referrals, risk assessments, ...). The
related models are found through ``Case._meta.related_objects``, so a model added later
and registered with auditlog is covered without a change here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q, QuerySet

from cases.models import Case
from notifications.models import OutboxEvent
from workflows.models import TransitionLog


def _audited_case_relations() -> list[tuple[type[Model], str]]:
    """(model, lookup from it to its case) for the case and each audited model pointing at it."""
    relations: list[tuple[type[Model], str]] = [(Case, "pk")]
    for rel in Case._meta.related_objects:
        model = rel.related_model
        audited = isinstance(model, type) and auditlog.contains(model)
        if (rel.one_to_many or rel.one_to_one) and audited:
            relations.append((model, rel.field.name))
    return relations


def audit_entries_for_cases(cases: QuerySet[Case]) -> QuerySet[LogEntry]:
    """Audit entries about the given cases and the rows that belong to them.

    Rows deleted since (a lead agency link replaced on reassignment) are matched through the
    rows that still exist, so their entries show only in the unfiltered audit trail.
    """
    case_ids = cases.values("pk")
    q = Q()
    for model, lookup in _audited_case_relations():
        content_type = ContentType.objects.get_for_model(model)
        ids = model._default_manager.filter(**{f"{lookup}__in": case_ids}).values("pk")
        q |= Q(content_type=content_type, object_id__in=ids)
    return LogEntry.objects.filter(q)


def audit_entries_for_user(*, scope: QuerySet[Case], everything: bool) -> QuerySet[LogEntry]:
    """The audit trail one reader may see: all of it, or the entries about ``scope``."""
    entries = LogEntry.objects.all() if everything else audit_entries_for_cases(scope)
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-id")


@dataclass
class CaseHistory:
    case: Case
    transitions: list[TransitionLog]
    audit: list[LogEntry] = field(default_factory=list)
    notifications: list[OutboxEvent] = field(default_factory=list)


def case_history(*, case: Case, full: bool) -> CaseHistory:
    """Everything recorded about a case, oldest first. Without ``full`` (a VAWG referrer)
    only the state changes: the audit entries and notifications stay hidden."""
    transitions = list(
        TransitionLog.objects.filter(case=case)
        .select_related("actor", "actor_agency")
        .order_by("seq")
    )
    if not full:
        return CaseHistory(case=case, transitions=transitions)
    audit = list(
        audit_entries_for_cases(Case.objects.filter(pk=case.pk))
        .select_related("actor", "content_type")
        .order_by("timestamp", "id")
    )
    notifications = list(OutboxEvent.objects.filter(case=case).order_by("occurred_at", "id"))
    return CaseHistory(case=case, transitions=transitions, audit=audit, notifications=notifications)


def audit_filter_case(entries: QuerySet[LogEntry], value: str) -> QuerySet[LogEntry]:
    """Narrow audit entries to one case, given its id or its reference."""
    value = value.strip()
    by_id = Case.objects.filter(pk=int(value)) if re.fullmatch(r"[0-9]{1,18}", value) else None
    cases = by_id if by_id is not None and by_id.exists() else None
    if cases is None:
        cases = Case.objects.filter(reference=value.upper())
    return entries.filter(pk__in=audit_entries_for_cases(cases).values("pk"))


def action_name(entry: Any) -> str:
    return {0: "create", 1: "update", 2: "delete", 3: "access"}.get(entry.action, str(entry.action))
