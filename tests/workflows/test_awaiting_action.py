"""The cases awaiting a user's action: the database's narrowing never hides one the state
machine would offer, and leaves out the cases it would not."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from cases.models import Case
from partners.models import Membership, Role
from tests.personas import raise_referral
from workflows.actions import case_transition
from workflows.machines import as_machine
from workflows.policy import available_transitions
from workflows.selectors import cases_awaiting_action

pytestmark = pytest.mark.django_db

PERSONAS = ("officer", "asb_coordinator", "idva", "probation", "caseworker", "manager", "auditor")


def _every_case_asked(user: object) -> dict[str, list[str]]:
    """The answer without narrowing: the machine asked about every open case the user sees."""
    found = {}
    for case in Case.objects.for_user(user).open():
        names = available_transitions(case=as_machine(case), user=user)
        if names:
            found[case.reference] = names
    return found


def test_the_narrowed_list_is_what_asking_the_machine_about_every_case_gives(people) -> None:
    call_command("seed_demo", verbosity=0)  # cases of every kind, in most states
    for name in PERSONAS:
        user = people.user(name)
        listed = {c.reference: names for c, names in cases_awaiting_action(user=user, limit=10_000)}
        assert listed == _every_case_asked(user), name


def test_the_assigned_officer_sees_their_case_without_a_working_role_at_the_lead(people) -> None:
    case = raise_referral(people.officer, "asb").case
    # A plain officer of the ASB team: no role there admits start_work; being assigned does.
    Membership.objects.create(
        user=people.caseworker, agency=case.responsible_agency, role=Role.OFFICER
    )
    case_transition(case_id=case.pk, name="triage", by=people.asb_coordinator, reason="t")
    case_transition(
        case_id=case.pk,
        name="assign",
        by=people.asb_coordinator,
        reason="a",
        data={"officer": "caseworker"},
    )
    listed = dict(cases_awaiting_action(user=people.caseworker))
    assert [c.reference for c in listed] == [case.reference]
    assert list(listed.values()) == [["start_work"]]
