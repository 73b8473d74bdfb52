"""Helpers for the browser tests: signing in and axe-core accessibility checks."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import User

from partners.security import two_factor_required
from tests.support.signin import confirmed_device, fresh_code

AXE = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "persona-pass-2026"  # tests.personas seeds the demo users with it
# The WCAG 2.2 A and AA rules; a serious or critical violation of any fails the page.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def sign_in(page: Any, username: str) -> None:
    """Sign in on the page; for a role that needs a second factor, with a confirmed device
    (created if the persona has none) and the code it shows now."""
    user = User.objects.get(username=username)
    device = confirmed_device(user) if two_factor_required(user) else None
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:
        page.wait_for_url("**/sign-in/code/")
        page.get_by_label("Enter your security code").fill(fresh_code(device))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical WCAG 2.2 AA violations axe-core finds on the current page."""
    # evaluate() runs through DevTools, outside the page's Content-Security-Policy, which
    # (rightly) refuses the inline <script> add_script_tag would insert.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"
