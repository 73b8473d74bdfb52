"""Manager pages: SLA breaches with their trend, and the audit trail with a CSV export.

Managers see their own agencies' breaches and the audit entries of the cases their agency
leads or takes part in; auditors see everything. The scoping is the API's
(``cases.access.audit_scope``, ``is_auditor``), so a page never shows what the API would not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from auditlog.models import LogEntry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from cases.access import audit_scope, can_read_audit_trail, can_read_reports, is_auditor
from cases.models import CaseKind
from partners.models import Agency, Role, Ward
from partners.selectors import user_agency_ids
from web.charts import Series, column_chart
from web.csv_export import csv_response
from workflows.calendar import LONDON
from workflows.forms import AuditSearchForm, BreachFilterForm
from workflows.history import action_name, audit_entries_for_user, audit_filter_case
from workflows.models import EscalationLevel
from workflows.selectors import breach_rate_by_agency_month, open_breach_counts, open_breaches

TREND_MONTHS = 12
BREACH_LIST_LIMIT = 200
AUDIT_PAGE_SIZE = 50
AUDIT_CSV_HEADER = [
    "id",
    "at",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "actor",
    "changes",
    "remote_addr",
]


def visible_agency_ids(user: Any) -> set[int] | None:
    """Agencies whose breaches ``user`` may see: None (all) for an auditor, else the
    agencies where they are a manager."""
    return None if is_auditor(user) else user_agency_ids(user, [Role.MANAGER])


def _months_back(today: date, n: int) -> list[date]:
    """The first day of each of the ``n`` months up to and including ``today``'s."""
    months = []
    year, month = today.year, today.month
    for _ in range(n):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def breach_trend(*, agency_ids: set[int] | None, today: date, seen_by: Any) -> list[dict[str, Any]]:
    """Deadlines decided and breached per month (London, by due date) for the last
    ``TREND_MONTHS`` months, every month listed, summed over the agencies given."""
    months = _months_back(today, TREND_MONTHS)
    until = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    totals = {m: [0, 0] for m in months}
    rates = breach_rate_by_agency_month(
        since=months[0], until=until, agency_ids=agency_ids, seen_by=seen_by
    )
    for rate in rates:
        totals[rate.month][0] += rate.decided
        totals[rate.month][1] += rate.breached
    return [
        {
            "month": m,
            "decided": decided,
            "breached": breached,
            "rate": round(100 * breached / decided) if decided else None,
        }
        for m, (decided, breached) in totals.items()
    ]


@login_required
def sla_breaches(request: HttpRequest) -> HttpResponse:
    """Open SLA breaches by agency, kind and ward, and the monthly trend: of the cases
    the person may open in full (a duty their agency owes on a case they cannot open, such
    as a nurse's FGM report on a VAWG case, is not theirs to see)."""
    user = request.user
    if not can_read_reports(user):
        raise PermissionDenied("SLA breaches are for managers and auditors.")
    allowed = visible_agency_ids(user)
    agencies = Agency.objects.order_by("name")
    if allowed is not None:
        agencies = agencies.filter(pk__in=allowed)
    form = BreachFilterForm(request.GET or None, agencies=list(agencies))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    agency_ids = allowed
    if filters.get("agency"):
        agency_ids = {a.pk for a in agencies if a.code == filters["agency"]}
    kind = filters.get("kind") or None
    ward = Ward.objects.filter(code=filters["ward"]).first() if filters.get("ward") else None
    counts = [
        c
        for c in open_breach_counts(agency_ids=agency_ids, kind=kind, seen_by=user)
        if ward is None or c.ward_code == ward.code
    ]
    breaches = list(
        open_breaches(
            agency_ids=agency_ids, kind=kind, ward_id=ward.pk if ward else None, seen_by=user
        )[: BREACH_LIST_LIMIT + 1]
    )
    now = timezone.now()
    trend = breach_trend(agency_ids=agency_ids, today=timezone.localdate(), seen_by=user)
    first, last = trend[0]["month"], trend[-1]["month"]
    chart = column_chart(
        title="Deadlines decided and breached each month",
        description=(
            f"Column chart for {first:%B %Y} to {last:%B %Y}, by the month each deadline fell "
            "due. For each month, the outlined column is deadlines met or breached and the "
            "solid column is those breached. The table after the chart gives the same figures."
        ),
        categories=[f"{row['month']:%b %y}" for row in trend],
        series=[
            Series("Decided (met or breached)", "decided", [r["decided"] for r in trend]),
            Series("Breached", "breached", [r["breached"] for r in trend]),
        ],
    )
    return render(
        request,
        "workflows/manage/breaches.html",
        {
            "form": form,
            "error_summary": form.error_summary(),
            "show_agency_filter": len(agencies) > 1,
            "agency_chosen": bool(filters.get("agency")),
            "counts": counts,
            "total": sum(c.count for c in counts),
            "kinds": dict(CaseKind.choices),
            "breaches": [
                {
                    "deadline": d,
                    "overdue": now - d.due_at,
                    "escalation": EscalationLevel(d.escalation_level).label,
                }
                for d in breaches[:BREACH_LIST_LIMIT]
            ],
            "more_breaches": len(breaches) > BREACH_LIST_LIMIT,
            "limit": BREACH_LIST_LIMIT,
            "now": now,
            "trend": trend,
            "chart": chart,
            "everything": allowed is None,
        },
    )


