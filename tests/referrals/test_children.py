"""Children in VAWG referrals (issue 13, item 3): child subjects, the children in the
household, the victim's age, and where a child victim's case goes.

Sources: Domestic Abuse Act 2021 s1 (domestic abuse is between people aged 16 or over) and
s3 (a child who sees, hears or experiences its effects is a victim); Children Act 1989 s105
(a child is under 18) and s47 (child protection enquiries); Working Together to Safeguard
Children 2023 (children's social care decides within one working day of a referral).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case, CaseAgency, CaseAgencyRole, Subject
from partners.models import Agency
from referrals.validation import ReferralInvalid, validate_referral
from tests.personas import fgm_found_today, payload, raise_referral
from tests.security.conftest import api_client, page_client
from workflows.actions import case_child_safeguarding_refer, case_milestone_record
from workflows.errors import TransitionForbidden
from workflows.models import Deadline, DeadlineStatus, TransitionLog
from workflows.sla import seed_sla_policies

pytestmark = pytest.mark.django_db

CHILD_DECISION = "vawg_child_safeguarding_decision"


@pytest.fixture(autouse=True)
def _sla_policies(db: None) -> None:
    # A transactional test elsewhere flushes the policies the migrations seeded.
    seed_sla_policies()


def _victim(age: int | None = None, **extra: Any) -> dict[str, Any]:
    victim: dict[str, Any] = {"role": "victim", "full_name": "Tia Young", **extra}
    if age is not None:
        victim["age"] = age
    return victim


def _errors(**overrides: Any) -> dict[str, str]:
    with pytest.raises(ReferralInvalid) as caught:
        validate_referral(payload("vawg", **overrides))
    return caught.value.errors


def _links(case: Case) -> set[tuple[str, str]]:
    return set(CaseAgency.objects.filter(case=case).values_list("agency__code", "role"))


# --- The shape: child subjects and the children in the household ------------------------


def test_a_child_is_a_subject_of_a_vawg_referral_with_age_and_school(people: Any) -> None:
    # Domestic Abuse Act 2021 s3: a child in the household is a victim in their own right.
    referral = raise_referral(
        people.officer,
        "vawg",
        subjects=[
            _victim(34),
            {"role": "child", "full_name": "Sam Young", "age": 7, "school": "Brookmead Primary"},
            {"role": "child", "full_name": "Lily Young", "date_of_birth": "2022-03-01"},
        ],
        details={"children_in_household": True},
    )
    children = Subject.objects.filter(case=referral.case, role="child").order_by("pk")
    assert [(c.full_name, c.age, c.school) for c in children] == [
        ("Sam Young", 7, "Brookmead Primary"),
        ("Lily Young", None, ""),
    ]
    # A child is withheld from the other party unless the referrer says otherwise.
    assert all(c.withhold_from_other_party for c in children)
    assert referral.case.details["children_count"] == 2


@pytest.mark.parametrize(
    ("subjects", "details", "path"),
    [
        # A yes with neither a count nor a child named says nothing anyone can act on.
        ([_victim(30)], {"children_in_household": True}, "details.children_count"),
        (
            [_victim(30), {"role": "child", "full_name": "A Child", "age": 4}],
            {"children_in_household": False},
            "details.children_in_household",
        ),
        (
            [
                _victim(30),
                {"role": "child", "full_name": "A Child", "age": 4},
                {"role": "child", "full_name": "B Child", "age": 6},
            ],
            {"children_in_household": True, "children_count": 1},
            "details.children_count",
        ),
        ([_victim(30), {"role": "child", "full_name": "No Age"}], {}, "subjects[1].age"),
        # Children Act 1989 s105: a child is under 18.
        ([_victim(30), {"role": "child", "full_name": "Grown", "age": 18}], {}, "subjects[1].age"),
        (
            [_victim(30, school="Brookmead Primary")],
            {},
            "subjects[0].school",
        ),
        (
            [_victim(30)],
            {"children_in_household": True, "children_count": 0},
            "details.children_count",
        ),
    ],
    ids=[
        "yes-without-count-or-child",
        "no-with-a-child",
        "count-below-children-named",
        "child-without-age",
        "child-aged-18",
        "school-on-a-victim",
        "count-zero",
    ],
)
def test_children_in_the_household_are_checked_field_by_field(
    people: Any, subjects: list[dict[str, Any]], details: dict[str, Any], path: str
) -> None:
    assert path in _errors(subjects=subjects, details=details)


def test_a_count_alone_answers_yes(people: Any) -> None:
    clean = validate_referral(
        payload("vawg", details={"children_in_household": True, "children_count": 3})
    )
    assert clean.details["children_count"] == 3
    assert clean.details["children_in_household"] is True


def test_a_child_is_not_a_subject_of_an_asb_referral(people: Any) -> None:
    with pytest.raises(ReferralInvalid) as caught:
        validate_referral(
            payload("asb", subjects=[{"role": "child", "full_name": "A Child", "age": 5}])
        )
    assert "subjects[0].role" in caught.value.errors


def test_victim_age_and_date_of_birth_that_disagree_are_refused_naming_the_field(
    people: Any,
) -> None:
    # The age decides who leads (under 16: children's social care, Domestic Abuse Act 2021
    # s1), so two answers that disagree are sent back, not guessed between.
    born = (timezone.localdate() - timedelta(days=365 * 14 + 30)).isoformat()
    errors = _errors(subjects=[_victim(date_of_birth=born)], details={"victim_age": 19})
    assert "details.victim_age" in errors
    assert "subjects[0].date_of_birth" in errors["details.victim_age"]
    errors = _errors(subjects=[_victim(17)], details={"victim_age": 15})
    assert "details.victim_age" in errors
    assert "subjects[0].age" in errors["details.victim_age"]
    # Agreeing answers are accepted.
    assert (
        validate_referral(
            payload("vawg", subjects=[_victim(15)], details={"victim_age": 15})
        ).details["victim_age"]
        == 15
    )


def test_the_api_refuses_a_bad_child_with_a_400_naming_the_field(people: Any) -> None:
    body = payload(
        "vawg",
        subjects=[_victim(30), {"role": "child", "full_name": "A Child"}],
        details={"children_in_household": True},
    )
    response = api_client(people.officer).post("/api/v1/referrals/", body, format="json")
    assert response.status_code == 400
    assert "subjects[1].age" in response.content.decode()
    assert not Case.objects.exists()


def test_meta_and_openapi_follow_the_shape(people: Any) -> None:
    meta = api_client(people.officer).get("/api/v1/meta/").content.decode()
    assert "children_count" in meta
    assert '"child"' in meta
    assert "school" in meta
    schema = api_client(people.officer).get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert "school" in components["SubjectInputRequest"]["properties"]
    assert "child" in components["SubjectInputRoleEnum"]["enum"]
    assert "school" in components["Subject"]["properties"]
    assert "prompts" in components["CaseDetail"]["properties"]


# --- Under 16: child protection -----------------------------------------------------------


@pytest.mark.parametrize("given", ["age", "date_of_birth", "victim_age"])
def test_an_under_16_victim_is_led_by_childrens_social_care_with_the_police_taking_part(
    people: Any, given: str
) -> None:
    # Domestic Abuse Act 2021 s1: under 16 is child protection, not domestic abuse: children's
    # social care and the police (Children Act 1989 s47; Working Together 2023).
    victim = _victim()
    details: dict[str, Any] = {}
    if given == "age":
        victim["age"] = 12
    elif given == "date_of_birth":
        victim["date_of_birth"] = date(timezone.localdate().year - 13, 1, 1).isoformat()
    else:
        details["victim_age"] = 12
    case = raise_referral(people.nurse, "vawg", subjects=[victim], details=details).case

    assert case.responsible_agency.code == "childrens-social-care"
    assert ("kestrel-police", CaseAgencyRole.PARTICIPANT) in _links(case)
    assert not any(code == "victim-services" for code, _ in _links(case))
    deadline = Deadline.objects.get(case=case, policy__code=CHILD_DECISION)
    assert deadline.responsible_agency.code == "childrens-social-care"
    assert deadline.status == DeadlineStatus.OPEN
    assert case.details["child_safeguarding"]["grounds"] == ["under_16"]


def test_an_under_16_referral_with_no_childrens_social_care_is_refused_writing_nothing(
    people: Any,
) -> None:
    Agency.objects.filter(code="childrens-social-care").update(is_active=False)
    with pytest.raises(ReferralInvalid) as caught:
        raise_referral(people.officer, "vawg", subjects=[_victim(11)])
    assert "category" in caught.value.errors
    assert not Case.objects.exists()


def test_the_decision_clock_is_due_within_one_working_day(people: Any) -> None:
    # Working Together to Safeguard Children 2023: a decision within one working day.
    case = raise_referral(people.officer, "vawg", subjects=[_victim(16)]).case
    deadline = Deadline.objects.get(case=case, policy__code=CHILD_DECISION)
    assert deadline.due_at - deadline.started_at <= timedelta(days=5)  # a weekend at most
    assert deadline.due_at > deadline.started_at


# --- 16 or 17: the DA pathway plus children's social care -------------------------------


def test_a_16_or_17_year_old_stays_with_the_idva_service_and_childrens_social_care_joins(
    people: Any,
) -> None:
    # Domestic Abuse Act 2021 s1: 16+ is domestic abuse; Children Act 1989 s105: still a child.
    case = raise_referral(people.officer, "vawg", subjects=[_victim(17)]).case
    assert case.responsible_agency.code == "victim-services"
    assert ("childrens-social-care", CaseAgencyRole.PARTICIPANT) in _links(case)
    assert ("kestrel-police", CaseAgencyRole.PARTICIPANT) not in _links(case)
    deadline = Deadline.objects.get(case=case, policy__code=CHILD_DECISION)
    assert deadline.responsible_agency.code == "childrens-social-care"

    # Only children's social care records its decision; the IDVA, who leads, may not.
    with pytest.raises(TransitionForbidden):
        case_milestone_record(
            case_id=case.pk, milestone="child_safeguarding_decided", by=people.idva, reason="x"
        )
    case_milestone_record(
        case_id=case.pk,
        milestone="child_safeguarding_decided",
        by=people.social_worker,
        reason="Section 17 assessment opened",
    )
    deadline.refresh_from_db()
    assert (deadline.status, deadline.met_by) == (DeadlineStatus.MET, "child_safeguarding_decided")


def test_an_adult_victim_is_not_referred_to_childrens_social_care(people: Any) -> None:
    case = raise_referral(people.officer, "vawg", subjects=[_victim(18)]).case
    assert not any(code == "childrens-social-care" for code, _ in _links(case))
    assert not Deadline.objects.filter(case=case, policy__code=CHILD_DECISION).exists()
    assert "child_safeguarding" not in case.details


# --- FGM and forced marriage of a child ---------------------------------------------------


@pytest.mark.parametrize(
    ("category", "extra", "order"),
    [
        ("fgm", {"fgm_known": False}, "fgm_protection_order"),  # FGM Act 2003 s5A, Sch 2
        ("forced_marriage", {}, "forced_marriage_protection_order"),  # FLA 1996 Part 4A
    ],
)
def test_a_harmful_practice_against_a_child_asks_childrens_social_care_to_consider_an_order(
    people: Any, category: str, extra: dict[str, Any], order: str
) -> None:
    case = raise_referral(
        people.officer,
        "vawg",
        category=category,
        subjects=[_victim(17)],
        details={"victim_age": 17, **extra},
    ).case
    assert ("childrens-social-care", CaseAgencyRole.PARTICIPANT) in _links(case)
    assert Deadline.objects.filter(case=case, policy__code=CHILD_DECISION).exists()
    assert case.details["protection_order"]["order"] == order

    social = api_client(people.social_worker)
    prompts = social.get(f"/api/v1/cases/{case.pk}/").json()["prompts"]
    asked = next(p for p in prompts if p["code"] == "protection_order")
    assert (asked["done"], asked["answered_by"]) == (
        False,
        ["protection_order_applied", "protection_order_not_applied"],
    )
    response = social.post(
        f"/api/v1/cases/{case.pk}/milestones/",
        {"milestone": "protection_order_not_applied", "reason": "Family engaging; reviewed"},
    )
    assert response.status_code == 200, response.content
    asked = next(p for p in response.json()["prompts"] if p["code"] == "protection_order")
    assert (asked["done"], asked["outcome"]) == (True, "protection_order_not_applied")
    page = page_client(people.social_worker).get(f"/cases/{case.reference}/").content.decode()
    assert "Consider applying for an" in page
    assert "Protection order considered: not applied for" in page  # recorded, with its time
    log = TransitionLog.objects.get(case=case, transition="protection_order_not_applied")
    assert log.actor == people.social_worker
    # The lead (the IDVA service) does not apply for the order: the local authority does.
    refused = api_client(people.idva).post(
        f"/api/v1/cases/{case.pk}/milestones/",
        {"milestone": "protection_order_applied", "reason": "x"},
    )
    assert refused.status_code == 403


def test_an_adult_fgm_case_asks_for_no_order(people: Any) -> None:
    case = raise_referral(
        people.officer,
        "vawg",
        category="fgm",
        subjects=[_victim(30)],
        details={"victim_age": 30, "fgm_known": True, **fgm_found_today()},
    ).case
    assert "protection_order" not in case.details
    assert api_client(people.idva).get(f"/api/v1/cases/{case.pk}/").json()["prompts"] == []


def test_the_trigger_can_be_called_when_fgm_is_found_on_an_open_case(people: Any) -> None:
    """The lead's FGM work calls this when FGM is discovered on an existing case."""
    case = raise_referral(
        people.officer,
        "vawg",
        category="fgm",
        subjects=[_victim()],
        details={"fgm_known": False, "victim_age": 30},
    ).case
    assert "child_safeguarding" not in case.details
    now = timezone.now()
    grounds = case_child_safeguarding_refer(
        case=case, victim_age=14, by=people.idva, agency=case.responsible_agency, now=now
    )
    assert grounds == ["under_16", "fgm"]
    case.refresh_from_db()
    assert case.details["protection_order"]["order"] == "fgm_protection_order"
    assert {("childrens-social-care", "participant"), ("kestrel-police", "referrer")} <= _links(
        case
    )
    seq = TransitionLog.objects.filter(case=case).count()
    # Again: nothing new to record, nothing written.
    assert case_child_safeguarding_refer(
        case=case, victim_age=14, by=people.idva, agency=case.responsible_agency, now=now
    ) == ["under_16", "fgm"]
    assert TransitionLog.objects.filter(case=case).count() == seq
