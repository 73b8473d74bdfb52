from itertools import pairwise

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from partners.models import Agency, Membership, Role, Ward

# Seeding is what these tests check, so they start from an empty partnership.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("unseeded")]


def test_seed_demo_creates_the_partnership_once() -> None:
    call_command("seed_demo", no_cases=True)
    counts = (Ward.objects.count(), Agency.objects.count(), Membership.objects.count())
    call_command("seed_demo", no_cases=True)
    assert (Ward.objects.count(), Agency.objects.count(), Membership.objects.count()) == counts
    assert counts[0] >= 20
    assert counts[1] == 9


@pytest.mark.parametrize(
    ("username", "agency_code", "role"),
    [
        ("officer", "kestrel-police", Role.OFFICER),
        ("asb_coordinator", "council-asb", Role.ASB_COORDINATOR),
        ("idva", "victim-services", Role.SAFEGUARDING_LEAD),
        ("probation", "probation", Role.PROBATION_PRACTITIONER),
        ("caseworker", "housing", Role.CASE_WORKER),
        ("nurse", "public-health", Role.CASE_WORKER),
        ("manager", "council-asb", Role.MANAGER),
        ("auditor", "council-asb", Role.AUDITOR),
        ("outsider", "fire-rescue", Role.OFFICER),
        ("social_worker", "childrens-social-care", Role.SAFEGUARDING_LEAD),
    ],
)
def test_each_demo_persona_signs_in_with_the_demo_password(
    username: str, agency_code: str, role: str, settings: object
) -> None:
    call_command("seed_demo", no_cases=True)
    # django-axes (first backend) needs the request a sign-in comes with.
    request = RequestFactory().post("/admin/login/")
    user = authenticate(request, username=username, password=settings.DEMO_PASSWORD)  # type: ignore[attr-defined]
    assert user is not None
    assert Membership.objects.filter(user=user, agency__code=agency_code, role=role).exists()


def test_ward_codes_must_look_like_ons_codes() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Ward.objects.create(
            code="BAD",
            name="Nowhere",
            local_authority_code="E06099901",
            local_authority_name="Borough",
        )


def _table_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_seed_demo_twice_adds_nothing_and_covers_every_state_ward_and_category() -> None:
    from cases.catalogue import CATEGORIES
    from cases.models import Case, PersonalDuty
    from referrals.models import Referral, RoutingRule
    from workflows.chain import link_hash, transition_fields
    from workflows.machines import MACHINES
    from workflows.models import TransitionLog

    call_command("seed_demo")
    counts = _table_counts()
    call_command("seed_demo")
    assert _table_counts() == counts

    assert Case.objects.count() == Referral.objects.count() == 300
    present = set(Case.objects.values_list("kind", "state"))
    for kind, machine in MACHINES.items():
        for state, _ in machine.STATES:
            assert (kind, state) in present, f"no demo {kind} case in {state}"
    assert set(Case.objects.values_list("ward__code", flat=True)) == set(
        Ward.objects.values_list("code", flat=True)
    )
    assert set(Case.objects.values_list("kind", "category")) == {
        (kind, c.code) for kind, cats in CATEGORIES.items() for c in cats
    }
    assert set(RoutingRule.objects.values_list("kind", "category", "agency__code")) == {
        ("asb", "", "council-asb"),
        ("asb", "licensed_premises", "council-licensing"),
        ("vawg", "", "victim-services"),
        ("early_release", "", "probation"),
    }
    flagged = Case.objects.filter(kind="asb", case_review_flagged_at__isnull=False)
    assert flagged.count() >= 3
    assert PersonalDuty.objects.count() == 1
    occurred = list(Referral.objects.values_list("occurred_at", flat=True))
    assert (max(occurred) - min(occurred)).days >= 300

    # Every state was reached by the transition service: each case's log is an unbroken
    # hash chain from "open" whose workflow steps end in the case's state.
    logs: dict[int, list[TransitionLog]] = {}
    for row in TransitionLog.objects.order_by("case_id", "seq"):
        logs.setdefault(row.case_id, []).append(row)
    for case in Case.objects.all():
        rows = logs[case.pk]
        assert rows[0].transition == "open"
        assert [r.seq for r in rows] == list(range(1, len(rows) + 1))
        prev = ""
        for row in rows:
            assert row.prev_hash == prev
            assert row.hash == link_hash(prev, transition_fields(row))
            prev = row.hash
        assert rows[-1].target == case.state
        steps = [r for r in rows if r.source != r.target or r.transition == "open"]
        for before, after in pairwise(steps):
            assert after.source == before.target
