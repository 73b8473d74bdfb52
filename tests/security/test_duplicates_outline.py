"""Someone who sees only a VAWG case's outline cannot test names or postcodes against it
through the duplicates check, on the API or the pages (issue 12 item 12)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from cases.models import Case
from tests.pages import formdata
from tests.personas import payload, raise_referral
from tests.security.conftest import api_client, page_client

pytestmark = pytest.mark.django_db


def test_the_api_duplicates_check_finds_only_cases_seen_in_full(people: Any) -> None:
    case = raise_referral(people.officer, "vawg", postcode="KV9 9ZZ").case
    probe = payload("vawg", postcode="KV9 9ZZ")  # the same victim's name and postcode
    officer = api_client(people.officer).post("/api/v1/referrals/duplicates/", probe, format="json")
    assert officer.status_code == 200
    assert officer.json() == {"results": []}
    idva = api_client(people.idva).post("/api/v1/referrals/duplicates/", probe, format="json")
    assert [r["reference"] for r in idva.json()["results"]] == [case.reference]


def test_the_duplicates_page_offers_no_case_seen_only_in_outline(people: Any) -> None:
    case = raise_referral(people.officer, "vawg").case
    client = page_client(people.officer)
    client.post("/referrals/new/", {"kind": "vawg"})
    client.post("/referrals/new/vawg/", formdata.vawg())
    check = client.get("/referrals/new/vawg/check/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', check)
    assert token is not None
    sent = client.post("/referrals/new/vawg/check/", {"form_token": token.group(1)})
    assert sent["Location"].endswith("/confirmation/")  # not offered the outline case
    assert Case.objects.count() == 2
    page = client.get("/referrals/new/vawg/possible-duplicates/")
    assert case.reference not in page.content.decode()
