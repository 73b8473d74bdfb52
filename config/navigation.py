"""The service navigation, by role: each person sees the links for the work they do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from cases.access import can_raise_referrals, can_read_audit_trail, can_read_reports
from notifications.selectors import inbox_unread_count
from partners.security import second_factor_missing, session_verified
from partners.selectors import user_memberships
from workflows.selectors import can_use_release_tracker

# Pages under the managers' start page: the "Management" item is current on each of them.
MANAGEMENT_PAGES = {
    ("", "manage"),
    ("workflows", "breaches"),
    ("workflows", "audit"),
    ("notifications", "failing"),
    ("reports", "crime_types"),
}


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "signed_in_as": ""}
    if second_factor_missing(user, verified=session_verified(user)):
        # Nothing to navigate to before the second factor (enrolment has its own sign-out).
        name = user.get_full_name() or user.get_username()
        return {"nav_items": [], "signed_in_as": name}
    match = getattr(request, "resolver_match", None)
    here = (match.namespace, match.url_name) if match else ("", "")
    memberships = user_memberships(user)
    # (text, url name, whether the current page belongs to this item)
    entries = [
        ("Home", "home", here == ("", "home")),
        ("Cases", "workflows:cases", here == ("workflows", "cases")),
    ]
    if can_raise_referrals(user):
        entries.append(("Raise a referral", "referrals:start", here[0] == "referrals"))
    if can_use_release_tracker(user):
        entries.append(
            ("Early release", "workflows:early_release", here == ("workflows", "early_release"))
        )
    if can_read_reports(user) or can_read_audit_trail(user):
        entries.append(("Management", "manage", here in MANAGEMENT_PAGES))
    items: list[dict[str, Any]] = [
        {"text": t, "href": reverse(url), "current": current, "count": None}
        for t, url, current in entries
    ]
    # The inbox goes second, with its unread count: what is new is the first thing to see.
    items.insert(
        1,
        {
            "text": "Inbox",
            "href": reverse("notifications:inbox"),
            "current": here == ("notifications", "inbox"),
            "count": inbox_unread_count(user),
        },
    )
    name = user.get_full_name() or user.get_username()
    agencies = sorted({m.agency.name for m in memberships})
    return {
        "nav_items": items,
        "signed_in_as": f"{name}, {', '.join(agencies)}" if agencies else name,
    }
