"""Recording an application for an ASB case review (Community Trigger, ASB, Crime and
Policing Act 2014 s104): intake of an application, which relies on referrals already in
this service and on complaints held by other bodies. The steps that follow it are the
case's workflow (``workflows.actions.review``, ``workflows.api.review``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.catalogue import ASB_CATEGORIES
from cases.models import Case, CaseKind
from partners.models import Agency
from referrals.selectors import referral_complaint, referrals_for_user, referrals_readable_in_full
from web.api import StrictSerializer
from web.forms import GovukFormMixin
from web.idempotency import IdempotentCreateMixin
from workflows.actions import ReliedOn, case_review_application_record
from workflows.api.review import (
    LIST_DOC,
    STEP_RESPONSES,
    CaseReviewListSerializer,
    case_for_reviews,
    case_reviews_response,
)
from workflows.errors import InvalidTransitionData, TransitionForbidden, TransitionNotAvailable
from workflows.policy import case_review_refusal, case_review_visibility
from workflows.review.models import CaseReviewApplication, ComplaintSource
from workflows.review.threshold import Complaint

ASB_CATEGORY_CHOICES = [("", "Not given")] + [(c.code, c.label) for c in ASB_CATEGORIES]


def case_review_relied_on(
    *,
    user: Any,
    referrals: Iterable[Mapping[str, Any]],
    other_complaints: Iterable[Mapping[str, Any]],
) -> list[ReliedOn]:
    """The complaints an application relies on: the user's readable ASB referrals by
    reference, then the other bodies' complaints. Raises InvalidTransitionData naming the
    entry (``referrals[1].reference``) when a referral is not one the user may read."""
    wanted = list(referrals)
    references = [str(r.get("reference", "")) for r in wanted]
    found = {
        r.reference: r
        for r in referrals_for_user(user)
        .filter(reference__in=references, kind=CaseKind.ASB)
        .select_related("raising_agency")
        .prefetch_related("subjects")
    }
    readable = referrals_readable_in_full(user, list(found.values()))
    relied: list[ReliedOn] = []
    for n, item in enumerate(wanted):
        referral = found.get(references[n])
        if referral is None or referral.pk not in readable:
            raise InvalidTransitionData(
                {
                    f"referrals.{n}.reference": "No ASB referral with this reference that you "
                    "may read."
                }
            )
        relied.append(
            ReliedOn(
                referral_complaint(referral, same_incident_as=item.get("same_incident_as", "")),
                source=ComplaintSource.REFERRAL,
                description=referral.summary[:500],
            )
        )
    for n, item in enumerate(other_complaints):
        complained_on: date = item["complained_on"]
        key = item.get("reference") or f"{item['body'][:40]} {complained_on:%d/%m/%Y} #{n + 1}"
        relied.append(
            ReliedOn(
                Complaint(
                    key=key,
                    body=item["body"],
                    complained_on=complained_on,
                    behaviour_on=item["behaviour_on"],
                    category=item.get("category", ""),
                    same_incident_as=item.get("same_incident_as", ""),
                ),
                source=ComplaintSource.OTHER_BODY,
                description=item.get("description", ""),
            )
        )
    return relied


def case_review_application_receive(
    *,
    case: Case,
    by: Any,
    applicant_name: str,
    applicant_is_victim: bool,
    victim_consent: bool,
    received_at: datetime,
    received_by: Agency | None,
    referrals: Iterable[Mapping[str, Any]] = (),
    other_complaints: Iterable[Mapping[str, Any]] = (),
) -> CaseReviewApplication:
    """Record an application on ``case`` (pages and the API call this). Who may is asked
    before the referrals are looked up, so a refused caller learns nothing of them."""
    if refusal := case_review_refusal(user=by, case=case):
        raise TransitionForbidden(refusal)
    relied = case_review_relied_on(user=by, referrals=referrals, other_complaints=other_complaints)
    return case_review_application_record(
        case_id=case.pk,
        by=by,
        applicant_name=applicant_name,
        applicant_is_victim=applicant_is_victim,
        victim_consent=victim_consent,
        received_at=received_at,
        received_by=received_by or case.responsible_agency,
        relied_on=relied,
    )


# --- API --------------------------------------------------------------------------------


class ReferralReliedOnSerializer(StrictSerializer):
    reference = serializers.CharField(max_length=24, help_text="An ASB referral's reference.")
    same_incident_as = serializers.CharField(
        max_length=60,
        required=False,
        allow_blank=True,
        default="",
        help_text="The reference of another complaint here about the same incident.",
    )


class OtherComplaintSerializer(StrictSerializer):
    body = serializers.CharField(max_length=200, help_text="Who the complaint was made to.")
    reference = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    complained_on = serializers.DateField(help_text="When the complaint was made.")
    behaviour_on = serializers.DateField(help_text="When the behaviour happened.")
    category = serializers.ChoiceField(
        choices=ASB_CATEGORY_CHOICES,
        required=False,
        default="",
        help_text="The ASB category, if known (hate_related: a hate incident).",
    )
    description = serializers.CharField(
        max_length=500, required=False, allow_blank=True, default=""
    )
    same_incident_as = serializers.CharField(
        max_length=60, required=False, allow_blank=True, default=""
    )


class CaseReviewApplicationSerializer(StrictSerializer):
    applicant_name = serializers.CharField(max_length=200)
    applicant_is_victim = serializers.BooleanField(
        help_text="false: applying on the victim's behalf, which needs their consent."
    )
    victim_consent = serializers.BooleanField(
        required=False, default=False, help_text="The victim consents (when on their behalf)."
    )
    received_at = serializers.DateTimeField(help_text="When the application was received.")
    received_by = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Agency.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The agency that received it (default: the case's lead agency).",
    )
    referrals = ReferralReliedOnSerializer(many=True, required=False, default=list)
    other_complaints = OtherComplaintSerializer(many=True, required=False, default=list)


class CaseReviewsView(IdempotentCreateMixin, APIView):
    @extend_schema(responses={200: CaseReviewListSerializer}, description=LIST_DOC)
    def get(self, request: Request, pk: int) -> Response:
        return case_reviews_response(case_for_reviews(request.user, pk), request.user)

    @extend_schema(
        request=CaseReviewApplicationSerializer,
        responses={**STEP_RESPONSES, 201: CaseReviewListSerializer},
        description="Record an application for an ASB case review on an ASB case in any "
        "state, closed and no further action included (s104). The lead agency's working "
        "roles record it, whoever received it. Each complaint relied on is assessed: it "
        "counts only if made within one month of the behaviour, in the window, and about an "
        "incident not already counted; the answer says which counted and why. The threshold "
        "itself is then decided (POST .../threshold/). Send an Idempotency-Key to retry safely.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case = case_for_reviews(request.user, pk)
        body = CaseReviewApplicationSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        case_review_application_receive(case=case, by=request.user, **body.validated_data)
        return case_reviews_response(case, request.user, status=201)


# --- Page -------------------------------------------------------------------------------

OTHER_ROWS = ("o1", "o2", "o3")
YES_NO = [("yes", "Yes"), ("no", "No")]


def _part() -> forms.CharField:
    return forms.CharField(required=False, strip=True)


class CaseReviewApplicationForm(GovukFormMixin, forms.Form):
    """An application as the page asks it: the applicant, when and by whom it was received,
    the case's referrals it relies on, and up to three complaints held by other bodies."""

    applicant_name = forms.CharField(
        max_length=200, error_messages={"required": "Enter the applicant's name"}
    )
    applicant_is_victim = forms.ChoiceField(
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the applicant is the victim"},
    )
    victim_consent = forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, required=False)
    received_day = _part()
    received_month = _part()
    received_year = _part()
    received_hour = _part()
    received_minute = _part()
    received_by = forms.ModelChoiceField(queryset=Agency.objects.filter(is_active=True))
    referrals = forms.MultipleChoiceField(choices=[], required=False)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_by"].initial = case.responsible_agency_id
        referrals: Any = self.fields["referrals"]
        referrals.choices = [
            (r.reference, f"{r.reference}, {r.raising_agency.name}, {r.occurred_at:%d/%m/%Y}")
            for r in case.referrals.select_related("raising_agency").order_by("occurred_at")
        ]
        for row in OTHER_ROWS:
            self.fields[f"{row}_body"] = forms.CharField(max_length=200, required=False)
            self.fields[f"{row}_reference"] = forms.CharField(max_length=60, required=False)
            for when in ("complained", "behaviour"):
                for part in ("day", "month", "year"):
                    self.fields[f"{row}_{when}_{part}"] = _part()
            self.fields[f"{row}_category"] = forms.ChoiceField(
                choices=ASB_CATEGORY_CHOICES, required=False
            )
            self.fields[f"{row}_description"] = forms.CharField(max_length=500, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        received = self.date_from_boxes("received", "The date received", with_time=True)
        if received is None and not self.has_error("received_day"):
            self.add_error("received_day", "Enter the date and time the application was received")
        cleaned["received_at"] = received
        others = []
        for row in OTHER_ROWS:
            body = cleaned.get(f"{row}_body", "")
            complained = self.date_from_boxes(f"{row}_complained", "The date of the complaint")
            behaviour = self.date_from_boxes(f"{row}_behaviour", "The date of the behaviour")
            if not (body or complained or behaviour):
                continue
            if not body:
                self.add_error(f"{row}_body", "Enter who the complaint was made to")
            if complained is None and not self.has_error(f"{row}_complained_day"):
                self.add_error(f"{row}_complained_day", "Enter the date of the complaint")
            if behaviour is None and not self.has_error(f"{row}_behaviour_day"):
                self.add_error(f"{row}_behaviour_day", "Enter the date of the behaviour")
            others.append(
                {
                    "body": body,
                    "reference": cleaned.get(f"{row}_reference", ""),
                    "complained_on": complained,
                    "behaviour_on": behaviour,
                    "category": cleaned.get(f"{row}_category", ""),
                    "description": cleaned.get(f"{row}_description", ""),
                }
            )
        cleaned["other_complaints"] = others
        return cleaned


@login_required
@require_http_methods(["GET", "POST"])
def case_review_new(request: HttpRequest, reference: str) -> HttpResponse:
    case = get_object_or_404(
        Case.objects.for_user_full(request.user).select_related("responsible_agency"),
        reference=reference,
    )
    if case_review_visibility(user=request.user, case=case) == "none":
        raise Http404("No such case")
    if refusal := case_review_refusal(user=request.user, case=case):
        raise PermissionDenied(refusal)
    form = CaseReviewApplicationForm(request.POST or None, case=case)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case_review_application_receive(
                case=case,
                by=request.user,
                applicant_name=data["applicant_name"],
                applicant_is_victim=data["applicant_is_victim"] == "yes",
                victim_consent=data.get("victim_consent") == "yes",
                received_at=data["received_at"],
                received_by=data["received_by"],
                referrals=[{"reference": r} for r in data["referrals"]],
                other_complaints=data["other_complaints"],
            )
        except InvalidTransitionData as exc:
            for field, message in exc.errors.items():
                target = {"received_at": "received_day"}.get(field, field)
                form.add_error(target if target in form.fields else None, message)
        except TransitionNotAvailable as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Application for an ASB case review recorded")
            return redirect(reverse("workflows:case", args=[case.reference]) + "#case-reviews")
    context = {
        "case": case,
        "form": form,
        "error_summary": form.error_summary(),
        "other_rows": OTHER_ROWS,
    }
    return render(request, "referrals/case_review_new.html", context)
