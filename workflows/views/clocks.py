"""SLA clocks on the case page: pause and resume a deadline, record a milestone.

Each is a page with its own form (GOV.UK's one thing per page), posting to the same SLA
service the API calls; the service decides, and its refusal is shown, never worked around.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases.models import Case
from cases.services import case_viewed
from workflows.actions import case_milestone_record, deadline_pause, deadline_resume
from workflows.errors import (
    InvalidTransitionData,
    TransitionForbidden,
    TransitionNotAvailable,
    UnknownTransition,
)
from workflows.forms import MilestoneForm, PauseForm, ResumeForm
from workflows.models import Deadline
from workflows.policy import deadline_can_pause, may_manage_deadline, milestones_for_user
from workflows.sla.names import MILESTONES
from workflows.views.cases import case_summary, visible_case


def _deadline(case: Case, deadline_id: int) -> Deadline:
    return get_object_or_404(
        Deadline.objects.select_related("policy", "responsible_agency", "responsible_user"),
        pk=deadline_id,
        case=case,
    )


def _case_url(case: Case, anchor: str = "deadlines") -> str:
    return reverse("workflows:case", args=[case.reference]) + f"#{anchor}"


def _refuse(
    request: HttpRequest, *, case: Case, heading: str, message: str, status: int
) -> HttpResponse:
    return render(
        request,
        "workflows/clock_not_available.html",
        {"case": case, **case_summary(case), "heading": heading, "message": message},
        status=status,
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    form = context["form"]
    return render(request, template, {"error_summary": form.error_summary(), **context})


@login_required
@require_http_methods(["GET", "POST"])
def deadline_pause_form(request: HttpRequest, reference: str, deadline_id: int) -> HttpResponse:
    case = visible_case(request.user, reference, full=True)
    deadline = _deadline(case, deadline_id)
    context = {"case": case, **case_summary(case), "deadline": deadline}
    if request.method == "GET":
        if not may_manage_deadline(user=request.user, deadline=deadline):
            raise PermissionDenied("Only the responsible agency's staff may pause this clock.")
        if not deadline_can_pause(deadline, now=timezone.now()):
            return _refuse(
                request,
                case=case,
                heading="You cannot pause this clock",
                message="It is not running, is already past due, cannot be paused, or its "
                "pause time is used up.",
                status=409,
            )
        case_viewed(case=case, by=request.user)
        return _render(request, "workflows/deadline_pause.html", {**context, "form": PauseForm()})
    form = PauseForm(request.POST)
    if not form.is_valid():
        return _render(request, "workflows/deadline_pause.html", {**context, "form": form})
    try:
        deadline_pause(
            deadline_id=deadline.pk,
            reason=form.cleaned_data["reason"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except InvalidTransitionData as exc:
        form.add_error("reason", exc.errors.get("reason", str(exc)))
        return _render(request, "workflows/deadline_pause.html", {**context, "form": form})
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refuse(
            request,
            case=case,
            heading="You cannot pause this clock",
            message=f"The clock was not paused: {exc}.",
            status=409,
        )
    messages.success(request, f"Clock paused: {deadline.policy.name}")
    return redirect(_case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def deadline_resume_form(request: HttpRequest, reference: str, deadline_id: int) -> HttpResponse:
    case = visible_case(request.user, reference, full=True)
    deadline = _deadline(case, deadline_id)
    context = {"case": case, **case_summary(case), "deadline": deadline}
    if request.method == "GET":
        if not may_manage_deadline(user=request.user, deadline=deadline):
            raise PermissionDenied("Only the responsible agency's staff may restart this clock.")
        if deadline.paused_at is None:
            return _refuse(
                request,
                case=case,
                heading="This clock is not paused",
                message="It is already running, or it has stopped.",
                status=409,
            )
        case_viewed(case=case, by=request.user)
        return _render(request, "workflows/deadline_resume.html", {**context, "form": ResumeForm()})
    form = ResumeForm(request.POST)
    if not form.is_valid():
        return _render(request, "workflows/deadline_resume.html", {**context, "form": form})
    try:
        deadline_resume(deadline_id=deadline.pk, by=request.user, note=form.cleaned_data["note"])
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refuse(
            request,
            case=case,
            heading="This clock is not paused",
            message=f"The clock was not restarted: {exc}.",
            status=409,
        )
    messages.success(request, f"Clock restarted: {deadline.policy.name}")
    return redirect(_case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def milestone_form(request: HttpRequest, reference: str, name: str) -> HttpResponse:
    case = visible_case(request.user, reference, full=False)
    milestone = MILESTONES.get(case.kind, {}).get(name)
    if milestone is None:
        raise Http404("No such milestone for this kind of case")
    full = Case.objects.for_user_full(request.user).filter(pk=case.pk).exists()
    if not full and not (
        milestone.agency_kinds and milestone in milestones_for_user(case=case, user=request.user)
    ):
        # Someone who sees only the outline may record only a step asked of their agency on
        # the case (Operation Encompass, the police's).
        raise Http404("No such case")
    context = {"case": case, **case_summary(case), "milestone": milestone}
    if request.method == "GET":
        if milestone not in milestones_for_user(case=case, user=request.user):
            return _refuse(
                request,
                case=case,
                heading=f"You cannot record this: {milestone.label}",
                message="The case is closed, or recording this is for someone else.",
                status=403,
            )
        if full:
            case_viewed(case=case, by=request.user)
        return _render(request, "workflows/milestone.html", {**context, "form": MilestoneForm()})
    form = MilestoneForm(request.POST)
    if not form.is_valid():
        return _render(request, "workflows/milestone.html", {**context, "form": form})
    try:
        case_milestone_record(
            case_id=case.pk, milestone=name, by=request.user, reason=form.cleaned_data["reason"]
        )
    except UnknownTransition as exc:
        raise Http404(str(exc)) from exc
    except InvalidTransitionData as exc:
        form.add_error("reason", exc.errors.get("reason", str(exc)))
        return _render(request, "workflows/milestone.html", {**context, "form": form})
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refuse(
            request,
            case=case,
            heading=f"You cannot record this: {milestone.label}",
            message=f"Nothing was recorded: {exc}.",
            status=409,
        )
    messages.success(request, f"Recorded: {milestone.label}")
    return redirect(_case_url(case, "history"))
