"""The service navigation, by role: each person sees the links for the work they do."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from partners.selectors import user_memberships
from workflows.selectors import can_use_release_tracker


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "signed_in_as": ""}
    match = getattr(request, "resolver_match", None)
    here = (match.namespace, match.url_name) if match else ("", "")
    memberships = user_memberships(user)
    # (text, url name, whether the current page belongs to this item)
    entries = [("Home", "home", here == ("", "home"))]
    if memberships:
        entries.append(("Raise a referral", "referrals:start", here[0] == "referrals"))
    if can_use_release_tracker(user):
        entries.append(
            ("Early release", "workflows:early_release", here == ("workflows", "early_release"))
        )
    items = [{"text": t, "href": reverse(url), "current": current} for t, url, current in entries]
    name = user.get_full_name() or user.get_username()
    agencies = sorted({m.agency.name for m in memberships})
    return {
        "nav_items": items,
        "signed_in_as": f"{name}, {', '.join(agencies)}" if agencies else name,
    }
