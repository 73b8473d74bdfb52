"""The ``referral_tags`` template library: referrals shown on other apps' pages, supplied
by referrals itself. The case page is workflows', and workflows may not import referrals:
``{% case_referrals case %}`` names what it needs instead."""

from __future__ import annotations

from typing import Any

from django import template

from cases.models import Case
from referrals.selectors import case_referrals as referrals_of_case

register = template.Library()


@register.inclusion_tag("referrals/_case_referrals.html", takes_context=True)
def case_referrals(context: template.Context, case: Case) -> dict[str, Any]:
    """``{% case_referrals case %}``: the case's referrals section for the signed-in reader
    (the page's ``request.user``), oldest first."""
    return {"referrals": referrals_of_case(case=case, user=context["request"].user)}
