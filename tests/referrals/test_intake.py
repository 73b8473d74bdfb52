"""Intake end to end: a referral, its people, its case and its first log row and event."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.apps import apps
from django.db import DatabaseError
from django.utils import timezone

from cases.duties import FGM_DUTY_BASIS
from cases.models import Case, CaseAgency, PersonalDuty, Subject, SupportNeed
from notifications.models import OutboxEvent
from notifications.services import FORBIDDEN_DATA_KEYS
from partners.models import Agency
from referrals import services
from referrals.models import Referral, RoutingRule
from referrals.services import referral_raise
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import WARD, dash, payload, raise_referral
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db


def _rows() -> dict[str, int]:
    """Row count of every table the project's models (and auditlog's) write."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


@pytest.mark.parametrize(
    ("kind", "prefix", "lead", "roles"),
    [
        ("asb", "ASB-", "council-asb", ["complainant"]),
        ("vawg", "VAWG-", "victim-services", ["victim", "perpetrator"]),
        ("early_release", "ERO-", "probation", ["offender"]),
    ],
)
def test_each_kind_raises_one_referral_with_its_case_people_log_and_event(
    people, kind: str, prefix: str, lead: str, roles: list[str]
) -> None:
    before = timezone.now()
    referral = raise_referral(people.officer, kind)

    assert Referral.objects.count() == Case.objects.count() == 1
    case = referral.case
    assert referral.reference.startswith(f"REF-{before.year}-")
    assert case.reference.startswith(prefix)
    assert (referral.kind, case.kind, case.category) == (kind, kind, payload(kind)["category"])
    assert referral.raised_by == case.opened_by == people.officer
    assert referral.raising_agency.code == "kestrel-police"
    assert case.ward.code == referral.ward.code == WARD
    assert case.responsible_agency.code == lead
    assert referral.occurred_at < before <= referral.created_at == case.opened_at

    assert [s.role for s in Subject.objects.filter(case=case)] == roles
    assert set(referral.subjects.values_list("role", flat=True)) == set(roles)
    assert set(CaseAgency.objects.filter(case=case).values_list("agency__code", "role")) == {
        (lead, "lead"),
        ("kestrel-police", "referrer"),
    }

    log = TransitionLog.objects.get(case=case)
    assert (log.seq, log.transition, log.source, log.target) == (1, "open", "", case.state)
    assert log.actor == people.officer
    assert log.actor_agency.code == "kestrel-police"  # type: ignore[union-attr]
    assert log.data["responsible_agency"] == lead
    assert log.prev_hash == ""
    assert len(log.hash) == 64

    event = OutboxEvent.objects.get(type="referral.raised")
    assert event.case == case
    assert event.case_reference == case.reference
    assert event.kind == kind
    assert event.data == {
        "referral": referral.reference,
        "category": case.category,
        "joined_existing_case": False,
    }
    assert set(event.agencies) == {lead, "kestrel-police"}
    assert not FORBIDDEN_DATA_KEYS & set(event.data)


