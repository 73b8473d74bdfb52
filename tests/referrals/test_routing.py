"""Which agency leads a new case: routing rules, most specific first, then the default."""

from __future__ import annotations

import pytest

from partners.models import Agency, AgencyKind, Ward
from referrals.models import RoutingRule
from tests.personas import OTHER_WARD, WARD, raise_referral

pytestmark = pytest.mark.django_db


def _lead(people, kind: str = "asb", **overrides: object) -> str:
    return raise_referral(people.officer, kind, **overrides).case.responsible_agency.code


def _agency(code: str, kind: str = AgencyKind.COUNCIL) -> Agency:
    return Agency.objects.create(code=code, name=code.replace("-", " ").title(), kind=kind)


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
