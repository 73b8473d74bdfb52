"""Raise a referral: kind, the kind's form, check your answers, duplicates, confirmation.

What has been typed is kept in the session between steps, so nothing is written until the
person confirms; only the last step calls ``referral_raise``, the same service as the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cases.access import (
    RAISE_REFUSED,
    can_raise_referrals,
    can_read_reports,
    referring_agencies,
)
from cases.catalogue import dash_box
from cases.models import CaseKind
from partners.selectors import user_memberships
from referrals.duties import (
    fgm_duty_owed,
    fgm_known_in_a_girl,
    fgm_report_last_day,
    personal_duties_recorded,
)
from referrals.forms import (
    FORMS,
    KIND_HINTS,
    CrimeTypesReportForm,
    KindForm,
    ReferralForm,
)
from referrals.models import Referral
from referrals.reports import REPORT_KINDS, crime_types_by_ward, report_kinds
from referrals.selectors import duplicates_visible
from referrals.services import ReferralAlreadySent, referral_raise
from referrals.validation import CleanReferral, ReferralInvalid
from web.charts import Series, bar_chart
from web.csv_export import csv_response
from web.pages import form_token_issue, submit_once
from web.reports import rounding_base
from workflows.labels import state_label

DRAFT = "referral_draft"
NEW_CASE = "new"


def _draft(request: HttpRequest, kind: str | None = None) -> dict[str, Any] | None:
    draft: dict[str, Any] | None = request.session.get(DRAFT)
    if draft is None or (kind is not None and draft.get("kind") != kind):
        return None
    return draft


def _save_draft(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT] = draft
    request.session.modified = True


def _form_class(kind: str) -> type[ReferralForm]:
    if kind not in FORMS:
        raise Http404("No such kind of referral")
    return FORMS[kind]


def _render_form(request: HttpRequest, form: ReferralForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        f"referrals/form_{form.kind}.html",
        {
            "form": form,
            "error_summary": form.error_summary(),
            **dash_box(),
        },
        status=status,
    )


def _require_agency(request: HttpRequest) -> HttpResponse | None:
    """The API's and the service's rule (``can_raise_referrals``), checked at every step."""
    if not can_raise_referrals(request.user):
        auditor = bool(user_memberships(request.user))
        return render(
            request,
            "referrals/no_agency.html",
            {"reason": RAISE_REFUSED if auditor else ""},
            status=403,
        )
    return None


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """Step 1: what is the referral about?"""
    if refusal := _require_agency(request):
        return refusal
    draft = _draft(request)
    form = KindForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": draft["kind"] if draft else ""},
    )
    if request.method == "POST" and form.is_valid():
        kind = form.cleaned_data["kind"]
        if draft is None or draft["kind"] != kind:
            _save_draft(request, {"kind": kind, "data": {}})
        return redirect("referrals:details", kind=kind)
    kinds = [{"value": v, "label": label, "hint": KIND_HINTS[v]} for v, label in CaseKind.choices]
    return render(
        request,
        "referrals/start.html",
        {"form": form, "kinds": kinds, "error_summary": form.error_summary()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def details(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 2: the kind's own form. Valid answers go to the session, then to step 3."""
    form_class = _form_class(kind)
    if refusal := _require_agency(request):
        return refusal
    draft = _draft(request, kind) or {"kind": kind, "data": {}}
    if request.method == "GET":
        initial = draft["data"] or form_class.initial_for_new()
        return _render_form(request, form_class(initial=initial))
    form = form_class(request.POST)
    if form.check() is None:
        return _render_form(request, form)
    data = {name: form.data.get(name, "") for name in form.fields}
    _save_draft(request, {"kind": kind, "data": data})
    return redirect("referrals:check", kind=kind)


def _checked_form(draft: dict[str, Any]) -> tuple[ReferralForm, CleanReferral | None]:
    form = _form_class(draft["kind"])(draft["data"])
    return form, form.check()


