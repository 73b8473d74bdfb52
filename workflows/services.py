"""The one write path for case state: open a case, transition it, change its risk.

Every function here runs in one transaction with one ``now``: the case row is locked, the
change, its TransitionLog row (hash-chained) and its outbox event are written together, or
nothing is. Pages, the API, the admin, commands and tasks all call these functions.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django_fsm import can_proceed

from cases.audit import acting_as
from cases.models import (
    REFERENCE_PREFIX,
    RISK_ORDER,
    Case,
    CaseAgency,
    CaseAgencyRole,
    CaseKind,
    CaseReferrer,
    ReferenceCounter,
    RiskLevel,
)
from notifications.services import emit
from partners.models import Agency, Role, Ward
from partners.selectors import user_has_role, user_memberships
from workflows import sla, transition_data
from workflows.chain import canonical, link_hash, transition_fields
from workflows.errors import (
    ConcurrentChange,
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
    UnknownTransition,
)
from workflows.machines import MACHINES, TransitionContext, machine_for, transition_names
from workflows.models import MaracReferral, RiskAssessment, TransitionLog


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(canonical(data))
    return result


def _references_next(*, prefixes: Collection[str], now: datetime) -> dict[str, str]:
    """Advance the ``(prefix, year)`` counters by one each (a new year's starts at 1) and
    return the references they now give, by prefix, in the caller's transaction.

    One upsert, one round trip (the ORM's upsert can only overwrite, not add one): the rows
    are locked in prefix order, so two callers never deadlock, and each sees the other's
    committed increment, so no number is handed out twice. Only quoted identifiers and
    placeholders are interpolated into the SQL.
    """
    year = timezone.localtime(now).year
    ordered = sorted(set(prefixes))
    quote = connection.ops.quote_name
    table = quote(ReferenceCounter._meta.db_table)
    prefix, year_col, last = quote("prefix"), quote("year"), quote("last")
    rows = ", ".join(["(%s, %s, 1)"] * len(ordered))
    upsert = (
        f"INSERT INTO {table} ({prefix}, {year_col}, {last}) VALUES {rows} "  # noqa: S608
        f"ON CONFLICT ({prefix}, {year_col}) DO UPDATE SET {last} = {table}.{last} + 1"
    )
    params = [value for p in ordered for value in (p, year)]
    with connection.cursor() as cursor:
        if connection.features.can_return_rows_from_bulk_insert:
            cursor.execute(f"{upsert} RETURNING {prefix}, {last}", params)
        else:  # SQLite before 3.35: the rows stay ours until commit, so read them back.
            cursor.execute(upsert, params)
            wanted = ", ".join(["%s"] * len(ordered))
            cursor.execute(
                f"SELECT {prefix}, {last} FROM {table} "  # noqa: S608
                f"WHERE {year_col} = %s AND {prefix} IN ({wanted})",
                [year, *ordered],
            )
        numbers = dict(cursor.fetchall())
    return {p: f"{p}-{year}-{numbers[p]:06d}" for p in ordered}


def reference_allocate(*, prefix: str, now: datetime) -> str:
    """Next ``ASB-2026-000123`` style reference, in the caller's transaction: the counter
    row stays locked until that transaction ends, so concurrent callers queue behind it.
    Intake reserves its references beforehand with ``references_reserve`` instead."""
    return _references_next(prefixes=[prefix], now=now)[prefix]


def references_reserve(*, prefixes: Collection[str], now: datetime) -> dict[str, str]:
    """The next reference of each prefix for ``now``'s year, committed at once.

    A transaction of its own (``durable``: never inside another), so the counter rows are
    locked for one statement rather than for the whole of the caller's transaction, and
    concurrent intakes no longer run one at a time. The price: a reference reserved for a
    write that then fails is never used. References are unique and increase with each
    reservation, per prefix and year, but may have gaps.
    """
    with transaction.atomic(durable=True):
        if connection.vendor == "postgresql":
            # Do not wait for this commit's WAL flush (with the counter rows still locked):
            # the write that uses the references commits after it, in this session, and
            # its flush covers this commit too. A crash before then loses both together.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        return _references_next(prefixes=prefixes, now=now)


def transition_log_append(
    *,
    case: Case,
    transition: str,
    source: str,
    target: str,
    actor: Any,
    actor_agency: Agency | None,
    reason: str,
    data: dict[str, Any],
    at: datetime,
) -> TransitionLog:
    """Append the next link of the case's chain. The caller holds the case row lock."""
    last = TransitionLog.objects.filter(case=case).order_by("-seq").first()
    row = TransitionLog(
        case=case,
        seq=(last.seq + 1) if last else 1,
        transition=transition,
        source=source,
        target=target,
        actor=actor,
        actor_agency=actor_agency,
        reason=reason,
        data=_json_safe(data),
        at=at,
        # The case row as this change leaves it: verify_audit compares the live row with it.
        version=case.version,
        responsible_agency_id=case.responsible_agency_id,
        prev_hash=last.hash if last else "",
    )
    row.hash = link_hash(row.prev_hash, transition_fields(row))
    row.save(force_insert=True)
    return row


@transaction.atomic
def case_open(
    *,
    kind: str,
    category: str,
    ward: Ward,
    responsible_agency: Agency,
    opened_by: Any,
    opened_by_agency: Agency | None,
    reason: str,
    now: datetime,
    risk: str = RiskLevel.STANDARD,
    location_text: str = "",
    postcode: str = "",
    latitude: Any = None,
    longitude: Any = None,
    details: dict[str, Any] | None = None,
    expected_release_date: Any = None,
    reference: str | None = None,
) -> Case:
    """Create a case in its kind's initial state, with its lead and referring agencies.

    ``reference``: one reserved beforehand with ``references_reserve`` (intake does);
    without it the next one is allocated here, under a counter lock held until commit.
    """
    machine = machine_for(kind)
    prefix = REFERENCE_PREFIX[CaseKind(kind)]
    with acting_as(opened_by):
        case = machine(
            reference=reference or reference_allocate(prefix=prefix, now=now),
            kind=kind,
            category=category,
            state=machine.INITIAL_STATE,  # type: ignore[attr-defined]
            risk=risk,
            ward=ward,
            location_text=location_text,
            postcode=postcode,
            latitude=latitude,
            longitude=longitude,
            responsible_agency=responsible_agency,
            details=_json_safe(details or {}),
            expected_release_date=expected_release_date,
            opened_by=opened_by,
            opened_at=now,
            updated_at=now,
        )
        case.save(force_insert=True)
        CaseAgency.objects.create(
            case=case, agency=responsible_agency, role=CaseAgencyRole.LEAD, added_at=now
        )
        if opened_by_agency and opened_by_agency != responsible_agency:
            CaseAgency.objects.create(
                case=case, agency=opened_by_agency, role=CaseAgencyRole.REFERRER, added_at=now
            )
        CaseReferrer.objects.create(case=case, user=opened_by, added_at=now)
        transition_log_append(
            case=case,
            transition="open",
            source="",
            target=case.state,
            actor=opened_by,
            actor_agency=opened_by_agency,
            reason=reason,
            data={"responsible_agency": responsible_agency.code, "risk": risk},
            at=now,
        )
        sla.deadlines_on_transition(
            case=case, name="open", source="", target=case.state, now=now, by=opened_by
        )
    return case


def available_transitions(*, case: Case, user: Any) -> list[str]:
    """Transition names the user may perform on the case now (state, guard and permission)."""
    machine_case = MACHINES[case.kind].objects.get(pk=case.pk) if type(case) is Case else case
    return sorted(
        t.name
        for t in machine_case.get_available_user_state_transitions(user)  # type: ignore[attr-defined]
    )


@transaction.atomic(durable=True)
def case_transition(
    *,
    case_id: int,
    name: str,
    by: Any,
    reason: str,
    data: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Case:
    """Move a case through its workflow. The only way ``Case.state`` changes.

    Raises UnknownTransition, InvalidTransitionData (400), TransitionForbidden (403),
    TransitionNotAvailable or ConcurrentChange (409). On any error nothing is written.
    """
    now = timezone.now()
    kind = Case.objects.values_list("kind", flat=True).get(pk=case_id)
    machine = machine_for(kind)
    if name not in transition_names(kind):
        raise UnknownTransition(f"'{name}' is not a transition of {kind} cases")
    # Lock the row: concurrent transitions on one case queue here, and the loser then finds
    # the state already moved (or the version bumped) and leaves no trace.
    case = machine.objects.select_for_update().select_related("responsible_agency").get(pk=case_id)
    if expected_version is not None and case.version != expected_version:
        raise ConcurrentChange(
            f"case {case.reference} is at version {case.version}, not {expected_version}"
        )
    method = getattr(case, name)
    if not can_proceed(method, check_conditions=False):
        raise TransitionNotAvailable(f"'{name}' is not available from state '{case.state}'")
    if not method._django_fsm.has_transition_perm(case, case.state, by):
        raise TransitionForbidden(f"you may not '{name}' case {case.reference}")
    if not can_proceed(method):
        raise TransitionNotAvailable(f"the conditions for '{name}' are not met on {case.reference}")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidTransitionData({"reason": "Give a reason for this change."})
    clean = transition_data.validate(case=case, name=name, data=data or {}, by=by)
    agency = _acting_agency(by, case)
    ctx = TransitionContext(by=by, agency=agency, reason=reason, data=clean, now=now)
    source = case.state
    previous_lead = case.responsible_agency
    previous_officer = case.assigned_officer_id
    with acting_as(by):
        method(ctx)
        case.version += 1
        case.updated_at = now
        case.save()
        _after_transition(case=case, name=name, ctx=ctx, previous_lead=previous_lead)
        log = transition_log_append(
            case=case,
            transition=name,
            source=source,
            target=case.state,
            actor=by,
            actor_agency=agency,
            reason=reason,
            data=transition_data.loggable(clean),
            at=now,
        )
        emit(
            type="case.transitioned",
            case=case,
            occurred_at=now,
            data={"transition": name, "from": source, "to": case.state, "log_seq": log.seq},
            actor_id=by.pk,
        )
        if name == "assign" or case.assigned_officer_id != previous_officer:
            emit(
                type="case.assigned",
                case=case,
                occurred_at=now,
                data={
                    "agency": case.responsible_agency.code,
                    "officer_assigned": bool(case.assigned_officer_id),
                },
                actor_id=by.pk,
            )
        sla.deadlines_on_transition(
            case=case, name=name, source=source, target=case.state, now=now, by=by
        )
    return case


def _acting_agency(user: Any, case: Case) -> Agency | None:
    """The agency the user acts for on this case: the lead if they belong to it."""
    memberships = user_memberships(user)
    for m in memberships:
        if m.agency_id == case.responsible_agency_id:
            return m.agency
    return memberships[0].agency if memberships else None


def _after_transition(
    *, case: Case, name: str, ctx: TransitionContext, previous_lead: Agency
) -> None:
    """Rows a transition writes beside the case itself (same transaction)."""
    if name == "assign" and case.responsible_agency_id != previous_lead.pk:
        CaseAgency.objects.filter(
            case=case, agency=previous_lead, role=CaseAgencyRole.LEAD
        ).delete()
        CaseAgency.objects.get_or_create(
            case=case,
            agency=previous_lead,
            role=CaseAgencyRole.PARTICIPANT,
            defaults={"added_at": ctx.now},
        )
        CaseAgency.objects.get_or_create(
            case=case,
            agency=case.responsible_agency,
            role=CaseAgencyRole.LEAD,
            defaults={"added_at": ctx.now},
        )
    elif name == "assess_risk":
        RiskAssessment.objects.create(
            case=case,
            answers=ctx.data["dash"],
            score=ctx.data["score"],
            professional_judgement=ctx.data.get("professional_judgement") or "",
            escalation=ctx.data.get("escalation", False),
            risk=ctx.data["risk"],
            assessed_by=ctx.by,
            assessed_at=ctx.now,
        )
    elif name == "refer_to_marac":
        assessment = ctx.data["assessment"]
        MaracReferral.objects.create(
            case=case,
            assessment=assessment,
            dash_answers=assessment.answers,
            dash_score=assessment.score,
            grounds=transition_data.marac_grounds(assessment),
            referred_by=ctx.by,
            referred_at=ctx.now,
        )
    elif name == "record_marac_hearing":
        MaracReferral.objects.filter(case=case, heard_at__isnull=True).update(
            heard_at=ctx.data.get("heard_at") or ctx.now
        )


@transaction.atomic(durable=True)
def case_set_risk(*, case_id: int, risk: str, by: Any, reason: str) -> Case:
    """Change a case's risk level. Lowering a VAWG risk needs a manager or safeguarding lead."""
    now = timezone.now()
    if risk not in RiskLevel.values:
        raise InvalidTransitionData({"risk": f"Choose one of {', '.join(RiskLevel.values)}."})
    if not (reason or "").strip():
        raise InvalidTransitionData({"reason": "Give a reason for this change."})
    case = Case.objects.select_for_update().select_related("responsible_agency").get(pk=case_id)
    lowering = RISK_ORDER[RiskLevel(risk)] < RISK_ORDER[RiskLevel(case.risk)]
    allowed_roles: tuple[str, ...] = (Role.SAFEGUARDING_LEAD, Role.MANAGER)
    if not lowering and case.kind == CaseKind.ASB:
        allowed_roles += (Role.ASB_COORDINATOR,)
    if not lowering and case.kind == CaseKind.EARLY_RELEASE:
        allowed_roles += (Role.PROBATION_PRACTITIONER,)
    if not user_has_role(by, *allowed_roles, agency=case.responsible_agency_id):
        raise TransitionForbidden(f"you may not change the risk of {case.reference} to {risk}")
    if risk == case.risk:
        return case
    previous = case.risk
    with acting_as(by):
        case.risk = risk
        case.version += 1
        case.updated_at = now
        case.save(update_fields=["risk", "version", "updated_at"])
        transition_log_append(
            case=case,
            transition="set_risk",
            source=case.state,
            target=case.state,
            actor=by,
            actor_agency=_acting_agency(by, case),
            reason=reason.strip(),
            data={"from_risk": previous, "to_risk": risk},
            at=now,
        )
        emit(
            type="case.risk_changed",
            case=case,
            occurred_at=now,
            data={"from_risk": previous, "to_risk": risk},
            actor_id=by.pk,
        )
        sla.deadlines_on_transition(
            case=case, name="set_risk", source=case.state, target=case.state, now=now, by=by
        )
    return case
