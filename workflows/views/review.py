"""The ASB case review application on the case page, and the page for each step after
it: the threshold decision, the applicant told, the meeting, the outcome, the applicant
told of the outcome. Recording the application is intake's page (referrals.case_review).
Each step calls its action, as the API does; who may is ``workflows.policy``'s."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from partners.models import Agency
from web.forms import GovukFormMixin
from workflows.actions import (
    case_review_decision_told,
    case_review_meeting_record,
    case_review_outcome_record,
    case_review_outcome_told,
    case_review_threshold_decide,
)
from workflows.api.review import application_row
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.policy import case_review_visibility, may_record_case_review
from workflows.review.models import CaseReviewApplication
from workflows.views.cases import case_summary, visible_case
from workflows.views.review_section import STEP_TITLES


def _part() -> forms.CharField:
    return forms.CharField(required=False, strip=True)


class ThresholdForm(GovukFormMixin, forms.Form):
    met = forms.ChoiceField(
        choices=[("yes", "Yes, the threshold is met"), ("no", "No, it is not met")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the threshold is met"},
    )
    reasons = forms.CharField(
        strip=True,
        widget=forms.Textarea,
        max_length=4000,
        error_messages={"required": "Enter the reasons: the applicant is told them"},
    )


class ToldForm(GovukFormMixin, forms.Form):
    pass


class MeetingForm(GovukFormMixin, forms.Form):
    meeting_on_day = _part()
    meeting_on_month = _part()
    meeting_on_year = _part()
    agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the agencies present at the meeting"},
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        day = self.date_from_boxes("meeting_on", "The meeting date")
        if day is None and not self.has_error("meeting_on_day"):
            self.add_error("meeting_on_day", "Enter the date of the meeting")
        cleaned["meeting_on"] = day
        return cleaned


class OutcomeForm(GovukFormMixin, forms.Form):
    recommendations = forms.CharField(
        strip=True, widget=forms.Textarea, max_length=8000, required=False
    )


# step slug: (its form, its action); the titles are STEP_TITLES.
STEPS: dict[str, tuple[type[forms.Form], Any]] = {
    "threshold": (ThresholdForm, case_review_threshold_decide),
    "decision-told": (ToldForm, case_review_decision_told),
    "meeting": (MeetingForm, case_review_meeting_record),
    "outcome": (OutcomeForm, case_review_outcome_record),
    "outcome-told": (ToldForm, case_review_outcome_told),
}
# Service field -> the form field its error goes on.
ERROR_FIELDS = {"meeting_on": "meeting_on_day"}


def _arguments(step: str, data: dict[str, Any]) -> dict[str, Any]:
    if step == "threshold":
        return {"met": data["met"] == "yes", "reasons": data["reasons"]}
    if step == "meeting":
        return {"meeting_on": data["meeting_on"], "agencies": list(data["agencies"])}
    if step == "outcome":
        return {"recommendations": data["recommendations"]}
    return {}


@login_required
@require_http_methods(["GET", "POST"])
def case_review_step(
    request: HttpRequest, reference: str, application_id: int, step: str
) -> HttpResponse:
    case = visible_case(request.user, reference, full=True)
    if case_review_visibility(user=request.user, case=case) == "none" or step not in STEPS:
        raise Http404("No such case review application")
    application = CaseReviewApplication.objects.filter(pk=application_id, case=case).first()
    if application is None:
        raise Http404("No such case review application")
    if not may_record_case_review(user=request.user, case=case):
        raise PermissionDenied("Only the lead agency's working roles move a case review.")
    form_class, action = STEPS[step]
    title = STEP_TITLES[step]
    context: dict[str, Any] = {
        "case": case,
        **case_summary(case),
        "application": application_row(application, user=request.user),
        "step": step,
        "title": title,
    }
    if request.method == "GET":
        return _render(request, {**context, "form": form_class()})
    form = form_class(request.POST)
    if not form.is_valid():
        return _render(request, {**context, "form": form})
    try:
        action(
            application_id=application.pk, by=request.user, **_arguments(step, form.cleaned_data)
        )
    except InvalidTransitionData as exc:
        for field, message in exc.errors.items():
            target = ERROR_FIELDS.get(field, field)
            form.add_error(target if target in form.fields else None, message)
        return _render(request, {**context, "form": form})
    except TransitionNotAvailable as exc:
        form.add_error(None, str(exc))
        return _render(request, {**context, "form": form})
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"Case review: {title[0].lower()}{title[1:]}: saved")
    return redirect(reverse("workflows:case", args=[case.reference]) + "#case-reviews")


def _render(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    form = context["form"]
    return render(
        request,
        "workflows/case_review_step.html",
        {"error_summary": form.error_summary(), **context},
    )
