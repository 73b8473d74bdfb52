"""The FGM reporting duty on the case page: FGM discovered on an open case, and the report
(or that it is not owed) recorded by the one person who owes it (FGM Act 2003 s5B).

Each is a page with its own form, posting to the same action the API calls. A duty's
owner may see only the outline of a VAWG case and still records their duty: these pages
show the duty, never the case's content.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from cases.models import Case, DutyStatus, PersonalDuty
from workflows.actions import (
    FgmDiscovery,
    case_fgm_discovery_record,
    duty_not_owed_record,
    duty_report_record,
)
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.forms import FgmDiscoveryForm, FgmNotOwedForm, FgmReportForm
from workflows.policy import fgm_discovery_refusal
from workflows.selectors import duty_last_day
from workflows.views.cases import case_summary, visible_case


def _case_url(case: Case) -> str:
    return reverse("workflows:case", args=[case.reference]) + "#duties"


def _refused(request: HttpRequest, case: Case, heading: str, message: str) -> HttpResponse:
    return render(
        request,
        "workflows/clock_not_available.html",
        {"case": case, **case_summary(case), "heading": heading, "message": message},
        status=409,
    )


def _own_duty(request: HttpRequest, reference: str, duty_id: int) -> tuple[Case, PersonalDuty]:
    """The case and the duty, if the signed-in person owes it (anyone else: not found)."""
    case = visible_case(request.user, reference, full=False)
    duty = get_object_or_404(PersonalDuty, pk=duty_id, case=case, owed_by=request.user)
    return case, duty


def _page(request: HttpRequest, template: str, case: Case, form: Any, **extra: Any) -> HttpResponse:
    context = {
        "case": case,
        **case_summary(case),
        "form": form,
        "error_summary": form.error_summary(),
        **extra,
    }
    return render(request, template, context)


@login_required
@require_http_methods(["GET", "POST"])
def duty_report_form(request: HttpRequest, reference: str, duty_id: int) -> HttpResponse:
    case, duty = _own_duty(request, reference, duty_id)
    extra = {"duty": duty, "last_day": duty_last_day(duty)}
    if duty.status != DutyStatus.OWED:
        return _refused(request, case, "This duty is already recorded", duty.get_status_display())
    if request.method == "GET":
        return _page(request, "workflows/duty_report.html", case, FgmReportForm(), **extra)
    form = FgmReportForm(request.POST)
    form.is_valid()
    reported_at = form.reported_at()  # its errors beside the others, in page order
    if reported_at is None or form.errors:
        return _page(request, "workflows/duty_report.html", case, form, **extra)
    try:
        duty_report_record(
            duty_id=duty.pk,
            by=request.user,
            reported_at=reported_at,
            method=form.cleaned_data["method"],
            police_force=form.cleaned_data["police_force"],
            police_reference=form.cleaned_data["police_reference"],
        )
    except InvalidTransitionData as exc:
        form.add_service_errors(exc.errors)
        return _page(request, "workflows/duty_report.html", case, form, **extra)
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refused(request, case, "This duty is already recorded", f"{exc}.")
    messages.success(request, "Your report to the police is recorded")
    return redirect(_case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def duty_not_owed_form(request: HttpRequest, reference: str, duty_id: int) -> HttpResponse:
    case, duty = _own_duty(request, reference, duty_id)
    extra = {"duty": duty}
    if duty.status != DutyStatus.OWED:
        return _refused(request, case, "This duty is already recorded", duty.get_status_display())
    if request.method == "GET":
        return _page(request, "workflows/duty_not_owed.html", case, FgmNotOwedForm(), **extra)
    form = FgmNotOwedForm(request.POST)
    if not form.is_valid():
        return _page(request, "workflows/duty_not_owed.html", case, form, **extra)
    try:
        duty_not_owed_record(
            duty_id=duty.pk,
            by=request.user,
            notified_by=form.cleaned_data["notified_by"],
            reason=form.cleaned_data["reason"],
        )
    except InvalidTransitionData as exc:
        form.add_service_errors(exc.errors)
        return _page(request, "workflows/duty_not_owed.html", case, form, **extra)
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refused(request, case, "This duty is already recorded", f"{exc}.")
    messages.success(request, "Recorded: the duty is not yours to report")
    return redirect(_case_url(case))


@login_required
@require_http_methods(["GET", "POST"])
def fgm_discovery_form(request: HttpRequest, reference: str) -> HttpResponse:
    case = visible_case(request.user, reference, full=False)
    if refusal := fgm_discovery_refusal(user=request.user, case=case):
        return _refused(request, case, "You cannot record FGM on this case", f"{refusal}.")
    template = "workflows/fgm_discovery.html"
    if request.method == "GET":
        return _page(request, template, case, FgmDiscoveryForm())
    form = FgmDiscoveryForm(request.POST)
    form.is_valid()
    discovered_on = form.discovered_on()
    if discovered_on is None or form.errors:
        return _page(request, template, case, form)
    try:
        duty = case_fgm_discovery_record(
            case_id=case.pk,
            discovery=FgmDiscovery(
                discovered_on=discovered_on,
                how=form.cleaned_data["discovered_how"],
                known=form.cleaned_data["known"] == "yes",
                age_at_discovery=form.cleaned_data["age_at_discovery"],
            ),
            by=request.user,
        )
    except InvalidTransitionData as exc:
        form.add_service_errors(exc.errors)
        return _page(request, template, case, form)
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    except TransitionNotAvailable as exc:
        return _refused(request, case, "You cannot record FGM on this case", f"{exc}.")
    if duty is not None:
        last: date = duty_last_day(duty)
        messages.success(
            request,
            "FGM discovery recorded. You must report it to the police yourself by the end "
            f"of {last:%-d %B %Y}, then record the report here.",
        )
    else:
        messages.success(request, "FGM discovery recorded. The safeguarding lead is told.")
    return redirect(_case_url(case))
