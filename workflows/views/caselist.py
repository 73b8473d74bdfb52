"""The case list (``/cases/``): every case the person may see, searched, filtered, sorted
and paged by its query string, so a list can be bookmarked and shared. The search and
filters are the API's (``workflows.caselist.CaseListFilter``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.models import Case
from workflows.caselist import PAGE_SIZE, CaseListFilter, cases_full_q, next_deadlines
from workflows.labels import state_colour, state_label
from workflows.selectors import deadline_display_status


def _error_summary(form: Any) -> list[dict[str, str]]:
    return [
        {"href": f"#{name}", "text": f"{form.fields[name].label or name}: {errors[0]}"}
        for name, errors in form.errors.items()
        if name in form.fields
    ]


# The page's hints (the filters' help texts are written for the API's documentation).
PAGE_HINTS = {
    "assigned": "Assigned to you, or any case your agency leads",
    "awaiting": "Open cases where you can take a step now",
    "due": "",
    "deadlines": "With Due or Breached: only deadlines you answer for",
    "breached": "",
    "lead_agency": "",
    "sort": "",
}


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    now = timezone.now()
    cases = Case.objects.for_user(user).select_related("ward", "responsible_agency")
    filters = CaseListFilter(request.GET, queryset=cases, request=request, now=now)
    for name, hint in PAGE_HINTS.items():
        filters.form.fields[name].help_text = hint
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "form": filters.form,
        "query": query.urlencode(),
        "filtering": bool(query),
        "page": None,
        "rows": [],
    }
    if not filters.is_valid():
        context["error_summary"] = _error_summary(filters.form)
        return render(request, "workflows/case_list.html", context, status=400)
    page = Paginator(filters.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    listed = list(page)
    full = set(
        Case.objects.filter(cases_full_q(user), pk__in=[c.pk for c in listed]).values_list(
            "pk", flat=True
        )
    )
    soonest = next_deadlines([c for c in listed if c.pk in full], user=user)
    context["page"] = page
    context["rows"] = [
        {
            "case": case,
            "full": case.pk in full,
            "state": state_label(case),
            "state_colour": state_colour(case.state),
            "deadline": soonest.get(case.pk),
            "rag": deadline_display_status(soonest[case.pk], now=now)
            if case.pk in soonest
            else None,
        }
        for case in listed
    ]
    return render(request, "workflows/case_list.html", context)
