"""Need-to-know for children on VAWG cases (issue 13, item 3.6), from the attacker's side.

A child's name and school are seen only by those who see the case in full and may see the
person (the lead, the agency that recorded the child, and the safeguarding teams on the
case: victim services and children's social care). Another agency's manager, the referrer
who follows the case in outline, and the outsider walk every page and API endpoint, the
CSV variants, the duplicates check and the outbox: no marker appears. (The worker-driven
hunt over webhooks, email and the event exchange, tests/security/test_leaks.py, carries a
child and a school among its markers too.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from cases.access import WITHHELD
from cases.audit import acting_as, system_user
from cases.models import CaseAgency, CaseAgencyRole
from notifications.models import OutboxEvent
from partners.models import Agency
from tests.personas import payload, raise_referral
from tests.security.conftest import api_client, manager_of, page_client
from tests.security.test_leaks import _response_text, api_gets, fill, page_routes

pytestmark = pytest.mark.django_db

CHILD, SCHOOL = "Juniper Wrenfield", "Hollowmere Junior School"
VICTIM = "Isolde Wrenfield"
MARKERS = [CHILD, SCHOOL]


def child_case(people: Any, by: Any = None) -> Any:
    """A police referral of domestic abuse, a 9-year-old named with her school; the victim
    is 15, so children's social care leads and the police take part."""
    return raise_referral(
        by or people.officer,
        "vawg",
        summary="Shouting heard by neighbours; the child was at home.",
        subjects=[
            {"role": "victim", "full_name": VICTIM, "age": 15},
            {"role": "perpetrator", "full_name": "Osric Wrenfield"},
            {"role": "child", "full_name": CHILD, "age": 9, "school": SCHOOL},
        ],
        details={"children_in_household": True},
    )


def _walk(user: Any, values: dict[str, list[str]]) -> list[str]:
    """Every page and every API GET with the case's ids, plain and as CSV: the markers
    each one shows."""
    findings = []
    browser, api = page_client(user), api_client(user)
    schema = api_client(user).get("/api/schema/?format=json").json()
    assert len(api_gets(schema)) >= 10
    for route in page_routes():
        for url in fill(route, values):
            cache.clear()
            text = _response_text(browser.get(url))
            findings += [f"page {url}: {m}" for m in MARKERS if m.lower() in text.lower()]
    for path in api_gets(schema):
        for url in fill(path, values):
            for query in ("", "?format=csv"):
                cache.clear()
                text = _response_text(api.get(url + query))
                findings += [f"api {url}{query}: {m}" for m in MARKERS if m.lower() in text.lower()]
    return findings


@pytest.mark.parametrize("attacker", ["manager-housing", "officer", "outsider", "idva"])
def test_no_one_outside_the_case_in_full_finds_the_childs_name_or_school(
    people: Any, attacker: str
) -> None:
    referral = child_case(people)
    case = referral.case
    child = case.subjects.get(role="child")
    user = manager_of("housing") if attacker == "manager-housing" else people.user(attacker)
    values = {
        "reference": [case.reference, referral.reference],
        "pk": [str(case.pk), str(referral.pk), str(child.pk)],
        "id": [str(case.pk), str(referral.pk)],
        "subject_id": [str(child.pk)],
        "kind": ["vawg"],
        "name": ["notify_school", "child_safeguarding_decided", "protection_order_applied"],
    }
    assert _walk(user, values) == []
    # Not vacuous: the lead, children's social care, reads both on the same endpoint.
    lead = api_client(people.social_worker).get(f"/api/v1/cases/{case.pk}/").content.decode()
    assert all(m in lead for m in MARKERS)


def test_the_police_taking_part_see_a_child_another_agency_named_as_withheld(
    people: Any,
) -> None:
    """The police take part in an under-16's case (Children Act 1989 s47) and their
    manager reads it in full, but a child the school nurse named was marked do-not-disclose:
    the police see her role, not her name or school (the police's own referral would have
    named her to them already)."""
    case = child_case(people, by=people.nurse).case
    police = manager_of("kestrel-police")
    assert CaseAgency.objects.filter(
        case=case, agency__code="kestrel-police", role=CaseAgencyRole.PARTICIPANT
    ).exists()
    detail = api_client(police).get(f"/api/v1/cases/{case.pk}/").json()
    child = next(s for s in detail["subjects"] if s["role"] == "child")
    assert (child["withheld"], child["full_name"], child["school"]) == (True, None, None)


def test_childrens_social_care_leading_the_case_sees_the_child_and_school(people: Any) -> None:
    case = child_case(people).case
    page = page_client(people.social_worker).get(f"/cases/{case.reference}/").content.decode()
    detail = api_client(people.social_worker).get(f"/api/v1/cases/{case.pk}/").json()
    assert CHILD in page
    assert SCHOOL in page
    child = next(s for s in detail["subjects"] if s["role"] == "child")
    assert (child["full_name"], child["school"]) == (CHILD, SCHOOL)


def test_a_participating_agency_that_is_not_a_safeguarding_team_sees_the_child_withheld(
    people: Any,
) -> None:
    case = child_case(people).case
    with acting_as(system_user()):
        CaseAgency.objects.create(
            case=case,
            agency=Agency.objects.get(code="housing"),
            role=CaseAgencyRole.PARTICIPANT,
            added_at=case.opened_at,
        )
    housing = manager_of("housing")
    page = page_client(housing).get(f"/cases/{case.reference}/").content.decode()
    assert WITHHELD in page
    assert [m for m in MARKERS if m in page] == []


def test_a_name_probe_of_the_duplicates_check_does_not_find_the_child(people: Any) -> None:
    case = child_case(people).case
    probe = payload("vawg", location_text="", postcode="")
    probe["subjects"] = [
        {"role": "victim", "full_name": "Someone Else", "age": 30},
        {"role": "child", "full_name": CHILD, "age": 9},
    ]
    probe["details"] = {"children_in_household": True}

    def matches(user: Any) -> list[str]:
        cache.clear()
        response = api_client(user).post("/api/v1/referrals/duplicates/", probe, format="json")
        assert response.status_code == 200, response.content
        return [c["reference"] for c in response.json()["results"]]

    assert matches(people.social_worker) == [case.reference]  # the probe finds it
    for user in (people.officer, people.outsider, people.idva, manager_of("housing")):
        assert matches(user) == []


def test_no_event_carries_the_childs_name_or_school(people: Any) -> None:
    case = child_case(people).case
    data = [str(e.data) for e in OutboxEvent.objects.filter(case=case)]
    assert {e.type for e in OutboxEvent.objects.filter(case=case)} >= {
        "referral.raised",
        "case.child_safeguarding_referred",
        "case.operation_encompass",
    }
    assert [m for m in MARKERS for d in data if m in d] == []


def test_childrens_social_care_does_not_see_a_case_it_is_not_on(people: Any) -> None:
    """Children's social care sees the cases it leads or takes part in, no others: an adult
    victim's case with no children named is the IDVA service's alone."""
    case = raise_referral(people.officer, "vawg").case
    assert api_client(people.social_worker).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert page_client(people.social_worker).get(f"/cases/{case.reference}/").status_code == 404
