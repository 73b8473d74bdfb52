"""The referrals behind a case, on its page: supplied by referrals (``referral_tags``), as
the case page is workflows', which may not import referrals."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from tests.personas import raise_referral

pytestmark = pytest.mark.django_db


def _referrals(html: str) -> str:
    return html.split('<h2 class="govuk-heading-m">Referrals</h2>', 1)[1].split('id="people"')[0]


def test_the_case_page_lists_the_referrals_behind_the_case_oldest_first(
    people: Any, client_for: Any
) -> None:
    first = raise_referral(people.officer, "asb")
    joined = raise_referral(
        people.manager,
        "asb",
        join_case=first.case.pk,
        location_text="Elsewhere",
        summary="Music again on Saturday.\nAnd on Sunday.",
    )

    page = client_for("asb_coordinator").get(f"/cases/{first.case.reference}/")

    section = _referrals(page.content.decode())
    assert section.index(first.reference) < section.index(joined.reference)
    officer = f"{people.officer.get_full_name()}, {first.raising_agency.name}"
    assert f'<dd class="govuk-summary-list__value">{officer}</dd>' in section
    assert first.summary in section
    assert "Music again on Saturday.<br>And on Sunday." in section
    assert "No referrals." not in section


def test_the_referrals_are_read_only_by_those_who_see_the_case_in_full(people: Any) -> None:
    referral = raise_referral(people.officer, "vawg")
    template = Template("{% load referral_tags %}{% case_referrals case %}")

    def shown_to(user: Any) -> str:
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"case": referral.case, "request": request}))

    assert referral.summary in shown_to(people.idva)
    # The referrer of a VAWG case sees its outline only: not even their own narrative.
    assert referral.reference not in shown_to(people.officer)
    assert referral.summary not in shown_to(people.officer)
    assert "No referrals." in shown_to(people.outsider)
