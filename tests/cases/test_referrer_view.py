"""A second referrer whose referral joined someone else's case follows it as the case's
opener does: the referrer's view (in full, or for a VAWG case its outline), no more, and
whatever agency they are in later; and the join is on the case's hash-chained log."""

from __future__ import annotations

from importlib import import_module
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User

from cases.access import Visibility, case_visibility
from cases.models import Case, CaseReferrer
from partners.models import Agency, Membership, Role
from tests.personas import raise_referral
from workflows.chain import link_hash, transition_fields
from workflows.models import TransitionLog

pytestmark = pytest.mark.django_db


def move_to(user: User, agency_code: str, role: str = Role.OFFICER) -> User:
    """``user`` leaves their agency for another (a fresh object: memberships are cached)."""
    Membership.objects.filter(user=user).delete()
    Membership.objects.create(user=user, agency=Agency.objects.get(code=agency_code), role=role)
    return User.objects.get(pk=user.pk)


def test_a_second_referrer_from_another_agency_sees_the_case_their_referral_joined(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case  # the police refer, the council leads
    joined = raise_referral(
        people.asb_coordinator, "asb", join_case=case.pk, location_text="Outside no. 14"
    )
    assert joined.case == case
    assert case_visibility(people.asb_coordinator, case) is Visibility.FULL
    assert case_visibility(people.officer, case) is Visibility.FULL


def test_the_referrer_link_is_personal_and_outlasts_the_agency_they_referred_for(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    raise_referral(people.asb_coordinator, "asb", join_case=case.pk, location_text="No. 14")
    # Both referrers move on; the opener has always kept their view, and so does the other.
    officer = move_to(people.officer, "housing", Role.CASE_WORKER)
    coordinator = move_to(people.asb_coordinator, "fire-rescue")
    assert case_visibility(officer, case) is Visibility.FULL
    assert case_visibility(coordinator, case) is Visibility.FULL
    assert case in Case.objects.for_user(coordinator)
    # Their new colleagues did not refer it and see nothing.
    assert case_visibility(people.outsider, case) is Visibility.NONE
    assert case_visibility(people.caseworker, case) is Visibility.NONE


def test_a_second_referrer_of_a_vawg_case_gets_the_outline_as_its_opener_does_no_more(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "vawg").case  # the IDVA service leads
    raise_referral(
        people.idva,
        "vawg",
        join_case=case.pk,
        subjects=[{"role": "victim", "full_name": "Alice Victim", "age": 34}],
    )
    assert case_visibility(people.idva, case) is Visibility.FULL  # as the lead's IDVA
    idva = move_to(people.idva, "housing", Role.CASE_WORKER)
    assert case_visibility(idva, case) is Visibility.OUTLINE
    assert case_visibility(people.officer, case) is Visibility.OUTLINE
    assert case not in Case.objects.for_user_full(idva)


def test_every_referrer_of_a_case_is_linked_to_it_once(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    raise_referral(people.asb_coordinator, "asb", join_case=case.pk, location_text="No. 14")
    raise_referral(people.asb_coordinator, "asb", join_case=case.pk, location_text="No. 16")
    raise_referral(people.officer, "asb", join_case=case.pk, location_text="No. 18")
    assert sorted(
        CaseReferrer.objects.filter(case=case).values_list("user__username", flat=True)
    ) == [
        "asb_coordinator",
        "officer",
    ]


def test_joining_a_case_is_an_audited_entry_on_its_chain(people: Any) -> None:
    case = raise_referral(people.officer, "asb").case
    joined = raise_referral(
        people.asb_coordinator, "asb", join_case=case.pk, location_text="Outside no. 14"
    )
    log = TransitionLog.objects.get(case=case, transition="referral_joined")
    assert (log.seq, log.source, log.target) == (2, "reported", "reported")
    assert (log.actor, log.actor_agency) == (
        people.asb_coordinator,
        Agency.objects.get(code="council-asb"),
    )
    assert log.at == joined.created_at
    assert log.data == {"referral": joined.reference}
    assert joined.reference in log.reason
    opened = TransitionLog.objects.get(case=case, seq=1)
    assert log.prev_hash == opened.hash
    assert log.hash == link_hash(log.prev_hash, transition_fields(log))


def test_the_migration_links_the_referrers_of_cases_raised_before_the_links_existed(
    people: Any,
) -> None:
    case = raise_referral(people.officer, "asb").case
    raise_referral(people.asb_coordinator, "asb", join_case=case.pk, location_text="No. 14")
    other = raise_referral(people.idva, "vawg").case
    CaseReferrer.objects.all().delete()  # as a database migrated before them looks

    migration = import_module("referrals.migrations.0003_link_case_referrers")
    migration.link_referrers(apps, None)
    migration.link_referrers(apps, None)  # idempotent

    assert set(CaseReferrer.objects.values_list("case_id", "user__username")) == {
        (case.pk, "officer"),
        (case.pk, "asb_coordinator"),
        (other.pk, "idva"),
    }
