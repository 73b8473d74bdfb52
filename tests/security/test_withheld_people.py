"""Do not disclose to the other party (issue 13, item 9).

An ASB complainant's identity reached every agency on the case, the alleged perpetrator's
landlord among them, and a VAWG victim's safe-contact details sat beside the perpetrator's
name. Here a complainant and a victim are recorded with marker names; the landlord (housing,
taking part in the case) and the fire service then walk every page and every API endpoint
(from the URL conf and the OpenAPI schema, with their CSV and filter variants) and probe the
duplicates check by name: no marker may appear. The lead agency, the agency that recorded
the person and the safeguarding team still see them.
"""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core.cache import cache

from cases.access import WITHHELD
from cases.audit import acting_as, system_user
from cases.models import Case, CaseAgency, CaseAgencyRole, Subject
from partners.models import Agency
from referrals.models import Referral
from tests.personas import dash, payload, raise_referral
from tests.security.conftest import api_client, manager_of, page_client
from tests.security.test_leaks import _response_text, api_gets, fill, page_routes

pytestmark = pytest.mark.django_db

COMPLAINANT = "Philomena Gatewright"
COMPLAINANT_NHS = "4857773456"
PERPETRATOR = "Rufus Hollowbrook"
VICTIM = "Clementine Ashdown"
SAFE_PHONE = "07700 900777"
SAFE_NOTES = "Ask for the Wednesday knitting group"
WITHHELD_MARKERS = [COMPLAINANT, COMPLAINANT_NHS, VICTIM, SAFE_PHONE, SAFE_NOTES]


def _take_part(case: Case, code: str) -> None:
    """An agency taking part in the case that is not its lead: here the housing provider
    that is the alleged perpetrator's landlord, and the fire service."""
    with acting_as(system_user()):
        CaseAgency.objects.create(
            case=case,
            agency=Agency.objects.get(code=code),
            role=CaseAgencyRole.PARTICIPANT,
            added_at=case.opened_at,
        )


def asb_complaint(people: Any) -> Referral:
    """A police officer records a complainant (withheld by default) and the tenant she
    complains of; the council's ASB team leads."""
    referral = raise_referral(
        people.officer,
        "asb",
        summary="Repeated shouting and door slamming from the flat opposite.",
        subjects=[
            {
                "role": "complainant",
                "full_name": COMPLAINANT,
                "age": 71,
                "identifiers": {"nhs_number": COMPLAINANT_NHS},
            },
            {"role": "perpetrator", "full_name": PERPETRATOR},
        ],
    )
    for code in ("housing", "fire-rescue"):
        _take_part(referral.case, code)
    return referral


def vawg_referral(people: Any) -> Referral:
    referral = raise_referral(
        people.officer,
        "vawg",
        summary="Threats and controlling behaviour reported by a neighbour.",
        subjects=[
            {
                "role": "victim",
                "full_name": VICTIM,
                "age": 40,
                "safe_contact": {
                    "safe_to_call": True,
                    "safe_phone": SAFE_PHONE,
                    "notes": SAFE_NOTES,
                },
            },
            {"role": "perpetrator", "full_name": PERPETRATOR},
        ],
        details={"dash": dash(8)},
    )
    _take_part(referral.case, "housing")
    return referral


def found(text: str, markers: list[str]) -> list[str]:
    return [m for m in markers if m.lower() in text.lower()]


# --- What the other party's side may see ------------------------------------------------


