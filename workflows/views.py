"""The case page, the reason form behind each action, and the early-release tracker."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases.catalogue import DASH_QUESTIONS, MARAC_THRESHOLD, category
from cases.models import Case, CaseKind
from notifications.models import OutboxEvent
from workflows.errors import (
    ConcurrentChange,
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
)
from workflows.forms import AssignForm, TransitionForm, transition_form_class
from workflows.labels import in_workflow_order, state_colour, state_label, transition_label
from workflows.machines import as_machine, transition_names
from workflows.models import RiskAssessment, TransitionLog
from workflows.selectors import can_use_release_tracker, releases_due
from workflows.services import available_transitions, case_transition

CONFLICT = "This case changed while you were working on it. Check the case, then try again"


def _visible_case(user: Any, reference: str, *, full: bool) -> Case:
    """The case, if the user may see it (in full when ``full``); otherwise a 404."""
    cases = Case.objects.for_user_full(user) if full else Case.objects.for_user(user)
    return get_object_or_404(
        cases.select_related("ward", "responsible_agency", "assigned_officer", "opened_by"),
        reference=reference,
    )


def _case_summary(case: Case) -> dict[str, Any]:
    cat = category(case.kind, case.category)
    return {
        "kind": CaseKind(case.kind).label,
        "category": cat.label if cat else case.category,
        "state": state_label(case),
        "state_colour": state_colour(case.state),
    }


@login_required
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    case = _visible_case(request.user, reference, full=False)
    summary = _case_summary(case)
    if not Case.objects.for_user_full(request.user).filter(pk=case.pk).exists():
        # A VAWG case's referrer may follow its progress but not read it (need-to-know).
        return render(request, "workflows/case_outline.html", {"case": case, **summary})
    machine = as_machine(case)
    actions = [
        {"name": name, "label": transition_label(name)}
        for name in in_workflow_order(available_transitions(case=machine, user=request.user))
    ]
    timeline = [
        {"row": row, "label": transition_label(row.transition)}
        for row in TransitionLog.objects.filter(case=case)
        .select_related("actor", "actor_agency")
        .order_by("-seq")
    ]
    context = {
        "case": case,
        **summary,
        "actions": actions,
        "timeline": timeline,
        "events": OutboxEvent.objects.filter(case=case).order_by("-occurred_at")[:50],
        "agencies": case.case_agencies.select_related("agency").order_by("role", "agency__name"),
        "subjects": case.subjects.all(),
        "needs": case.needs.select_related("agency"),
        # Through the reverse relation: workflows may not import referrals (STYLE.md).
        "referrals": case.referrals.select_related("raised_by", "raising_agency").order_by(
            "created_at"
        ),
        "assessment": RiskAssessment.objects.filter(case=case).order_by("-assessed_at").first(),
        "dash_score": case.details.get("dash_score"),
        "marac_threshold": MARAC_THRESHOLD,
    }
    return render(request, "workflows/case.html", context)


def _form_context(case: Case, name: str, form: TransitionForm, **extra: Any) -> dict[str, Any]:
    return {
        "case": case,
        **_case_summary(case),
        "name": name,
        "label": transition_label(name),
        "form": form,
        "error_summary": extra.pop("error_summary", None) or form.error_summary(),
        "marac_threshold": MARAC_THRESHOLD,
        "dash_total": len(DASH_QUESTIONS),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def case_transition_form(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    """The reason form for one action; a POST makes the transition through the service."""
    case = _visible_case(request.user, reference, full=True)
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
    rows = [
        {
            "release": r,
            "state": state_label(r.case),
            "state_colour": state_colour(r.case.state),
            "days_to_go": (r.case.expected_release_date - today).days
            if r.case.expected_release_date
            else None,
        }
        for r in releases_due(user=request.user, today=today, days=days)
    ]
    return render(
        request, "workflows/early_release.html", {"rows": rows, "today": today, "days": days}
    )
