"""Pages that belong to no single app: home, the managers' start page and the accessibility
statement (sign-in is config.signin)."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from cases.access import can_raise_referrals, can_read_audit_trail, can_read_reports
from cases.models import Case
from notifications.labels import event_label
from notifications.selectors import (
    deliveries_failing_for_user,
    inbox_items,
    inbox_unread_count,
)
from referrals.selectors import referrals_recent
from workflows.caselist import CaseListFilter
from workflows.labels import in_workflow_order, state_label, transition_label
from workflows.selectors import (
    DEADLINES_DUE_SOON,
    can_use_release_tracker,
    cases_awaiting_action,
    deadline_display_status,
    deadlines_for_user_qs,
    open_breaches,
)
from workflows.views.manage import visible_agency_ids

# How many unread notifications the home page lists (the inbox has them all).
HOME_INBOX_ITEMS = 5
# How many cases and deadlines each home section lists; each says how many there are in
# all and links to the case list showing every one.
HOME_LIST_ROWS = 10
HOME_REFERRALS = 10


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in person's start page: what waits on them and what they raised."""
    # All of them, to count; the page lists the first few.
    every_awaiting = cases_awaiting_action(user=request.user, limit=sys.maxsize)
    awaiting = [
        {
            "case": case,
            "state": state_label(case),
            "actions": [transition_label(name) for name in in_workflow_order(names)],
        }
        for case, names in every_awaiting[:HOME_LIST_ROWS]
    ]
    referrals = [
        {"referral": r, "state": state_label(r.case)}
        for r in referrals_recent(user=request.user, limit=HOME_REFERRALS)
    ]
    now = timezone.now()
    my_deadlines = deadlines_for_user_qs(user=request.user, now=now)
    deadlines = [
        {"deadline": d, "rag": deadline_display_status(d, now=now)}
        for d in my_deadlines[:HOME_LIST_ROWS]
    ]
    # The case list shows the cases behind the deadlines (one case may have several).
    deadline_filters = {"deadlines": "mine", "due": "week", "sort": "due"}
    deadline_cases = CaseListFilter(
        deadline_filters, queryset=Case.objects.for_user(request.user), request=request, now=now
    ).qs.count()
    unread = [
        {"item": item, "label": event_label(item.event.type)}
        for item in inbox_items(user=request.user, unread_only=True).order_by("-created_at", "-id")[
            :HOME_INBOX_ITEMS
        ]
    ]
    return render(
        request,
        "home.html",
        {
            "now": now,
            "deadlines": deadlines,
            "deadlines_total": my_deadlines.count(),
            "deadline_cases": deadline_cases,
            "deadline_cases_url": f"{reverse('workflows:cases')}?{urlencode(deadline_filters)}",
            "awaiting_total": len(every_awaiting),
            "awaiting_url": f"{reverse('workflows:cases')}?awaiting=me&sort=updated",
            "referrals_limit": HOME_REFERRALS,
            "due_soon_days": DEADLINES_DUE_SOON.days,
            "unread": unread,
            "unread_count": inbox_unread_count(request.user),
            "awaiting": awaiting,
            "referrals": referrals,
            "release_tracker": can_use_release_tracker(request.user),
            "can_raise": can_raise_referrals(request.user),
        },
    )


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    """The managers' and auditors' start page: breaches, audit trail, failed notifications
    and the committee report, each with what needs looking at now."""
    user = request.user
    if not (can_read_reports(user) or can_read_audit_trail(user)):
        raise PermissionDenied("These pages are for managers and auditors.")
    return render(
        request,
        "manage.html",
        {
            "open_breaches": open_breaches(
                agency_ids=visible_agency_ids(user), seen_by=user
            ).count(),
            "failing": deliveries_failing_for_user(user=user).count(),
        },
    )


def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, where browsers and tools look without reading the page: the static
    icon. A temporary redirect, as the static URL changes with the file's content hash."""
    return redirect(static("images/favicon.ico"))


def accessibility(request: HttpRequest) -> HttpResponse:
    return render(request, "accessibility.html")
