"""Reads of VAWG cases through the referrals API are logged, one entry per case read, and
a list never hands over VAWG victims in bulk (issue 12 item 2)."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry

from tests.personas import raise_referral
from tests.security.conftest import api_client

pytestmark = pytest.mark.django_db


def views() -> list[tuple[str, int | None]]:
    return [
        (e.actor.username if e.actor else "", e.object_id)
        for e in LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk")
    ]


def test_reading_a_vawg_referral_in_full_is_logged_against_its_case(people: Any) -> None:
    referral = raise_referral(people.officer, "vawg")
    body = api_client(people.idva).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["visibility"] == "full"
    assert {s["full_name"] for s in body["subjects"]} == {"Alice Victim", "Bob Partner"}
    assert views() == [("idva", referral.case_id)]
    api_client(people.idva).get(f"/api/v1/referrals/{referral.pk}/")
    assert views() == [("idva", referral.case_id)] * 2


def test_the_referral_list_gives_vawg_referrals_in_outline_even_to_those_who_may_read_them(
    people: Any,
) -> None:
    vawg = [raise_referral(people.officer, "vawg") for _ in range(3)]
    for name in ("idva", "auditor", "officer"):
        listed = api_client(people.user(name)).get("/api/v1/referrals/?kind=vawg").json()
        assert {r["reference"] for r in listed["results"]} == {r.reference for r in vawg}
        assert {r["visibility"] for r in listed["results"]} == {"outline"}, name
        assert "Alice Victim" not in str(listed)
        assert "safe_times" not in str(listed)
        assert "controlling behaviour" not in str(listed)
    assert views() == []


def test_other_kinds_are_listed_in_full_and_not_logged(people: Any) -> None:
    raise_referral(people.officer, "asb")
    listed = api_client(people.officer).get("/api/v1/referrals/").json()["results"]
    assert [r["visibility"] for r in listed] == ["full"]
    assert listed[0]["subjects"][0]["full_name"] == "Jane Resident"
    assert views() == []
