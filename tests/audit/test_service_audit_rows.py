"""STYLE rule 17: the audit rows each audit-relevant service writes, their actor and masking."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.utils import timezone

from cases.audit import MASK
from partners.models import Agency, Ward
from tests.audit.conftest import go, label, sealed_entries
from tests.personas import WARD, payload, raise_referral
from workflows.actions import case_open, case_set_risk
from workflows.errors import TransitionForbidden

pytestmark = pytest.mark.django_db


def _new_entries(case, before: int) -> list[LogEntry]:
    return sealed_entries(case)[before:]


def test_referral_raise_logs_the_case_its_agencies_people_and_referral_as_the_raiser(
    people,
) -> None:
    case = raise_referral(people.officer, "vawg").case
    entries = sealed_entries(case)
    assert [label(e) for e in entries] == [
        ("cases.case", "create"),
        ("cases.caseagency", "create"),  # victim services leads
        ("cases.caseagency", "create"),  # the police referred
        ("cases.subject", "create"),  # victim
        ("cases.subject", "create"),  # alleged perpetrator
        ("referrals.referral", "create"),
    ]
    assert {e.actor for e in entries} == {people.officer}
    assert {e.actor_email for e in entries} == {people.officer.email or None}
    case_entry, lead, referrer, victim, perpetrator, referral = entries
    assert case_entry.changes["state"] == [None, "reported"]
    assert case_entry.changes["details"] == ["None", MASK]
    assert lead.changes["role"] == [None, "lead"]
    assert referrer.changes["role"] == [None, "referrer"]
    for subject in (victim, perpetrator):
        for masked in ("full_name", "name_key", "identifiers", "safe_contact"):
            assert subject.changes[masked] == ["None", MASK]
    assert victim.changes["age"] == ["None", MASK]
    assert victim.object_repr == f"Victim on {case.reference}"
    for masked in ("summary", "details"):
        assert referral.changes[masked] == ["None", MASK]


def test_early_release_referral_logs_its_support_needs_with_notes_masked(people) -> None:
    case = raise_referral(
        people.probation,
        "early_release",
        details={
            **payload("early_release")["details"],
            "needs": [
                {
                    "need": "accommodation",
                    "status": "referred",
                    "agency": "housing",
                    "notes": "Sofa-surfing at his sister's flat",
                }
            ],
        },
    ).case
    needs = [e for e in sealed_entries(case) if label(e)[0] == "cases.supportneed"]
    assert len(needs) == 1
    assert needs[0].actor == people.probation
    assert needs[0].changes["need"] == [None, "accommodation"]
    assert needs[0].changes["notes"] == ["None", MASK]


def test_case_open_logs_the_case_and_its_lead_and_referring_agencies_as_the_opener(
    people,
) -> None:
    now = timezone.now()
    case = case_open(
        kind="asb",
        category="noise",
        ward=Ward.objects.get(code=WARD),
        responsible_agency=Agency.objects.get(code="council-asb"),
        opened_by=people.officer,
        opened_by_agency=Agency.objects.get(code="kestrel-police"),
        reason="Opened for the test",
        now=now,
        location_text="Flat 3, 14 Quay Street",
        postcode="KV1 2AB",
    )
    entries = sealed_entries(case)
    assert [label(e) for e in entries] == [
        ("cases.case", "create"),
        ("cases.caseagency", "create"),
        ("cases.caseagency", "create"),
    ]
    assert {e.actor for e in entries} == {people.officer}
    assert entries[0].changes["location_text"] == ["None", MASK]
    assert entries[0].changes["postcode"] == ["None", MASK]
    assert [e.changes["role"][1] for e in entries[1:]] == ["lead", "referrer"]


def test_case_transition_logs_one_case_update_naming_the_actor(people) -> None:
    case = raise_referral(people.officer, "asb").case
    before = len(sealed_entries(case))
    case = go(case, "triage", people.asb_coordinator, risk="medium")
    (entry,) = _new_entries(case, before)
    assert label(entry) == ("cases.case", "update")
    assert entry.actor == people.asb_coordinator
    assert entry.object_id == case.pk
    assert entry.changes["state"] == ["reported", "triaged"]
    assert entry.changes["risk"] == ["standard", "medium"]
    assert entry.changes["version"] == [1, 2]


def test_assigning_to_another_agency_logs_the_lead_swap(people) -> None:
    case = go(raise_referral(people.officer, "asb").case, "triage", people.asb_coordinator)
    before = len(sealed_entries(case))
    case = go(case, "assign", people.asb_coordinator, agency="housing")
    entries = _new_entries(case, before)
    assert [label(e) for e in entries] == [
        ("cases.case", "update"),
        ("cases.caseagency", "delete"),  # council ASB stops leading...
        ("cases.caseagency", "create"),  # ...and stays on as a participant
        ("cases.caseagency", "create"),  # housing leads
    ]
    assert {e.actor for e in entries} == {people.asb_coordinator}
    housing = Agency.objects.get(code="housing")
    assert entries[0].changes["responsible_agency"][1] == housing.pk
    assert entries[1].changes["role"] == ["lead", None]
    assert entries[2].changes["role"] == [None, "participant"]
    assert entries[3].changes["agency"] == [None, housing.pk]


def test_risk_assessment_and_marac_referral_are_logged_with_dash_answers_masked(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    before = len(sealed_entries(case))
    case = go(case, "assess_risk", people.idva)
    case = go(case, "refer_to_marac", people.idva)
    entries = _new_entries(case, before)
    assert [label(e) for e in entries] == [
        ("cases.case", "update"),
        ("workflows.riskassessment", "create"),
        ("cases.case", "update"),
        ("workflows.maracreferral", "create"),
    ]
    assert {e.actor for e in entries} == {people.idva}
    assessment, referral = entries[1], entries[3]
    assert assessment.changes["answers"] == ["None", MASK]
    assert assessment.changes["score"] == [None, 15]
    assert referral.changes["dash_answers"] == ["None", MASK]
    assert referral.changes["grounds"] == [None, ["dash_14_plus"]]


def test_case_set_risk_logs_the_risk_change_naming_the_actor(people) -> None:
    case = raise_referral(people.officer, "asb").case
    before = len(sealed_entries(case))
    case_set_risk(case_id=case.pk, risk="high", by=people.asb_coordinator, reason="Threats made")
    (entry,) = _new_entries(case, before)
    assert label(entry) == ("cases.case", "update")
    assert entry.actor == people.asb_coordinator
    assert entry.changes["risk"] == ["standard", "high"]
    assert entry.changes["version"] == [1, 2]
    assert set(entry.changes) == {"risk", "version", "updated_at"}


def test_a_refused_change_writes_no_audit_rows(people) -> None:
    case = raise_referral(people.officer, "asb").case
    before = LogEntry.objects.count()
    with pytest.raises(TransitionForbidden):
        case_set_risk(case_id=case.pk, risk="high", by=people.outsider, reason="No right")
    assert LogEntry.objects.count() == before
