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
from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from cases.models import Case
from workflows import transition_data
from workflows.models import TransitionLog
from workflows.selectors import MEMBERS_ONLY_FIELDS, MEMBERS_ONLY_TRANSITIONS


def _audited_case_relations() -> list[tuple[type[Model], str]]:
    """(model, lookup from it to its case) for the case and each audited model pointing at it."""
    relations: list[tuple[type[Model], str]] = [(Case, "pk")]
    for rel in Case._meta.related_objects:
        model = rel.related_model
        audited = isinstance(model, type) and auditlog.contains(model)
        if (rel.one_to_many or rel.one_to_one) and audited:
            relations.append((model, rel.field.name))
    return relations


def _about(cases: QuerySet[Case]) -> Q:
    """Entries about one of ``cases`` or a row that belongs to one, as a per-entry test.

    For each entry PostgreSQL evaluates only the branch of its content type: one or two
    primary-key probes, then the cases' own test (the scope's agency link) for that one
    case. A search of the trail (an actor, a period, a case) costs those probes for the
    entries it finds and nothing for the rest. An ``object_id IN (every row of every case
    in scope)`` per content type instead had PostgreSQL materialise the lists and, once
    they outgrew ``work_mem`` (a manager's 500,000 cases), search them linearly for every
    entry it looked at.
    """
    case_ids = cases.order_by().values("pk")
    about = Q()
    for model, lookup in _audited_case_relations():
        content_type = ContentType.objects.get_for_model(model)
        rows = model._default_manager.filter(
            pk=OuterRef("object_id"), **{f"{lookup}__in": case_ids}
        )
        # The content type first: PostgreSQL keeps the order within an OR's branches, so
        # the probes run only for entries of this branch's type.
        about |= Q(content_type_id=content_type.pk) & Q(Exists(rows))
    return about


def audit_entries_for_cases(cases: QuerySet[Case]) -> QuerySet[LogEntry]:
    """Audit entries about the given cases and the rows that belong to them.

    Rows deleted since (a lead agency link replaced on reassignment) are matched through the
    rows that still exist, so their entries show only in the unfiltered audit trail.
    For a reader's whole scope; ``audit_entries_about`` reaches one case's entries by index.
    """
    return LogEntry.objects.filter(_about(cases))


def _case_row_ids(cases: QuerySet[Case]) -> QuerySet[Any]:
    """The primary keys of the cases and of every audited row that belongs to them."""
    relations = _audited_case_relations()
    case_ids = cases.order_by().values("pk")
    querysets = [
        model._default_manager.filter(**{f"{lookup}__in": case_ids}).order_by().values("pk")
        for model, lookup in relations
    ]
    return querysets[0].union(*querysets[1:], all=True)


def audit_entries_about(cases: QuerySet[Case]) -> QuerySet[LogEntry]:
    """``audit_entries_for_cases`` for a handful of cases (one case's history, the trail
    searched by case), found through the index on ``object_id``.

    The entries whose object id is one of the cases' rows' ids are few (the ids of other
    tables' rows coincide at most a few times each), so PostgreSQL reads them through
    ``auditlog_logentry.object_id``'s index; the case test then keeps those whose content
    type says they really are about one of these rows.
    """
    return _narrow_to(LogEntry.objects.all(), cases)


def _narrow_to(entries: QuerySet[LogEntry], cases: QuerySet[Case]) -> QuerySet[LogEntry]:
    return entries.filter(_about(cases), object_id__in=_case_row_ids(cases))


def audit_entries_for_user(*, scope: QuerySet[Case], everything: bool) -> QuerySet[LogEntry]:
    """The audit trail one reader may see: all of it, or the entries about ``scope``."""
    entries = LogEntry.objects.all() if everything else audit_entries_for_cases(scope)
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-id")


@dataclass
class CaseHistory:
    case: Case
    transitions: list[TransitionLog]
    audit: list[LogEntry] = field(default_factory=list)


def case_history(*, case: Case, full: bool, member: bool = True) -> CaseHistory:
    """The changes recorded about a case and its audit entries, oldest first. Without
    ``full`` (a VAWG referrer) only the state changes: the audit entries stay hidden.
    Without ``member`` (someone who only referred the case) the members-only facts, the ASB
    case review flag, stay hidden too (``workflows.selectors.MEMBERS_ONLY_*``). The
    notifications sent are notifications' to read (``notifications.api.public``)."""
    rows = TransitionLog.objects.filter(case=case)
    if not member:
        rows = rows.exclude(transition__in=MEMBERS_ONLY_TRANSITIONS)
    transitions = list(rows.select_related("actor", "actor_agency").order_by("seq"))
    for row in transitions:
        # In memory only: the rows are never saved again (the log is append-only).
        row.data = transition_data.shown(row.data)
        row.reason = row.reason_shown  # an erased reason says when, never a blank
    if not full:
        return CaseHistory(case=case, transitions=transitions)
    audit = audit_entries_about(Case.objects.filter(pk=case.pk))
    if not member:
        audit = audit_exclude_members_only(audit)
    return CaseHistory(
        case=case,
        transitions=transitions,
        audit=list(audit.select_related("actor", "content_type").order_by("timestamp", "id")),
    )


def audit_exclude_members_only(entries: QuerySet[LogEntry]) -> QuerySet[LogEntry]:
    """Entries that record no members-only field (the case review flag's own update)."""
    for name in MEMBERS_ONLY_FIELDS:
        entries = entries.exclude(changes__has_key=name)
    return entries


def audit_filter_case(entries: QuerySet[LogEntry], value: str) -> QuerySet[LogEntry]:
    """Narrow audit entries to one case, given its id or its reference."""
    value = value.strip()
    by_id = Case.objects.filter(pk=int(value)) if re.fullmatch(r"[0-9]{1,18}", value) else None
    cases = by_id if by_id is not None and by_id.exists() else None
    if cases is None:
        cases = Case.objects.filter(reference=value.upper())
    return _narrow_to(entries, cases)


def action_name(entry: Any) -> str:
    return {0: "create", 1: "update", 2: "delete", 3: "access"}.get(entry.action, str(entry.action))
