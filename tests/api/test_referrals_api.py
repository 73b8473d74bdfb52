"""Raising referrals over the API, finding duplicates, listing, and the form metadata."""

from __future__ import annotations

import pytest

from cases.catalogue import CATEGORIES, DASH_QUESTIONS
from cases.models import Case
from referrals.models import Referral
from tests.personas import WARD, payload
from workflows.machines import transition_names

pytestmark = pytest.mark.django_db


def test_raising_a_referral_returns_201_with_its_case_and_location(demo, as_user) -> None:
    response = as_user("outsider").post(
        "/api/v1/referrals/",
        payload("asb", location_text="Fire station yard", category="fly_tipping"),
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get(pk=body["id"])
    assert body == {
        "id": referral.pk,
        "reference": referral.reference,
        "case": {
            "id": referral.case_id,
            "reference": referral.case.reference,
            "state": "reported",
        },
        "personal_duties": [],
    }
    assert response.headers["Location"] == f"/api/v1/referrals/{referral.pk}/"
    assert referral.raised_by.username == "outsider"
    assert referral.raising_agency.code == "fire-rescue"
    # The raiser of a non-VAWG referral follows its case in full.
    case = as_user("outsider").get(f"/api/v1/cases/{referral.case_id}/").json()
    assert case["visibility"] == "full"


def test_a_vawg_referral_goes_to_victim_services_and_the_raiser_keeps_an_outline(
    demo, as_user
) -> None:
    client = as_user("outsider")
    body = client.post("/api/v1/referrals/", payload("vawg"), format="json").json()
    case = Case.objects.get(pk=body["case"]["id"])
    assert case.responsible_agency.code == "victim-services"
    assert client.get(f"/api/v1/cases/{case.pk}/").json()["visibility"] == "outline"
    assert as_user("idva").get(f"/api/v1/cases/{case.pk}/").json()["visibility"] == "full"


def test_duplicates_offer_the_open_case_about_the_same_place_and_join_case_adds_to_it(
    demo, as_user
) -> None:
    client = as_user("officer")
    existing = demo.case("asb")
    found = client.post("/api/v1/referrals/duplicates/", payload("asb"), format="json").json()
    assert [c["id"] for c in found["results"]] == [existing.pk]
    assert found["results"][0]["visibility"] == "full"
    joined = client.post(
        "/api/v1/referrals/", payload("asb", join_case=existing.pk), format="json"
    ).json()
    assert joined["case"]["id"] == existing.pk
    assert Referral.objects.filter(case=existing).count() == 2


def test_duplicates_never_show_a_vawg_case_to_a_referrer_who_sees_only_its_outline(
    demo, as_user
) -> None:
    # A match would tell the referrer that the case is about this name or postcode: more
    # than its outline (issue 12 item 12). Those who see it in full are offered it.
    probe = payload("vawg")
    officer = as_user("officer").post("/api/v1/referrals/duplicates/", probe, format="json")
    assert officer.json() == {"results": []}
    idva = as_user("idva").post("/api/v1/referrals/duplicates/", probe, format="json").json()
    assert [(r["reference"], r["visibility"]) for r in idva["results"]] == [
        (demo.case("vawg").reference, "full")
    ]


def test_join_case_cannot_reach_a_case_the_caller_does_not_see(demo, as_user) -> None:
    response = as_user("outsider").post(
        "/api/v1/referrals/", payload("asb", join_case=demo.case("asb").pk), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "join_case"


def test_the_referral_list_is_paginated_and_filterable_by_kind(demo, as_user) -> None:
    client = as_user("auditor")
    page = client.get("/api/v1/referrals/?page_size=2").json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert page["count"] == 4
    assert len(page["results"]) == 2
    assert page["previous"] is None
    assert page["next"].endswith("/api/v1/referrals/?page=2&page_size=2")
    second = client.get(page["next"]).json()
    assert second["next"] is None
    assert second["previous"] is not None
    assert {r["kind"] for r in client.get("/api/v1/referrals/?kind=vawg").json()["results"]} == {
        "vawg"
    }


def test_a_referral_in_full_carries_its_people_and_details(demo, as_user) -> None:
    referral = demo.referrals["vawg"]
    body = as_user("idva").get(f"/api/v1/referrals/{referral.pk}/").json()
    assert body["visibility"] == "full"
    assert body["summary"].startswith("Victim disclosed")
    assert {s["full_name"] for s in body["subjects"]} == {"Alice Victim", "Bob Partner"}
    assert body["details"]["dash_score"] == 15


def test_the_case_list_filters_by_kind_state_ward_agency_and_reference(demo, as_user) -> None:
    client = as_user("auditor")

    def refs(query: str) -> set[str]:
        return {c["reference"] for c in client.get(f"/api/v1/cases/?{query}").json()["results"]}

    asb, licensed = demo.case("asb").reference, demo.case("licensed").reference
    assert refs("kind=asb") == {asb, licensed}
    assert refs("agency=council-licensing") == {licensed}
    assert refs(f"ward={WARD}&kind=asb") == {asb, licensed}
    assert refs("state=notified") == {demo.case("early_release").reference}
    assert refs(f"q={asb.lower()}") == {asb}
    assert refs("ward=E05990001") == set()


def test_meta_lists_kinds_categories_wards_dash_and_transitions(demo, as_user) -> None:
    meta = as_user("caseworker").get("/api/v1/meta/").json()
    kinds = {k["code"]: k for k in meta["kinds"]}
    assert set(kinds) == {"asb", "vawg", "early_release"}
    for code, kind in kinds.items():
        assert [c["code"] for c in kind["categories"]] == [c.code for c in CATEGORIES[code]]
        assert sorted(t["name"] for t in kind["transitions"]) == transition_names(code)
    fgm = next(c for c in kinds["vawg"]["categories"] if c["code"] == "fgm")
    assert fgm["police_uk"] == "violent-crime"
    assert len(meta["wards"]) == 20
    assert WARD in {w["code"] for w in meta["wards"]}
    assert [q["code"] for q in meta["dash"]["questions"]] == [c for c, _ in DASH_QUESTIONS]
    assert meta["dash"]["marac_threshold"] == 14
    triage = next(t for t in kinds["asb"]["transitions"] if t["name"] == "triage")
    assert triage == {
        "name": "triage",
        "sources": ["reported"],
        "target": "triaged",
        "data": ["risk"],
        "conditions": [],
        "who": "asb_coordinator or manager of the responsible agency",
    }


def test_meta_gives_agency_ids_milestones_and_pause_reasons_for_the_sla_endpoints(
    demo, as_user
) -> None:
    meta = as_user("manager").get("/api/v1/meta/").json()
    asb_team = next(a for a in meta["agencies"] if a["code"] == "council-asb")
    assert asb_team["id"] == demo.user("manager").memberships.get().agency_id
    milestones = {k["code"]: [m["code"] for m in k["milestones"]] for k in meta["kinds"]}
    assert milestones == {
        "asb": ["review_risk", "acknowledge_case_review"],
        "vawg": [
            "make_first_contact",
            "record_marac_decision",
            "child_safeguarding_decided",
            "protection_order_applied",
            "protection_order_not_applied",
            "notify_school",
        ],
        "early_release": ["complete_pre_release_plan", "confirm_accommodation"],
    }
    assert [r["code"] for r in meta["pause_reasons"]] == [
        "awaiting_victim_contact",
        "awaiting_partner_information",
        "subject_unavailable",
    ]