def test_the_perpetrators_landlord_sees_the_complainant_as_withheld_on_page_and_api(
    people: Any,
) -> None:
    referral = asb_complaint(people)
    case = referral.case

    page = page_client(people.caseworker).get(f"/cases/{case.reference}/").content.decode()
    detail = api_client(people.caseworker).get(f"/api/v1/cases/{case.pk}/").json()
    listed = api_client(people.caseworker).get("/api/v1/referrals/").json()["results"]
    one = api_client(people.caseworker).get(f"/api/v1/referrals/{referral.pk}/").json()

    assert found(page, [COMPLAINANT, COMPLAINANT_NHS]) == []
    assert WITHHELD in page
    assert PERPETRATOR in page  # the tenant is theirs to act on
    complainant = next(s for s in detail["subjects"] if s["role"] == "complainant")
    assert complainant == {
        "id": complainant["id"],
        "role": "complainant",
        "do_not_disclose": True,
        "withheld": True,
        "full_name": None,
        "date_of_birth": None,
        "age": None,
        "identifiers": {},
        "school": None,
    }
    for body in (next(r for r in listed if r["id"] == referral.pk), one):
        assert found(str(body), [COMPLAINANT, COMPLAINANT_NHS]) == []
        assert PERPETRATOR in str(body)
        withheld = next(s for s in body["subjects"] if s["role"] == "complainant")
        assert (withheld["withheld"], withheld["full_name"], withheld["age"]) == (True, None, None)


@pytest.mark.parametrize("name", ["asb_coordinator", "manager", "officer", "auditor"])
def test_the_lead_agency_the_recording_agency_and_the_auditor_see_the_complainant(
    people: Any, name: str
) -> None:
    case = asb_complaint(people).case
    user = people.user(name)

    page = page_client(user).get(f"/cases/{case.reference}/").content.decode()
    detail = api_client(user).get(f"/api/v1/cases/{case.pk}/").json()

    assert COMPLAINANT in page
    assert "Do not disclose to the other party" in page
    complainant = next(s for s in detail["subjects"] if s["role"] == "complainant")
    assert complainant["full_name"] == COMPLAINANT
    assert complainant["identifiers"] == {"nhs_number": COMPLAINANT_NHS}
    assert (complainant["do_not_disclose"], complainant["withheld"]) == (True, False)


def test_a_person_not_marked_is_seen_by_every_agency_on_the_case(people: Any) -> None:
    referral = raise_referral(
        people.officer,
        "asb",
        summary="Shouting in the stairwell; the complainant agrees to be named.",
        subjects=[{"role": "complainant", "full_name": COMPLAINANT, "do_not_disclose": False}],
    )
    _take_part(referral.case, "housing")

    detail = api_client(people.caseworker).get(f"/api/v1/cases/{referral.case_id}/").json()

    assert detail["subjects"][0]["full_name"] == COMPLAINANT
    assert detail["subjects"][0]["withheld"] is False


def test_a_name_probe_of_the_duplicates_check_does_not_find_a_withheld_complainant(
    people: Any,
) -> None:
    """Trying names in the duplicates check would tell the landlord who complained."""
    case = asb_complaint(people).case
    probe = payload("asb", location_text="", postcode="")
    probe["subjects"] = [{"role": "complainant", "full_name": COMPLAINANT}]

    def matches(user: User) -> list[str]:
        response = api_client(user).post("/api/v1/referrals/duplicates/", probe, format="json")
        assert response.status_code == 200, response.content
        return [c["reference"] for c in response.json()["results"]]

    assert matches(people.asb_coordinator) == [case.reference]  # the probe finds it
    assert matches(people.caseworker) == []
    probe["subjects"] = [{"role": "perpetrator", "full_name": PERPETRATOR}]
    assert matches(people.caseworker) == [case.reference]


# --- VAWG: the victim, her safe contact and the perpetrator --------------------------------


def test_a_victims_safe_contact_is_never_in_the_list_that_names_the_perpetrator(
    people: Any,
) -> None:
    case = vawg_referral(people).case
    idva = people.idva

    page = page_client(idva).get(f"/cases/{case.reference}/").content.decode()
    detail = api_client(idva).get(f"/api/v1/cases/{case.pk}/").json()

    people_section = page.split('id="people"', 1)[1].split('id="history"', 1)[0]
    assert VICTIM in people_section
    assert PERPETRATOR in people_section
    assert found(people_section, [SAFE_PHONE, SAFE_NOTES]) == []
    assert "How to contact them safely" in people_section
    assert found(str(detail["subjects"]), [SAFE_PHONE, SAFE_NOTES]) == []
    assert all("safe_contact" not in s for s in detail["subjects"])


