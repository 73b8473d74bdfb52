"""Which agency leads a new case: routing rules, most specific first, then the default."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from partners.models import Agency, AgencyKind, Ward
from referrals.models import RoutingRule
from tests.factories import AgencyFactory
from tests.personas import OTHER_WARD, WARD, raise_referral

pytestmark = pytest.mark.django_db


def _lead(people, kind: str = "asb", **overrides: object) -> str:
    return raise_referral(people.officer, kind, **overrides).case.responsible_agency.code


def _agency(code: str, kind: str = AgencyKind.COUNCIL) -> Agency:
    agency: Agency = AgencyFactory.create(code=code, kind=kind)
    return agency


def test_licensed_premises_go_to_licensing_when_the_rule_exists(people) -> None:
    assert _lead(people, category="licensed_premises") == "council-licensing"
    assert _lead(people, category="noise") == "council-asb"


def test_without_a_rule_each_kind_goes_to_the_first_agency_of_its_default_kind(people) -> None:
    RoutingRule.objects.all().delete()
    assert _lead(people, category="licensed_premises") == "council-asb"
    assert _lead(people, "vawg") == "victim-services"
    assert _lead(people, "early_release") == "probation"
    Agency.objects.filter(code="council-asb").update(is_active=False)
    assert _lead(people, category="noise") == "council-licensing"


def test_a_ward_specific_rule_beats_a_category_only_rule(people) -> None:
    harbour = _agency("harbour-licensing")
    ward = Ward.objects.get(code=WARD)
    RoutingRule.objects.create(
        kind="asb", category="licensed_premises", ward=ward, agency=harbour, priority=50
    )
    assert _lead(people, category="licensed_premises") == "harbour-licensing"
    assert _lead(people, category="licensed_premises", ward=OTHER_WARD) == "council-licensing"


def test_a_category_rule_beats_a_ward_only_rule_and_a_kind_only_rule(people) -> None:
    ward = Ward.objects.get(code=WARD)
    RoutingRule.objects.create(kind="asb", ward=ward, agency=_agency("town-centre-team"))
    RoutingRule.objects.create(kind="asb", agency=_agency("asb-hub"))
    assert _lead(people, category="licensed_premises") == "council-licensing"
    assert _lead(people, category="noise") == "town-centre-team"
    assert _lead(people, category="noise", ward=OTHER_WARD) == "asb-hub"


def test_priority_breaks_ties_between_equally_specific_rules(people) -> None:
    RoutingRule.objects.create(kind="vawg", agency=_agency("team-later"), priority=20)
    RoutingRule.objects.create(kind="vawg", agency=_agency("team-first"), priority=10)
    assert _lead(people, "vawg") == "team-first"


def test_inactive_rules_and_rules_for_inactive_agencies_are_skipped(people) -> None:
    rule = RoutingRule.objects.create(kind="vawg", category="stalking", agency=_agency("team-a"))
    RoutingRule.objects.create(kind="vawg", category="domestic_abuse", agency=_agency("team-b"))
    RoutingRule.objects.filter(pk=rule.pk).update(is_active=False)
    Agency.objects.filter(code="team-b").update(is_active=False)
    assert _lead(people, "vawg", category="stalking") == "victim-services"
    assert _lead(people, "vawg", category="domestic_abuse") == "victim-services"


@pytest.mark.parametrize("in_ward", [False, True])
def test_one_scope_cannot_hold_two_rules_at_one_priority(people, in_ward: bool) -> None:
    # NULL is "any ward": a plain unique constraint would let two such rules coexist.
    ward = Ward.objects.get(code=WARD) if in_ward else None
    RoutingRule.objects.create(kind="vawg", category="stalking", ward=ward, agency=_agency("a"))
    twin = RoutingRule(kind="vawg", category="stalking", ward=ward, agency=_agency("b"))
    with pytest.raises(ValidationError, match="has this priority already"):
        twin.full_clean()  # what the admin runs: the manager sees the message
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


def test_a_scope_s_fallback_rule_leads_when_the_first_agency_is_inactive(people) -> None:
    RoutingRule.objects.create(kind="vawg", agency=_agency("first"), priority=10)
    RoutingRule.objects.create(kind="vawg", agency=_agency("fallback"), priority=20)
    assert _lead(people, "vawg") == "first"
    Agency.objects.filter(code="first").update(is_active=False)
    assert _lead(people, "vawg") == "fallback"
