"""The lead agency decides who may be told who a person is (issue 13, item 9): one action,
``case_subject_disclosure_set``, called by the case page and the API alike."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from cases.audit import acting_as, system_user
from cases.models import Case, CaseAgency, CaseAgencyRole, Subject
from notifications.models import OutboxEvent
from partners.models import Agency
from tests.personas import raise_referral
from tests.security.conftest import api_client, page_client
from workflows.actions import case_subject_disclosure_set
from workflows.errors import InvalidTransitionData, TransitionForbidden
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db

COMPLAINANT = "Jane Resident"


def asb_case(people: Any) -> tuple[Case, Subject]:
    """The demo complaint about a tenant, whose landlord (housing) takes part."""
    subjects = [
        {"role": "complainant", "full_name": COMPLAINANT},
        {"role": "perpetrator", "full_name": "Tom Tenant"},
    ]
    case = raise_referral(people.officer, "asb", subjects=subjects).case
    with acting_as(system_user()):
        CaseAgency.objects.create(
            case=case,
            agency=Agency.objects.get(code="housing"),
            role=CaseAgencyRole.PARTICIPANT,
            added_at=case.opened_at,
        )
    return case, case.subjects.get(role="complainant")


def written(case: Case) -> tuple[int, int, int]:
    case.refresh_from_db()
    return (
        case.version,
        TransitionLog.objects.filter(case=case).count(),
        OutboxEvent.objects.filter(case=case).count(),
    )


def test_the_lead_discloses_a_complainant_who_agrees_with_a_logged_and_audited_change(
    people: Any,
) -> None:
    case, complainant = asb_case(people)
    assert complainant.withhold_from_other_party is True
    version, rows, events = written(case)

    case_subject_disclosure_set(
        case_id=case.pk,
        subject_id=complainant.pk,
        withhold=False,
        by=people.asb_coordinator,
        reason="She has agreed to be named to the housing provider",
    )

    complainant.refresh_from_db()
    assert complainant.withhold_from_other_party is False
    assert written(case) == (version + 1, rows + 1, events)  # no event: see the action
    log = TransitionLog.objects.filter(case=case).latest("seq")
    assert (log.transition, log.actor, log.data) == (
        "set_subject_disclosure",
        people.asb_coordinator,
        {"subject": complainant.pk, "withhold": False},
    )
    entry = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Subject), object_id=complainant.pk
    ).latest("pk")
    assert entry.action == LogEntry.Action.UPDATE
    assert entry.actor == people.asb_coordinator
    assert entry.changes == {"withhold_from_other_party": [True, False]}


@pytest.mark.parametrize("name", ["caseworker", "officer", "outsider"])
def test_only_the_lead_agency_decides_and_a_refusal_writes_nothing(people: Any, name: str) -> None:
    """Not the landlord taking part, not the raising agency, not a stranger."""
    case, complainant = asb_case(people)
    before = written(case)

    with pytest.raises(TransitionForbidden):
        case_subject_disclosure_set(
            case_id=case.pk,
            subject_id=complainant.pk,
            withhold=False,
            by=people.user(name),
            reason="Let us see who complained",
        )

    complainant.refresh_from_db()
    assert complainant.withhold_from_other_party is True
    assert written(case) == before


def test_a_vawg_victims_mark_is_never_lifted_even_by_the_lead(people: Any) -> None:
    case = raise_referral(people.officer, "vawg").case
    victim = case.subjects.get(role="victim")

    with pytest.raises(InvalidTransitionData) as refused:
        case_subject_disclosure_set(
            case_id=case.pk, subject_id=victim.pk, withhold=False, by=people.idva, reason="x"
        )

    assert refused.value.errors == {
        "withhold": "A VAWG victim is never disclosed to the other party."
    }
    victim.refresh_from_db()
    assert victim.withhold_from_other_party is True


def test_the_mark_a_person_already_has_writes_nothing_and_a_change_needs_a_reason(
    people: Any,
) -> None:
    case, complainant = asb_case(people)
    before = written(case)

    case_subject_disclosure_set(
        case_id=case.pk, subject_id=complainant.pk, withhold=True, by=people.manager, reason=""
    )
    assert written(case) == before
    with pytest.raises(InvalidTransitionData) as refused:
        case_subject_disclosure_set(
            case_id=case.pk, subject_id=complainant.pk, withhold=False, by=people.manager, reason=""
        )
    assert refused.value.errors == {"reason": "Give a reason for this change."}
    other = raise_referral(people.officer, "asb", summary="Another matter entirely.").case
    with pytest.raises(InvalidTransitionData) as refused:
        case_subject_disclosure_set(
            case_id=other.pk,
            subject_id=complainant.pk,
            withhold=False,
            by=people.manager,
            reason="x",
        )
    assert refused.value.errors == {"subject": "No such person on this case."}


def test_the_case_page_offers_the_change_to_the_lead_and_the_landlord_then_sees_the_name(
    people: Any,
) -> None:
    case, complainant = asb_case(people)
    lead, landlord = page_client(people.asb_coordinator), page_client(people.caseworker)
    url = f"/cases/{case.reference}/people/{complainant.pk}/disclosure/"

    assert url in lead.get(f"/cases/{case.reference}/").content.decode()
    assert url not in landlord.get(f"/cases/{case.reference}/").content.decode()
    assert landlord.get(url).status_code == 404  # a person they may not see
    assert "Who may be told who this person is" in lead.get(url).content.decode()
    blank = lead.post(url, {"withhold": "no", "reason": ""})
    assert "Enter the reason for this change" in blank.content.decode()
    done = lead.post(url, {"withhold": "no", "reason": "She has agreed to be named"})

    assert done.status_code == 302
    assert COMPLAINANT in landlord.get(f"/cases/{case.reference}/").content.decode()


def test_the_api_changes_it_for_the_lead_and_refuses_the_landlord(people: Any) -> None:
    case, complainant = asb_case(people)
    perpetrator = case.subjects.get(role="perpetrator")
    path = f"/api/v1/cases/{case.pk}/people/{{}}/disclosure/"
    body = {"withhold": True, "reason": "Risk of reprisals from his family"}

    hidden = api_client(people.caseworker).post(path.format(complainant.pk), body, format="json")
    refused = api_client(people.caseworker).post(path.format(perpetrator.pk), body, format="json")
    done = api_client(people.asb_coordinator).post(path.format(perpetrator.pk), body, format="json")

    assert hidden.status_code == 404
    assert refused.status_code == 403
    assert done.status_code == 200, done.content
    assert {s["role"]: s["do_not_disclose"] for s in done.json()["subjects"]} == {
        "complainant": True,
        "perpetrator": True,
    }
    landlord_view = api_client(people.caseworker).get(f"/api/v1/cases/{case.pk}/").json()
    assert {s["role"]: s["full_name"] for s in landlord_view["subjects"]} == {
        "complainant": None,
        "perpetrator": None,
    }