def test_reading_a_victims_safe_contact_is_logged_person_by_person(people: Any) -> None:
    case = vawg_referral(people).case
    victim = case.subjects.get(role="victim")
    subject_type = ContentType.objects.get_for_model(Subject)

    def reads() -> list[tuple[str, int | None]]:
        return [
            (e.actor.username, e.object_id)
            for e in LogEntry.objects.filter(
                action=LogEntry.Action.ACCESS, content_type=subject_type
            ).order_by("pk")
        ]

    page = page_client(people.idva).get(f"/cases/{case.reference}/people/{victim.pk}/safe-contact/")
    api = api_client(people.idva).get(f"/api/v1/cases/{case.pk}/safe-contact/").json()

    assert SAFE_PHONE in page.content.decode()
    assert SAFE_NOTES in page.content.decode()
    assert api["results"] == [
        {
            "subject": victim.pk,
            "role": "victim",
            "safe_to_call": True,
            "safe_phone": SAFE_PHONE,
            "safe_times": None,
            "safe_to_email": None,
            "notes": SAFE_NOTES,
        }
    ]
    assert reads() == [("idva", victim.pk), ("idva", victim.pk)]


def test_an_agency_on_the_perpetrators_side_of_a_vawg_case_never_sees_the_victim(
    people: Any,
) -> None:
    case = vawg_referral(people).case
    victim = case.subjects.get(role="victim")
    housing = manager_of("housing")  # a manager may read a VAWG case it takes part in

    page = page_client(housing).get(f"/cases/{case.reference}/")
    safe_page = page_client(housing).get(
        f"/cases/{case.reference}/people/{victim.pk}/safe-contact/"
    )
    safe_api = api_client(housing).get(f"/api/v1/cases/{case.pk}/safe-contact/").json()

    assert page.status_code == 200
    assert found(page.content.decode(), WITHHELD_MARKERS) == []
    assert PERPETRATOR in page.content.decode()
    assert safe_page.status_code == 404
    assert safe_api == {"results": []}


# --- Every page and endpoint ------------------------------------------------------------


def test_no_page_endpoint_or_export_shows_a_withheld_person_to_the_other_side(
    people: Any,
) -> None:
    asb = asb_complaint(people)
    vawg = vawg_referral(people)
    cases = [asb.case, vawg.case]
    # The positive control: the markers are there to be found by those who may see them.
    lead_view = api_client(people.asb_coordinator).get(f"/api/v1/cases/{asb.case_id}/")
    assert COMPLAINANT in lead_view.content.decode()

    subjects = [str(pk) for pk in Subject.objects.values_list("pk", flat=True)]
    values = {
        "reference": [c.reference for c in cases] + [asb.reference, vawg.reference],
        "pk": [str(c.pk) for c in cases] + [str(asb.pk), str(vawg.pk)],
        "id": [str(c.pk) for c in cases] + [str(asb.pk), str(vawg.pk)],
        "subject_id": subjects,
        "kind": ["asb", "vawg"],
        "name": ["triage", "assess_risk", "review_risk"],
    }
    queries = [
        "",
        "?format=csv",
        "?kind=asb",
        f"?q={asb.case.reference}",
        f"?case={asb.case.reference}",
    ]
    schema = api_client(people.auditor).get("/api/schema/?format=json").json()
    findings = []
    for user in (people.caseworker, manager_of("housing"), people.outsider):
        browser, api = page_client(user), api_client(user)
        for route in page_routes():
            for url in fill(route, values):
                for query in queries if "<" not in route else [""]:
                    cache.clear()  # rate limits
                    text = _response_text(browser.get(url + query))
                    findings += [
                        f"{user} page {url}{query}: {m}" for m in found(text, WITHHELD_MARKERS)
                    ]
        for path in api_gets(schema):
            for url in fill(path, values):
                for query in queries:
                    cache.clear()
                    text = _response_text(api.get(url + query))
                    findings += [
                        f"{user} api {url}{query}: {m}" for m in found(text, WITHHELD_MARKERS)
                    ]
    assert findings == []
