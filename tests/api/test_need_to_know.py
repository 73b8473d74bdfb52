"""Cross-agency IDOR: nobody reaches another agency's case, history or transitions by id,
and the referrer of a VAWG case sees its reference and state only."""

from __future__ import annotations

import pytest

from tests.personas import WARD, payload

pytestmark = pytest.mark.django_db

OUTLINE_KEYS = {"id", "reference", "kind", "state", "visibility"}


@pytest.mark.parametrize("case_name", ["asb", "licensed", "vawg", "early_release"])
@pytest.mark.parametrize("suffix", ["", "history/"])
def test_an_outsider_gets_the_same_404_as_for_a_case_that_does_not_exist(
    demo, as_user, case_name, suffix
) -> None:
    client = as_user("outsider")
    existing = client.get(f"/api/v1/cases/{demo.case(case_name).pk}/{suffix}")
    missing = client.get(f"/api/v1/cases/999999/{suffix}")
    assert existing.status_code == missing.status_code == 404
    assert existing.content == missing.content


@pytest.mark.parametrize("case_name", ["asb", "licensed", "vawg", "early_release"])
def test_an_outsider_cannot_transition_another_agencys_case(demo, as_user, case_name) -> None:
    case = demo.case(case_name)
    response = as_user("outsider").post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "close", "reason": "x"},
        format="json",
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.version == 1


def test_an_outsider_lists_no_cases_or_referrals_and_finds_no_duplicates(demo, as_user) -> None:
    client = as_user("outsider")
    assert client.get("/api/v1/cases/").json()["count"] == 0
    assert client.get("/api/v1/referrals/").json()["count"] == 0
    for name in ("asb", "vawg"):
        assert client.get(f"/api/v1/referrals/{demo.referrals[name].pk}/").status_code == 404
        duplicates = client.post("/api/v1/referrals/duplicates/", payload(name), format="json")
        assert duplicates.json() == {"results": []}


def test_the_probation_practitioner_cannot_reach_council_cases_by_filter_or_query(
    demo, as_user
) -> None:
    client = as_user("probation")
    for query in ("agency=council-asb", f"ward={WARD}", "q=ASB", "kind=asb", "state=reported"):
        refs = {c["reference"] for c in client.get(f"/api/v1/cases/?{query}").json()["results"]}
        assert not any(r.startswith("ASB") for r in refs), query


def test_the_vawg_referrer_sees_reference_and_state_only(demo, as_user) -> None:
    client = as_user("officer")
    case = demo.case("vawg")
    detail = client.get(f"/api/v1/cases/{case.pk}/").json()
    assert set(detail) == OUTLINE_KEYS
    assert detail == {
        "id": case.pk,
        "reference": case.reference,
        "kind": "vawg",
        "state": "reported",
        "visibility": "outline",
    }
    listed = {c["reference"]: c for c in client.get("/api/v1/cases/").json()["results"]}
    assert set(listed[case.reference]) == OUTLINE_KEYS
    referral = client.get(f"/api/v1/referrals/{demo.referrals['vawg'].pk}/").json()
    assert referral["visibility"] == "outline"
    assert set(referral) == {"id", "reference", "kind", "created_at", "case", "visibility"}


def test_the_vawg_referrer_sees_state_changes_but_no_names_reasons_or_audit(demo, as_user) -> None:
    case = demo.case("vawg")
    as_user("idva").post(
        f"/api/v1/cases/{case.pk}/transitions/",
        {"transition": "assess_risk", "reason": "Victim disclosed threats to kill"},
        format="json",
    )
    history = as_user("officer").get(f"/api/v1/cases/{case.pk}/history/").json()
    assert [t["transition"] for t in history["transitions"]] == ["open", "assess_risk"]
    assert all(
        set(t) == {"seq", "transition", "source", "target", "at"} for t in history["transitions"]
    )
    assert history["audit"] == []
    assert history["notifications"] == []
    assert "threats" not in str(history)
    assert "Grace" not in str(history)
    full = as_user("idva").get(f"/api/v1/cases/{case.pk}/history/").json()
    assert full["transitions"][1]["reason"] == "Victim disclosed threats to kill"
    assert full["transitions"][1]["actor"] == {"username": "idva", "name": "Grace Okafor"}
    assert {n["type"] for n in full["notifications"]} >= {"referral.raised", "case.transitioned"}
    assert any(a["object_type"] == "cases.subject" for a in full["audit"])


def test_the_vawg_referrer_cannot_find_the_case_by_ward_or_agency(demo, as_user) -> None:
    client = as_user("officer")
    reference = demo.case("vawg").reference
    for query in (f"ward={WARD}", "agency=victim-services", "agency=kestrel-police"):
        refs = {c["reference"] for c in client.get(f"/api/v1/cases/?{query}").json()["results"]}
        assert reference not in refs, query
    by_reference = client.get(f"/api/v1/cases/?q={reference}").json()["results"]
    assert [c["reference"] for c in by_reference] == [reference]


def test_the_vawg_referrer_may_not_change_the_case(demo, as_user) -> None:
    response = as_user("officer").post(
        f"/api/v1/cases/{demo.case('vawg').pk}/transitions/",
        {"transition": "assess_risk", "reason": "x"},
        format="json",
    )
    assert response.status_code == 403


def test_people_in_a_case_are_shown_only_to_those_who_see_it_in_full(demo, as_user) -> None:
    case = demo.case("vawg")
    full = as_user("idva").get(f"/api/v1/cases/{case.pk}/").json()
    assert {s["full_name"] for s in full["subjects"]} == {"Alice Victim", "Bob Partner"}
    assert "Alice" not in as_user("officer").get(f"/api/v1/cases/{case.pk}/").content.decode()


def test_a_manager_filtering_the_audit_trail_by_another_agencys_case_gets_nothing(
    demo, as_user
) -> None:
    client = as_user("manager")
    vawg = demo.case("vawg")
    for value in (str(vawg.pk), vawg.reference):
        assert client.get(f"/api/v1/audit/?case={value}").json()["count"] == 0
    assert client.get(f"/api/v1/audit/?case={demo.case('asb').reference}").json()["count"] > 0