def changed_fields(entry: LogEntry) -> str:
    """The fields an audit entry changed, by their names for people ("risk level", not
    "risk"), for a one-line summary."""
    model = entry.content_type.model_class()
    names = []
    for name in sorted((entry.changes_dict or {}).keys()):
        try:
            found = model._meta.get_field(name) if model else None
        except FieldDoesNotExist:
            found = None
        names.append(str(getattr(found, "verbose_name", "") or name.replace("_", " ")))
    return ", ".join(names)


def model_label(entry: LogEntry) -> str:
    """What kind of record an audit entry is about, in words ("risk assessment")."""
    model = entry.content_type.model_class()
    return str(model._meta.verbose_name) if model else entry.content_type.model


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=LONDON)


def _audit_entries(user: Any, filters: dict[str, Any]) -> QuerySet[LogEntry]:
    entries = audit_entries_for_user(scope=audit_scope(user), everything=bool(is_auditor(user)))
    if filters.get("actor"):
        entries = entries.filter(actor__username__iexact=filters["actor"])
    if filters.get("case"):
        entries = audit_filter_case(entries, filters["case"])
    if filters.get("since"):
        entries = entries.filter(timestamp__gte=_london_midnight(filters["since"]))
    if filters.get("until"):
        entries = entries.filter(timestamp__lt=_london_midnight(filters["until"] + timedelta(1)))
    return entries


def _require_audit_reader(request: HttpRequest) -> None:
    if not can_read_audit_trail(request.user):
        raise PermissionDenied("The audit trail is for managers and auditors.")


@login_required
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Search the audit trail by actor, case and dates; newest first, 50 to a page."""
    _require_audit_reader(request)
    searching = bool(request.GET.keys() - {"page"})
    form = AuditSearchForm(request.GET if searching else None)
    page = None
    if not searching or form.is_valid():
        filters = form.cleaned_data if searching else {}
        paginator = Paginator(_audit_entries(request.user, filters), AUDIT_PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workflows/manage/audit.html",
        {
            "form": form,
            "error_summary": form.error_summary(),
            "page": page,
            "rows": [
                {
                    "entry": e,
                    "action": action_name(e),
                    "fields": changed_fields(e),
                    "model": model_label(e),
                }
                for e in page
            ]
            if page is not None
            else [],
            "query": query.urlencode(),
            "everything": bool(is_auditor(request.user)),
        },
    )


def _csv_rows(entries: QuerySet[LogEntry]) -> Iterator[list[Any]]:
    for e in entries.iterator(chunk_size=2000):
        yield [
            e.pk,
            e.timestamp.astimezone(LONDON).isoformat(),
            action_name(e),
            f"{e.content_type.app_label}.{e.content_type.model}",
            e.object_id if e.object_id is not None else e.object_pk,
            e.object_repr,
            e.actor.username if e.actor else "",
            json.dumps(e.changes, sort_keys=True) if e.changes else "",
            e.remote_addr or "",
        ]


@login_required
def audit_trail_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """The audit entries the search finds, all of them, as a CSV download."""
    _require_audit_reader(request)
    form = AuditSearchForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "workflows/manage/audit.html",
            {"form": form, "error_summary": form.error_summary(), "page": None, "rows": []},
            status=400,
        )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    return csv_response(
        filename=f"audit-trail-{stamp}.csv",
        header=AUDIT_CSV_HEADER,
        rows=_csv_rows(_audit_entries(request.user, form.cleaned_data)),
    )
