"""The VAWG referral pages ask about the children in the household (issue 13, item 3).

Domestic Abuse Act 2021 s3: a child who sees, hears or experiences the effects of domestic
abuse is a victim in their own right; a yes to "children in the household" says how many
or names them. The questions come from the referral's shape (referrals/shape.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Subject
from referrals.models import Referral
from tests.pages import formdata
from tests.pages.test_raise_referral import _send, _summary_links, _through_check

pytestmark = pytest.mark.django_db


def test_an_officer_names_a_child_and_their_school_on_the_vawg_form(
    people: Any, client_for: Any
) -> None:
    client = client_for("officer")
    form = client.get("/referrals/new/vawg/")
    assert form.status_code in (200, 302)
    data = formdata.vawg(
        children_in_household="yes",
        child_0_full_name="Robin Victim",
        child_0_age="8",
        child_0_school="Priory Primary",
    )
    check = _through_check(client, "vawg", data).content.decode()
    assert "Robin Victim, age 8, Priory Primary" in check
    _send(client, "/referrals/new/vawg/check/", follow=True)
    case = Referral.objects.get().case
    child = Subject.objects.get(case=case, role="child")
    assert (child.full_name, child.age, child.school) == ("Robin Victim", 8, "Priory Primary")
    assert case.details["children_count"] == 1
    # A police domestic abuse referral with children: Operation Encompass.
    assert "operation_encompass" in case.details


def test_a_yes_without_a_count_or_a_child_is_linked_to_the_count(
    people: Any, client_for: Any
) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    response = client.post("/referrals/new/vawg/", formdata.vawg(children_in_household="yes"))
    links = _summary_links(response)
    assert [href for href, _ in links] == ["#children_count"]


def test_a_child_without_an_age_is_linked_to_the_childs_age(people: Any, client_for: Any) -> None:
    client = client_for("officer")
    client.post("/referrals/new/", {"kind": "vawg"})
    response = client.post(
        "/referrals/new/vawg/",
        formdata.vawg(children_in_household="yes", child_1_full_name="No Age Given"),
    )
    assert [href for href, _ in _summary_links(response)] == ["#child_1_age"]