@login_required
@require_http_methods(["GET", "POST"])
def check(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 3: check your answers. The server judges them again; nothing is trusted.

    Sending goes through a one-time form token: however often "Send referral" is pressed
    (a double click, the back button), one referral is raised and every press lands on its
    confirmation.
    """
    _form_class(kind)
    if refusal := _require_agency(request):
        return refusal
    if request.method == "POST":
        return submit_once(
            request,
            lambda: _send_checked(request, kind),
            refused=lambda: _check_page(request, kind, resend=True),
        )
    return _check_page(request, kind)


def _check_page(request: HttpRequest, kind: str, *, resend: bool = False) -> HttpResponse:
    draft = _draft(request, kind)
    if draft is None or not draft["data"]:
        return redirect("referrals:start")
    form, clean = _checked_form(draft)
    if clean is None:
        # The answers no longer pass (a ward or agency changed meanwhile): show why.
        return _render_form(request, form)
    agency = referring_agencies(request.user)[0]
    return render(
        request,
        "referrals/check.html",
        {
            "form": form,
            "clean": clean,
            "sections": form.sections(),
            "kind_label": form.title,
            # The service's own rule, so the page promises only what sending will record.
            "fgm_known_in_a_girl": fgm_known_in_a_girl(clean),
            "fgm_duty_owed": fgm_duty_owed(clean, agency_kind=agency.kind),
            **_fgm_limit(clean),
            "form_token": form_token_issue(request),
            "resend": resend,
        },
    )


def _send_checked(request: HttpRequest, kind: str) -> HttpResponse:
    draft = _draft(request, kind)
    if draft is None or not draft["data"]:
        return redirect("referrals:start")
    form, clean = _checked_form(draft)
    if clean is None:
        return _render_form(request, form)
    if duplicates_visible(clean=clean, user=request.user).exists():
        return redirect("referrals:duplicates", kind=kind)
    return _raise(request, draft=draft, join_case=None)


@login_required
@require_http_methods(["GET", "POST"])
def duplicates(request: HttpRequest, kind: str) -> HttpResponse:
    """Step 3b: open cases that may be about the same person or place; join one or not.
    Sent once per form token, as check-your-answers is."""
    _form_class(kind)
    if refusal := _require_agency(request):
        return refusal
    if request.method == "POST":
        return submit_once(
            request,
            lambda: _duplicates_page(request, kind, choice=request.POST.get("case", "")),
            refused=lambda: _duplicates_page(request, kind, choice=None, resend=True),
        )
    return _duplicates_page(request, kind, choice=None)


def _duplicates_page(
    request: HttpRequest, kind: str, *, choice: str | None, resend: bool = False
) -> HttpResponse:
    draft = _draft(request, kind)
    if draft is None or not draft["data"]:
        return redirect("referrals:start")
    form, clean = _checked_form(draft)
    if clean is None:
        return _render_form(request, form)
    cases = list(duplicates_visible(clean=clean, user=request.user)[:10])
    if not cases:
        return redirect("referrals:check", kind=kind)
    error = ""
    if choice is not None:
        by_id = {str(c.pk): c for c in cases}
        if choice == NEW_CASE:
            return _raise(request, draft=draft, join_case=None)
        if choice in by_id:
            return _raise(request, draft=draft, join_case=by_id[choice].pk)
        error = "Select the case to add this referral to, or create a new case"
    options = [
        {
            "value": str(c.pk),
            "id": "case" if i == 0 else f"case-{i + 1}",
            "case": c,
            "state": state_label(c),
        }
        for i, c in enumerate(cases)
    ]
    return render(
        request,
        "referrals/duplicates.html",
        {
            "options": options,
            "new_id": f"case-{len(options) + 1}",
            "error": error,
            "error_summary": [{"href": "#case", "text": error}] if error else [],
            "kind": kind,
            "form_token": form_token_issue(request),
            "resend": resend,
        },
        status=200,
    )


def _raise(request: HttpRequest, *, draft: dict[str, Any], join_case: int | None) -> HttpResponse:
    """The one write: validate once more (with the case to join) and raise the referral."""
    form = _form_class(draft["kind"])(draft["data"])
    clean = form.check(join_case=join_case)
    if clean is None:
        return _render_form(request, form)
    try:
        referral = referral_raise(clean=clean, raised_by=request.user)
    except ReferralAlreadySent as exc:
        # A second press of Send that got past the form token (another tab): the first
        # referral is the answer, as for a replayed token.
        referral = exc.referral
    except ReferralInvalid as exc:
        form.add_service_errors(exc.errors)
        return _render_form(request, form)
    request.session.pop(DRAFT, None)
    return redirect(reverse("referrals:confirmation", kwargs={"reference": referral.reference}))


@login_required
def confirmation(request: HttpRequest, reference: str) -> HttpResponse:
    """Step 4: the panel with the reference. Only the person who raised it sees this page."""
    referral = get_object_or_404(
        Referral.objects.select_related("case"), reference=reference, raised_by=request.user
    )
    joined = referral.case.referrals.exclude(pk=referral.pk).exists()
    return render(
        request,
        "referrals/confirmation.html",
        {
            "referral": referral,
            "joined": joined,
            "state": state_label(referral.case),
            "fgm_duty_owed": bool(personal_duties_recorded(referral)),
            **_fgm_limit(referral),
        },
    )


def _fgm_limit(source: CleanReferral | Referral) -> dict[str, Any]:
    """The last day to report known FGM, and whether it has passed already (a discovery
    made over a month ago is out of time the moment it is recorded, and said so)."""
    found = source.details.get("fgm_discovered_on")
    if not found:
        return {}
    last = fgm_report_last_day(date.fromisoformat(found))
    return {"fgm_last_day": last, "fgm_out_of_time": last < timezone.localdate()}


# --- Committee report: crime types by ward ----------------------------------------------

# The most ward and category pairs the chart draws (a committee page, not a data dump).
CHART_BARS = 25
CRIME_TYPES_CSV_HEADER = [
    "ward_code",
    "ward_name",
    "kind",
    "category",
    "category_label",
    "police_uk_category",
    "count",
]


@login_required
def crime_types_report(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """ASB and VAWG referrals per ward and category, for committee: a table, a bar chart,
    a CSV download and a print layout. One whole month or quarter; every figure rounded to
    base 5 (docs/reports.md), as the API publishes it."""
    if not can_read_reports(request.user):
        raise PermissionDenied("Reports are for managers and auditors.")
    kinds = report_kinds(request.user)
    form = CrimeTypesReportForm(request.GET, kinds=kinds, today=timezone.localdate())
    valid = form.is_valid()
    report = None
    if valid:
        kind = form.cleaned_data["kind"]
        report = crime_types_by_ward(
            period=form.cleaned_data["report_period"],
            kinds=[kind] if kind else [k for k, _ in kinds],
        )
    if report is not None and request.GET.get("format") == "csv":
        return csv_response(
            filename=f"crime-types-by-ward-{report.period.code}.csv",
            header=CRIME_TYPES_CSV_HEADER,
            rows=(
                [
                    r.ward_code,
                    r.ward_name,
                    r.kind,
                    r.category,
                    r.category_label,
                    r.police_uk_category,
                    str(r.count),
                ]
                for r in report.rows
            ),
        )
    context: dict[str, Any] = {
        "form": form,
        "error_summary": form.error_summary(),
        "valid": valid,
        "report": report,
        "base": rounding_base(),
        "show_kinds": len(kinds) > 1,
        "produced": timezone.localtime(),
    }
    if report is not None:
        period = report.period.label
        kinds_text = " and ".join(label for k, label in REPORT_KINDS if k in report.kinds)
        charted = sorted(report.rows, key=lambda r: (-r.count, r.ward_name))[:CHART_BARS]
        context["chart"] = bar_chart(
            title=f"Referrals by ward and category: {period}",
            description=(
                f"Bar chart of {kinds_text.lower()} referrals, {period}: the {len(charted)} "
                "ward and category pairs with the most referrals, largest first, each rounded "
                f"to a multiple of {context['base']}. The table gives every figure."
            ),
            categories=[f"{r.ward_name}: {r.category_label}" for r in charted],
            series=Series("Referrals", "count", [r.count for r in charted]),
        )
        query = request.GET.copy()
        query["format"] = "csv"
        context |= {
            "period": period,
            "kinds_text": kinds_text,
            "csv_query": query.urlencode(),
        }
    return render(
        request, "referrals/crime_types_report.html", context, status=200 if valid else 400
    )
