"""The case page, the reason form behind each action, and the early-release tracker."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_http_methods

from cases.access import WITHHELD, always_withheld, people_disclosed, sees_as_member
from cases.catalogue import MARAC_THRESHOLD, RISK_TOOLS, category, dash_box
from cases.models import Case, CaseKind, DutyStatus
from cases.services import case_viewed
from notifications.labels import event_label
from notifications.selectors import case_events_with_deliveries
from workflows.actions import case_transition
from workflows.errors import (
    ConcurrentChange,
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
)
from workflows.forms import AssignForm, TransitionForm, transition_form_class
from workflows.history import action_name, audit_entries_for_cases, audit_exclude_members_only
from workflows.labels import in_workflow_order, state_colour, state_label, transition_label
from workflows.machines import as_machine, transition_names
from workflows.models import ACTIVE_DEADLINE_STATUSES, Deadline, TransitionLog
from workflows.policy import (
    available_transitions,
    deadline_can_pause,
    fgm_discovery_refusal,
    may_change_disclosure,
    may_manage_deadline,
    milestones_for_user,
)
from workflows.prompts import Prompt, case_prompts
from workflows.selectors import (
    MEMBERS_ONLY_TRANSITIONS,
    can_use_release_tracker,
    deadline_display_status,
    duties_visible,
    duty_last_day,
    members_only_deadlines,
    releases_due,
)
from workflows.sla.names import Milestone
from workflows.transition_data import latest_assessment, marac_grounds
from workflows.views.manage import changed_fields, model_label
from workflows.views.review_section import case_reviews_context

# The most notifications and audit entries a case page lists (the API pages through all).
TIMELINE_EVENTS = 100
AUDIT_ENTRIES = 50
CONFLICT = "This case changed while you were working on it. Check the case, then try again"


def visible_case(user: Any, reference: str, *, full: bool) -> Case:
    """The case, if the user may see it (in full when ``full``); otherwise a 404."""
    cases = Case.objects.for_user_full(user) if full else Case.objects.for_user(user)
    return get_object_or_404(
        cases.select_related("ward", "responsible_agency", "assigned_officer", "opened_by"),
        reference=reference,
    )


def case_summary(case: Case) -> dict[str, Any]:
    cat = category(case.kind, case.category)
    return {
        "kind": CaseKind(case.kind).label,
        "category": cat.label if cat else case.category,
        "state": state_label(case),
        "state_colour": state_colour(case.state),
    }


@login_required
def case_by_id(request: HttpRequest, pk: int) -> HttpResponse:
    """The page a notification's ``detail_url`` (``/cases/<id>/``) leads to: the case
    under its reference, for those who may see it; a 404 for everyone else."""
    case = get_object_or_404(Case.objects.for_user(request.user), pk=pk)
    return redirect("workflows:case", reference=case.reference)


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request.user, reference, full=False)
    summary = case_summary(case)
    if not Case.objects.for_user_full(request.user).filter(pk=case.pk).exists():
        # A VAWG case's referrer may follow its progress but not read it (need-to-know);
        # a duty the law makes theirs personally (the FGM report) is still theirs to record
        # (its own section), and so is a step asked of their agency on the case (Operation
        # Encompass, the police's).
        now = timezone.now()
        answerable = [
            m for m in milestones_for_user(case=case, user=request.user) if m.agency_kinds
        ]
        names = {m.name for m in answerable}
        duties = [
            {"deadline": d, "rag": deadline_display_status(d, now=now)}
            for d in Deadline.objects.filter(
                case=case, status__in=ACTIVE_DEADLINE_STATUSES
            ).select_related("policy")
            if d.responsible_user_id == request.user.pk
            or (d.responsible_user_id is None and names & set(d.policy.met_by))
        ]
        prompts = case_prompts(case, full=False, user=request.user)
        context = {
            "case": case,
            **summary,
            "now": now,
            "duties": duties,
            "personal_duties": _personal_duties(case, user=request.user, full=False),
            "may_record_fgm": case.kind == CaseKind.VAWG
            and fgm_discovery_refusal(user=request.user, case=case) is None,
            "prompts": prompts,
            "milestones": _awaited(answerable, duties, prompts),
        }
        return render(request, "workflows/case_outline.html", context)
    # A VAWG case read in full is logged, whoever reads it (need-to-know with access logs).
    case_viewed(case=case, by=request.user)
    now = timezone.now()
    machine = as_machine(case)
    actions = [
        {"name": name, "label": transition_label(name)}
        for name in in_workflow_order(available_transitions(case=machine, user=request.user))
    ]
    member = sees_as_member(request.user, case)
    deadlines = _deadlines(case, user=request.user, now=now, member=member)
    timeline = _timeline(case, user=request.user, member=member)
    prompts = case_prompts(case, full=True, user=request.user)
    context = {
        "case": case,
        "member": member,
        **summary,
        "now": now,
        "actions": actions,
        "milestones": _awaited(
            milestones_for_user(case=case, user=request.user), deadlines, prompts
        ),
        "prompts": prompts,
        "deadlines": [d for d in deadlines if d["active"]],
        "past_deadlines": [d for d in deadlines if not d["active"]],
        "timeline": timeline,
        "audit_entries": _audit_entries(case, member=member),
        "agencies": case.case_agencies.select_related("agency").order_by("role", "agency__name"),
        "people": _people(case, user=request.user),
        "may_change_disclosure": may_change_disclosure(user=request.user, case=case),
        "needs": case.needs.select_related("agency"),
        "assessment": latest_assessment(case),
        "dash_score": case.details.get("dash_score"),
        "risk_tool": dict(RISK_TOOLS).get(case.details.get("risk_tool", ""), ""),
        "tool_grading": case.details.get("tool_grading", ""),
        "marac_threshold": MARAC_THRESHOLD,
        # A repeat may rest on another case's MARAC referral: members only, as its flag.
        "marac_grounds": [
            g
            for g in (marac_grounds(case) if case.kind == CaseKind.VAWG else [])
            if member or g != "repeat"
        ],
        "marac_repeat": _marac_repeat(case),
        **_dates_from_history(timeline),
        "withheld": WITHHELD,
        "personal_duties": _personal_duties(case, user=request.user, full=True),
        "may_record_fgm": case.kind == CaseKind.VAWG
        and fgm_discovery_refusal(user=request.user, case=case) is None,
        **case_reviews_context(case, request.user, member=member),
    }
    return render(request, "workflows/case.html", context)


def _personal_duties(case: Case, *, user: Any, full: bool) -> list[dict[str, Any]]:
    """The personal duties ``user`` may see on the case (seen ``full`` or in outline), each
    with its last day and whether it is theirs to record. Only a VAWG case has any."""
    if case.kind != CaseKind.VAWG:
        return []
    today = timezone.localdate()
    rows = []
    for duty in duties_visible(case=case, user=user, full=full):
        last = duty_last_day(duty)
        owed = duty.status == DutyStatus.OWED
        rows.append(
            {
                "duty": duty,
                "last_day": last,
                "out_of_time": owed and last < today,
                "mine": owed and duty.owed_by_id == user.pk,
            }
        )
    return rows


def _people(case: Case, *, user: Any) -> list[dict[str, Any]]:
    """The case's people as ``user`` may see them: a person withheld from them is a role
    and WITHHELD. Safe-contact details are never listed beside the others (a VAWG victim's
    sit on a page of their own, whose every read is logged): only whether there are any."""
    subjects = list(case.subjects.all())
    disclosed = people_disclosed(subjects, to=user)
    return [
        {
            "subject": s if s.pk in disclosed else None,
            "pk": s.pk,
            "role": s.get_role_display(),
            "marked": s.withhold_from_other_party,
            "fixed": always_withheld(case.kind, s.role),
            "safe_contact": bool(s.safe_contact) and s.pk in disclosed,
        }
        for s in subjects
    ]


def _marac_repeat(case: Case) -> dict[str, Any] | None:
    flag = case.details.get("marac_repeat")
    if not isinstance(flag, dict):
        return None
    return {"case": flag.get("case", ""), "at": parse_datetime(flag.get("last_referral_at", ""))}


def _deadlines(case: Case, *, user: Any, now: datetime, member: bool) -> list[dict[str, Any]]:
    """The case's clocks, running ones first by due time, each with what ``user`` may do
    (without ``member``, none that a members-only fact started)."""
    rows = []
    deadlines = Deadline.objects.filter(case=case)
    if not member:
        deadlines = deadlines.exclude(members_only_deadlines())
    for deadline in deadlines.select_related(
        "policy", "responsible_agency", "responsible_user"
    ).order_by("due_at", "pk"):
        active = deadline.status in ACTIVE_DEADLINE_STATUSES
        manage = active and may_manage_deadline(user=user, deadline=deadline)
        rows.append(
            {
                "deadline": deadline,
                "active": active,
                "rag": deadline_display_status(deadline, now=now),
                "can_pause": manage and deadline_can_pause(deadline, now=now),
                "can_resume": manage and deadline.paused_at is not None,
            }
        )
    return sorted(rows, key=lambda row: not row["active"])


def _awaited(
    milestones: list[Milestone], deadlines: list[dict[str, Any]], prompts: Sequence[Prompt] = ()
) -> list[Milestone]:
    """The milestones a running deadline or an unanswered prompt waits for: the steps worth
    offering on the page."""
    waiting = {
        name
        for row in deadlines
        if row["deadline"].status in ACTIVE_DEADLINE_STATUSES
        for name in row["deadline"].policy.met_by
    } | {name for p in prompts if p.outcome is None for name in p.answered_by}
    return [m for m in milestones if m.name in waiting]


def _dates_from_history(timeline: list[dict[str, Any]]) -> dict[str, Any]:
    """The MARAC hearing (scheduled when referred, then heard) and the first probation
    appointment, read from the history the page has already loaded (no further query)."""
    marac: dict[str, Any] | None = None
    first_appointment = None
    rows = sorted((e["row"] for e in timeline if e["type"] == "transition"), key=lambda r: r.seq)
    for row in rows:  # oldest first
        data = row.data if isinstance(row.data, dict) else {}
        if row.transition == "refer_to_marac":
            scheduled = parse_datetime(str(data.get("hearing_scheduled_for") or ""))
            marac = {"referred_at": row.at, "scheduled_for": scheduled, "heard_at": None}
        elif row.transition == "record_marac_hearing" and marac is not None:
            marac["heard_at"] = parse_datetime(str(data.get("heard_at") or "")) or row.at
        elif row.transition == "start_supervision":
            first_appointment = parse_datetime(str(data.get("first_appointment_at") or ""))
    return {"marac_hearing": marac, "first_appointment_at": first_appointment}


def _timeline(case: Case, *, user: Any, member: bool) -> list[dict[str, Any]]:
    """Transitions and the notifications sent about them, newest first (without
    ``member``, none of the members-only facts; notifications ask the gate themselves).

    Each notification carries its deliveries (channel, agency or person, status, attempts):
    the proof of who was told, and when.
    """
    logs = TransitionLog.objects.filter(case=case)
    if not member:
        logs = logs.exclude(transition__in=MEMBERS_ONLY_TRANSITIONS)
    entries: list[dict[str, Any]] = [
        {"type": "transition", "at": row.at, "row": row, "label": transition_label(row.transition)}
        for row in logs.select_related("actor", "actor_agency")
    ]
    entries += [
        {"type": "event", "at": e.occurred_at, "event": e, "label": event_label(e.type)}
        for e in case_events_with_deliveries(case=case, user=user, limit=TIMELINE_EVENTS)
    ]
    # Newest first; at the same instant an event sits above the change that caused it.
    return sorted(entries, key=lambda e: (e["at"], e["type"] == "event"), reverse=True)


def _audit_entries(case: Case, *, member: bool) -> list[dict[str, Any]]:
    entries = audit_entries_for_cases(Case.objects.filter(pk=case.pk))
    if not member:
        entries = audit_exclude_members_only(entries)
    entries = entries.select_related("actor", "content_type").order_by("-timestamp", "-id")[
        :AUDIT_ENTRIES
    ]
    return [
        {
            "entry": e,
            "action": action_name(e),
            "fields": changed_fields(e),
            "model": model_label(e),
        }
        for e in entries
    ]


def _form_context(case: Case, name: str, form: TransitionForm, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        **case_summary(case),
        "name": name,
        "label": transition_label(name),
        "form": form,
        "error_summary": extra.pop("error_summary", None) or form.error_summary(),
        **dash_box(),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_transition_form(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """The reason form for one action; a POST makes the transition through the service."""
    case = visible_case(request.user, reference, full=True)
    if name not in transition_names(case.kind):
        raise Http404("No such action for this kind of case")
    form_class = transition_form_class(name)
    extra: dict[str, Any] = {}
    if form_class is AssignForm:
        extra["agency_filter"] = request.GET.get("agency", "")
    if request.method == "GET":
        # A POST is judged by the service alone, so a stale form meets the version check.
        if name not in available_transitions(case=as_machine(case), user=request.user):
            return render(
                request,
                "workflows/not_available.html",
                _form_context(case, name, form_class(case=case, user=request.user, **extra)),
                status=403,
            )
        form = form_class(case=case, user=request.user, initial={"version": case.version}, **extra)
        case_viewed(case=case, by=request.user)
        return render(request, "workflows/transition.html", _form_context(case, name, form))
    form = form_class(request.POST, case=case, user=request.user, **extra)
    if not form.is_valid():
        return render(request, "workflows/transition.html", _form_context(case, name, form))
    data = form.transition_data()
    if form.errors:
        return render(request, "workflows/transition.html", _form_context(case, name, form))
    try:
        case_transition(
            case_id=case.pk,
            name=name,
            by=request.user,
            reason=form.cleaned_data["reason"],
            data=data,
            expected_version=form.cleaned_data["version"],
        )
    except InvalidTransitionData as exc:
        form.add_service_errors(exc.errors)
        return render(request, "workflows/transition.html", _form_context(case, name, form))
    except ConcurrentChange:
        return _conflict(request, case=case, name=name, form=form)
    except TransitionNotAvailable:
        case.refresh_from_db()
        return render(
            request,
            "workflows/not_available.html",
            _form_context(case, name, form, changed=True),
            status=409,
        )
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"{transition_label(name)}: done for {case.reference}")
    return redirect("workflows:case", reference=case.reference)


def _conflict(request: HttpRequest, *, case: Case, name: str, form: TransitionForm) -> HttpResponse:
    """Show the form again with the case as it is now, so the person can decide again."""
    case.refresh_from_db()
    data = request.POST.copy()
    data["version"] = str(case.version)
    fresh = type(form)(data, case=case, user=request.user)
    fresh.is_valid()
    return render(
        request,
        "workflows/transition.html",
        _form_context(
            case,
            name,
            fresh,
            error_summary=[{"href": "#case-summary", "text": CONFLICT}],
            conflict=True,
        ),
        status=409,
    )


@login_required
def early_release_tracker(request: HttpRequest) -> HttpResponse:
    """Releases in the next fortnight: plan status, needs, first appointment due."""
    if not can_use_release_tracker(request.user):
        raise PermissionDenied("The early-release tracker is for probation staff and managers.")
    today = timezone.localdate()
    days = settings.EARLY_RELEASE_TRACKER_DAYS
    releases = releases_due(user=request.user, today=today, days=days)
    disclosed = people_disclosed([r.offender for r in releases if r.offender], to=request.user)
    rows = [
        {
            "release": r,
            "name": (
                (r.offender.full_name if r.offender.pk in disclosed else WITHHELD)
                if r.offender
                else "Name not recorded"
            ),
            "state": state_label(r.case),
            "state_colour": state_colour(r.case.state),
            "days_to_go": (r.case.expected_release_date - today).days
            if r.case.expected_release_date
            else None,
        }
        for r in releases
    ]
    return render(
        request, "workflows/early_release.html", {"rows": rows, "today": today, "days": days}
    )
