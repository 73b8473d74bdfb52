"""The people on a case: how to contact a victim safely.

A victim's safe-contact details are on a page of their own, never in the list that names
the alleged perpetrator, and every read of them is logged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from cases.access import people_disclosed
from cases.models import Case, Subject
from cases.services import case_viewed, safe_contact_viewed
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