def test_vawg_intake_keeps_dash_and_safe_contact_and_sets_risk(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    assert case.risk == "high"
    assert case.details["dash"] == dash(15)
    assert case.details["dash_score"] == 15
    assert case.details["victim_age"] == 34
    victim = Subject.objects.get(case=case, role="victim")
    assert victim.safe_contact == {"safe_to_call": True, "safe_times": "weekdays 10-12"}
    assert victim.age == 34


def test_early_release_intake_records_identifiers_needs_and_release_date(people) -> None:
    referral = raise_referral(people.officer, "early_release")
    case = referral.case
    offender = Subject.objects.get(case=case)
    assert offender.identifiers == {
        "prison_number": "A1234BC",
        "probation_case_reference": "X123456",
    }
    assert offender.date_of_birth == date(1990, 4, 1)
    assert "prison_number" not in case.details
    assert case.details == {"release_scheme": "sds40", "mappa_category": 2, "mappa_level": 1}
    assert case.expected_release_date == timezone.localdate() + timedelta(days=10)
    need = SupportNeed.objects.get(case=case)
    assert (need.need, need.status, need.agency) == (
        "accommodation",
        "identified",
        Agency.objects.get(code="housing"),
    )
    assert referral.details["needs"] == [
        {"need": "accommodation", "status": "identified", "agency": "housing", "notes": ""}
    ]


def test_asb_intake_records_vulnerability_as_medium_risk(people) -> None:
    details = {"victim_vulnerable": True, "repeat_incident": False, "vulnerability_notes": "80"}
    case = raise_referral(people.officer, "asb", details=details).case
    assert case.risk == "medium"
    assert case.details == {**details, "asb_type": "nuisance"}


@pytest.mark.django_db(transaction=True)
def test_joining_a_case_the_user_cannot_see_writes_nothing(people) -> None:
    hidden = raise_referral(people.officer, "asb").case
    before = _rows()
    with pytest.raises(ReferralInvalid) as exc:
        raise_referral(people.outsider, "asb", join_case=hidden.pk)
    assert exc.value.errors == {
        "join_case": "No open case of this kind that you can see has that id."
    }
    assert _rows() == before


@pytest.mark.django_db(transaction=True)
def test_a_failure_after_the_case_is_written_rolls_back_every_row(people) -> None:
    before = _rows()
    # The last step of intake fails after the case, people, referral, log and event exist.
    with (
        mock.patch.object(
            services, "_check_case_review", autospec=True, side_effect=DatabaseError("lost")
        ),
        pytest.raises(DatabaseError),
    ):
        raise_referral(people.officer, "asb")
    # Only the reference counters moved: references are reserved in a transaction of their
    # own before the intake's (workflows.references.references_reserve), and never reused.
    counters = "cases.ReferenceCounter"
    after = _rows()
    assert {**after, counters: 0} == {**before, counters: 0}
    year = timezone.localdate().year
    referral = raise_referral(people.officer, "asb")
    assert (referral.reference, referral.case.reference) == (
        f"REF-{year}-000002",
        f"ASB-{year}-000002",
    )


@pytest.mark.django_db(transaction=True)
def test_no_agency_to_route_to_is_an_error_that_writes_nothing(people) -> None:
    RoutingRule.objects.all().delete()
    Agency.objects.filter(kind="probation").update(is_active=False)
    before = _rows()
    with pytest.raises(ReferralInvalid) as exc:
        raise_referral(people.officer, "early_release")
    assert exc.value.errors == {"category": "No agency is set up to receive this referral."}
    assert _rows() == before


def test_a_user_with_no_agency_cannot_raise_a_referral(people) -> None:
    from django.contrib.auth.models import User

    loner = User.objects.create_user(username="loner")
    with pytest.raises(ReferralInvalid) as exc:
        referral_raise(clean=validate_referral(payload("asb")), raised_by=loner)
    assert exc.value.errors == {"raised_by": "You must belong to an agency to raise a referral."}
    assert not Case.objects.exists()


def _fgm(age: Any, known: bool, *, found: str = "") -> dict[str, Any]:
    details: dict[str, Any] = {"fgm_known": known}
    if known:
        details["fgm_discovered_on"] = found or timezone.localdate().isoformat()
        details["fgm_discovered_how"] = "disclosed"
    if age is not None:
        details["victim_age"] = age
    return {
        "category": "fgm",
        "subjects": [{"role": "victim", "full_name": "Girl Victim"}],
        "details": details,
    }


def _owed_by(case: Case) -> list[int]:
    return list(PersonalDuty.objects.filter(case=case).values_list("owed_by_id", flat=True))


def test_known_fgm_in_a_girl_under_18_records_the_referrers_personal_duty(people) -> None:
    referral = raise_referral(people.nurse, "vawg", **_fgm(15, True))
    case = referral.case
    duty = PersonalDuty.objects.get(case=case)
    assert (duty.owed_by, duty.basis, duty.referral) == (
        people.nurse,
        FGM_DUTY_BASIS,
        referral.reference,
    )
    assert (duty.profession, duty.discovered_on, duty.discovered_how, duty.age_at_discovery) == (
        "healthcare",
        timezone.localdate(),
        "disclosed",
        15,
    )
    assert "fgm_mandatory_report" not in case.details
    log = TransitionLog.objects.get(case=case, transition="record_fgm_duty")
    assert (log.seq, log.actor, log.source, log.target) == (
        2,
        people.nurse,
        "reported",
        "reported",
    )
    assert log.actor_agency == Agency.objects.get(code="public-health")
    assert log.data == {
        "duty": duty.pk,
        "owed_by": people.nurse.pk,
        "discovered_on": timezone.localdate().isoformat(),
    }
    assert log.prev_hash == TransitionLog.objects.get(case=case, seq=1).hash
    event = OutboxEvent.objects.get(type="duty.recorded")
    assert (event.case, event.data, event.actor_id) == (
        case,
        {"duty": "fgm_mandatory_report", "id": duty.pk},
        people.nurse.pk,
    )


def _staff_of(kind: str) -> Any:
    """A case worker at a new agency of ``kind``."""
    from partners.models import Role
    from tests.factories import AgencyFactory, member

    return member(Role.CASE_WORKER, agency=AgencyFactory.create(code=f"test-{kind}", kind=kind))


@pytest.mark.parametrize("kind", ["health", "education", "social_care"])
def test_regulated_health_social_care_and_teaching_staff_owe_the_duty(people, kind: str) -> None:
    referrer = _staff_of(kind)
    case = raise_referral(referrer, "vawg", **_fgm(15, True)).case
    assert _owed_by(case) == [referrer.pk]
    assert TransitionLog.objects.filter(case=case, transition="record_fgm_duty").exists()


@pytest.mark.parametrize(
    "kind", ["police", "council", "victim_services", "housing", "probation", "fire", "other"]
)
def test_other_referrers_raise_known_fgm_for_safeguarding_without_a_personal_duty(
    people, kind: str
) -> None:
    # The police receive such reports; the council's ASB or licensing teams, IDVAs, housing,
    # probation and fire are not regulated professions under s5B.
    referrer = _staff_of(kind)
    referral = raise_referral(referrer, "vawg", **_fgm(15, True))
    case = referral.case
    # Under 16: child protection, led by children's social care (Domestic Abuse Act 2021 s1).
    assert (case.state, case.responsible_agency.code) == ("reported", "childrens-social-care")
    assert case.details["fgm_known"] is True
    assert _owed_by(case) == []
    assert not TransitionLog.objects.filter(case=case, transition="record_fgm_duty").exists()
    assert not OutboxEvent.objects.filter(type="duty.recorded").exists()
    assert sorted(e.type for e in OutboxEvent.objects.filter(case=case)) == [
        "case.child_safeguarding_referred",
        "referral.raised",
    ]


def test_a_police_officer_who_learns_of_fgm_in_a_girl_owes_no_personal_duty(people) -> None:
    case = raise_referral(people.officer, "vawg", **_fgm(15, True)).case
    assert _owed_by(case) == []
    assert not TransitionLog.objects.filter(case=case, transition="record_fgm_duty").exists()
    assert not case.deadlines.filter(policy__code__startswith="vawg_fgm").exists()


@pytest.mark.parametrize(
    ("age", "known"), [(18, True), (34, True), (15, False)], ids=["18", "adult", "suspected"]
)
def test_an_adult_or_suspected_fgm_case_records_no_mandatory_duty(
    people, age: int, known: bool
) -> None:
    case = raise_referral(people.nurse, "vawg", **_fgm(age, known)).case
    assert case.details["fgm_known"] is known
    assert _owed_by(case) == []
    assert not TransitionLog.objects.filter(case=case, transition="record_fgm_duty").exists()
    assert not OutboxEvent.objects.filter(type="duty.recorded").exists()


def test_fgm_age_is_taken_from_the_victims_date_of_birth(people) -> None:
    overrides = _fgm(None, True, found="2026-11-28")
    overrides["subjects"] = [{"role": "victim", "full_name": "Girl", "date_of_birth": "2008-11-29"}]
    with time_machine.travel("2026-11-28T12:00:00+00:00", tick=False):
        case = raise_referral(people.nurse, "vawg", **overrides).case
    assert case.details["victim_age"] == 17  # 18 tomorrow: the duty still applies today
    assert _owed_by(case) == [people.nurse.pk]


def test_the_duty_turns_on_her_age_when_discovered_not_when_referred(people) -> None:
    # FGM Act 2003 s5B(1): "a girl who is aged under 18" when the professional discovers it.
    # Born 29 Nov 2008: 17 when the nurse saw the signs on 28 Nov 2026, 18 when she refers.
    overrides = _fgm(None, True, found="2026-11-28")
    overrides["subjects"] = [{"role": "victim", "full_name": "Girl", "date_of_birth": "2008-11-29"}]
    with time_machine.travel("2026-12-02T12:00:00+00:00", tick=False):
        case = raise_referral(people.nurse, "vawg", **overrides).case
    assert case.details["fgm_age_at_discovery"] == 17
    duty = PersonalDuty.objects.get(case=case)
    assert (duty.age_at_discovery, str(duty.discovered_on)) == (17, "2026-11-28")


@pytest.mark.parametrize(
    ("found", "field", "message"),
    [
        ("", "details.fgm_discovered_on", "Give the date you first discovered the FGM."),
        ("2999-01-01", "details.fgm_discovered_on", "cannot be in the future"),
        ("2001-01-01", "details.fgm_discovered_on", "before her birth"),
    ],
)
def test_known_fgm_needs_a_real_discovery_date(
    people, found: str, field: str, message: str
) -> None:
    # s5B(5)(c): the month runs from the discovery, so known FGM must say when it was.
    overrides = _fgm(15, True)
    overrides["subjects"] = [{"role": "victim", "full_name": "Girl", "date_of_birth": "2010-05-01"}]
    if found:
        overrides["details"]["fgm_discovered_on"] = found
    else:
        overrides["details"].pop("fgm_discovered_on")
    with pytest.raises(ReferralInvalid) as exc:
        validate_referral(payload("vawg", **overrides))
    assert message in exc.value.errors[field]
    assert not PersonalDuty.objects.exists()


def test_a_second_professional_joining_the_case_owes_her_own_duty(people) -> None:
    # The duty is personal (s5B): a teacher's referral about the same girl, joined to the
    # nurse's case, records the teacher's own duty instead of overwriting the nurse's.
    nurse_case = raise_referral(people.nurse, "vawg", **_fgm(15, True)).case
    from partners.models import Role
    from tests.factories import AgencyFactory, member

    school = AgencyFactory.create(code="test-school", kind="education")
    # The school's designated safeguarding lead, whose school takes part in the case.
    teacher = member(Role.SAFEGUARDING_LEAD, agency=school)
    CaseAgency.objects.create(
        case=nurse_case, agency=school, role="participant", added_at=timezone.now()
    )
    joined = raise_referral(teacher, "vawg", join_case=nurse_case.pk, **_fgm(15, True))
    assert joined.case == nurse_case
    assert sorted(_owed_by(nurse_case)) == sorted([people.nurse.pk, teacher.pk])
