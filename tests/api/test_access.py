"""Need-to-know: the rules predicates and the for_user() querysets agree, for every persona
and every demo case, and both match the rules written down in the issue."""

from __future__ import annotations

import pytest

from cases.access import (
    Visibility,
    audit_scope,
    can_raise_referrals,
    can_read_audit_trail,
    can_view_case,
    can_view_case_in_full,
    case_visibility,
)
from cases.models import Case
from tests.api.conftest import CASES, PERSONAS

pytestmark = pytest.mark.django_db

F, P, N = Visibility.FULL, Visibility.OUTLINE, Visibility.NONE  # full, partial, none
# The officer raised the two ASB cases and the VAWG case; probation raised early release.
EXPECTED = {
    #                  asb licensed vawg early_release
    "officer":         (F, F, P, N),
    "asb_coordinator": (F, N, N, N),
    "idva":            (N, N, F, N),
    "probation":       (N, N, N, F),
    "caseworker":      (N, N, N, N),
    "manager":         (F, N, N, N),
    "auditor":         (F, F, F, F),
    "outsider":        (N, N, N, N),
}  # fmt: skip


@pytest.mark.parametrize("persona", PERSONAS)
def test_predicates_and_querysets_agree_for_every_demo_case(demo, persona) -> None:
    user = demo.user(persona)
    visible = set(Case.objects.for_user(user).values_list("pk", flat=True))
    full = set(Case.objects.for_user_full(user).values_list("pk", flat=True))
    for name in CASES:
        case = demo.case(name)
        assert bool(can_view_case(user, case)) == (case.pk in visible), name
        assert bool(can_view_case_in_full(user, case)) == (case.pk in full), name


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_sees_exactly_what_the_rules_say(demo, persona) -> None:
    user = demo.user(persona)
    seen = tuple(case_visibility(user, demo.case(name)) for name in CASES)
    assert seen == EXPECTED[persona]


def test_vawg_in_full_only_for_safeguarding_leads_and_managers_of_taking_part_agencies(
    demo,
) -> None:
    from django.contrib.auth.models import User

    from partners.models import Agency, Membership, Role

    vawg = demo.case("vawg")
    victim_services = Agency.objects.get(code="victim-services")
    # A case worker at the lead agency does not see a VAWG case; a manager there does.
    Membership.objects.create(
        user=demo.user("caseworker"), agency=victim_services, role=Role.CASE_WORKER
    )
    Membership.objects.create(user=demo.user("outsider"), agency=victim_services, role=Role.MANAGER)
    assert case_visibility(User.objects.get(username="caseworker"), vawg) is N
    assert case_visibility(User.objects.get(username="outsider"), vawg) is F


def test_a_managers_audit_scope_is_their_agencys_cases_and_within_what_they_see(demo) -> None:
    manager = demo.user("manager")
    scope = set(audit_scope(manager).values_list("pk", flat=True))
    assert scope == {demo.case("asb").pk}
    assert scope <= set(Case.objects.for_user_full(manager).values_list("pk", flat=True))
    assert set(audit_scope(demo.user("auditor")).values_list("pk", flat=True)) == {
        demo.case(name).pk for name in CASES
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_auditors_may_not_raise_referrals_and_only_managers_and_auditors_read_audit(
    demo, persona
) -> None:
    user = demo.user(persona)
    assert bool(can_raise_referrals(user)) is (persona != "auditor")
    assert bool(can_read_audit_trail(user)) is (persona in {"manager", "auditor"})
