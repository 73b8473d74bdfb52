"""Possible duplicates: open cases of the same kind about the same person or place."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case, CaseAgency, Subject
from notifications.models import OutboxEvent
from referrals.models import Referral
from referrals.selectors import possible_duplicates
from referrals.validation import validate_referral
from tests.personas import OTHER_WARD, payload, raise_referral
from tests.workflows.flows import step
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db


def _dupes(kind: str = "asb", **overrides: Any) -> list[Case]:
    return list(possible_duplicates(clean=validate_referral(payload(kind, **overrides))))


def _elsewhere(name: str) -> dict[str, Any]:
    return {
        "location_text": "1 Elsewhere Lane",
        "subjects": [{"role": "victim", "full_name": name}],
    }


def test_a_subject_with_the_same_name_is_a_possible_duplicate(people) -> None:
    case = raise_referral(people.officer, "asb").case  # complainant "Jane Resident"
    assert _dupes(**_elsewhere("  jane   RESIDENT. ")) == [case]
    assert _dupes(**_elsewhere("Janet Resident")) == []


def test_the_same_place_in_the_same_ward_is_a_possible_duplicate(people) -> None:
    case = raise_referral(people.officer, "asb").case  # "14 Quay Street"
    others: dict[str, Any] = {"subjects": [{"role": "victim", "full_name": "Someone Else"}]}
    assert _dupes(location_text="14, quay street", **others) == [case]
    assert _dupes(location_text="14 Quay Street", ward=OTHER_WARD, **others) == []
    assert _dupes(location_text="15 Quay Street", **others) == []


def test_the_same_postcode_is_a_possible_duplicate(people) -> None:
    case = raise_referral(people.officer, "asb", postcode="KV1 2AB").case
    assert _dupes(postcode="kv1 2ab", **_elsewhere("Someone Else")) == [case]


def test_closed_cases_and_cases_of_other_kinds_are_not_duplicates(people) -> None:
    case = raise_referral(people.officer, "asb").case
    vawg_victim = {"subjects": [{"role": "victim", "full_name": "Jane Resident", "age": 30}]}
    assert _dupes("vawg", **vawg_victim) == []
    step(case, "no_further_action", people.asb_coordinator)
    assert _dupes() == []


def test_newest_possible_duplicate_comes_first_and_each_once(people) -> None:
    older = raise_referral(people.officer, "asb").case
    newer = raise_referral(people.officer, "asb").case
    assert _dupes() == [newer, older]  # matched by both name and place, listed once


def test_joining_a_confirmed_duplicate_adds_the_referral_to_the_existing_case(people) -> None:
    case = raise_referral(people.officer, "asb").case
    second = raise_referral(
        people.asb_coordinator,
        "asb",
        join_case=case.pk,
        subjects=[{"role": "witness", "full_name": "Wendy Witness"}],
    )
    assert second.case == case
    assert Case.objects.count() == 1
    assert Referral.objects.filter(case=case).count() == 2
    assert set(Subject.objects.filter(case=case).values_list("full_name", flat=True)) == {
        "Jane Resident",
        "Wendy Witness",
    }
    case.refresh_from_db()
    assert (case.state, case.version) == ("reported", 2)
    # The coordinator's agency already leads: no second row for it.
    assert set(CaseAgency.objects.filter(case=case).values_list("agency__code", "role")) == {
        ("council-asb", "lead"),
        ("kestrel-police", "referrer"),
    }
    events = OutboxEvent.objects.filter(type="referral.raised", case=case).order_by("occurred_at")
    assert [e.data["joined_existing_case"] for e in events] == [False, True]
    # No state changed; the join is on the case's chain beside the opening.
    assert list(TransitionLog.objects.filter(case=case).values_list("transition", flat=True)) == [
        "open",
        "referral_joined",
    ]


@pytest.mark.parametrize(
    "why", ["closed", "other-kind", "unknown-id"], ids=["closed", "other-kind", "unknown-id"]
)
def test_a_referral_cannot_join_a_closed_or_foreign_case(people, why: str) -> None:
    from referrals.validation import ReferralInvalid

    case = raise_referral(people.officer, "asb").case
    if why == "closed":
        step(case, "no_further_action", people.asb_coordinator)
    target = {"closed": case.pk, "other-kind": case.pk, "unknown-id": case.pk + 999}[why]
    kind = "vawg" if why == "other-kind" else "asb"
    with pytest.raises(ReferralInvalid) as exc:
        raise_referral(people.officer, kind, join_case=target)
    assert set(exc.value.errors) == {"join_case"}
    assert Referral.objects.count() == 1
