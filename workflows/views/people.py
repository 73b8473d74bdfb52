"""The people on a case: how to contact a victim safely, and who may be told who a person is.

A victim's safe-contact details are on a page of their own, never in the list that names
the alleged perpetrator, and every read of them is logged. Whether a person may be named
to the other agencies on the case is the lead agency's decision, made through
``case_subject_disclosure_set`` like every other change.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from cases.access import always_withheld, people_disclosed
from cases.models import Case, Subject
from cases.services import case_viewed, safe_contact_viewed
from workflows.actions import case_subject_disclosure_set
from workflows.errors import InvalidTransitionData, TransitionForbidden
from workflows.forms import DisclosureForm
from workflows.policy import disclosure_change_refusal
from workflows.views.cases import case_summary, visible_case


def _person(case: Case, subject_id: int, *, user: Any) -> Subject:
    """The person, if ``user`` may see who they are; a 404 otherwise (a 403 would say that
    the case has someone they may not see)."""
    subject = case.subjects.filter(pk=subject_id).first()
    if subject is None or not people_disclosed([subject], to=user):
        raise Http404("No such person")
    return subject


@login_required
@require_GET
def safe_contact(request: HttpRequest, reference: str, subject_id: int) -> HttpResponse:
    case = visible_case(request.user, reference, full=True)
    subject = _person(case, subject_id, user=request.user)
    if not subject.safe_contact:
        raise Http404("No safe-contact details are recorded for this person")
    case_viewed(case=case, by=request.user)
    safe_contact_viewed(subject=subject, by=request.user)
    context = {"case": case, **case_summary(case), "person": subject}
    return render(request, "workflows/safe_contact.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_form(request: HttpRequest, reference: str, subject_id: int) -> HttpResponse:
    case = visible_case(request.user, reference, full=True)
    subject = _person(case, subject_id, user=request.user)
    if refusal := disclosure_change_refusal(user=request.user, case=case):
        raise PermissionDenied(refusal)
    context: dict[str, Any] = {
        "case": case,
        **case_summary(case),
        "person": subject,
        "fixed": always_withheld(case.kind, subject.role),
    }
    if request.method == "GET":
        case_viewed(case=case, by=request.user)
        initial = {"withhold": "yes" if subject.withhold_from_other_party else "no"}
        return _render(request, {**context, "form": DisclosureForm(initial=initial)})
    form = DisclosureForm(request.POST)
    if not form.is_valid():
        return _render(request, {**context, "form": form})
    try:
        case_subject_disclosure_set(
            case_id=case.pk,
            subject_id=subject.pk,
            withhold=form.cleaned_data["withhold"] == "yes",
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
    except InvalidTransitionData as exc:
        for field, message in exc.errors.items():
            form.add_error("reason" if field == "reason" else "withhold", message)
        return _render(request, {**context, "form": form})
    except TransitionForbidden as exc:
        raise PermissionDenied(str(exc)) from exc
    messages.success(request, f"Saved who may be told about the {subject.get_role_display()}")
    return redirect(reverse("workflows:case", args=[case.reference]) + "#people")


def _render(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    form = context["form"]
    return render(
        request, "workflows/disclosure.html", {"error_summary": form.error_summary(), **context}
    )
