"""The demo seeder finishes what an interrupted run left and never writes state itself."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.utils import timezone

from cases.models import Case
from partners.demo import seed_partnership
from referrals import demo
from referrals.models import Referral
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db
FULL_PLAN = demo.demo_plan


def test_the_plan_is_300_cases_the_same_on_every_run() -> None:
    now = timezone.now()
    plan = demo.demo_plan(now=now)
    assert len(plan) == 300
    assert [c.key for c in plan] == list(range(1, 301))
    assert Counter(c.kind for c in plan) == {"asb": 150, "vawg": 90, "early_release": 60}
    last_steps = {(c.kind, c.path[-1][0]) for c in plan if c.path}
    assert {"request_case_review", "complete_case_review", "reopen"} <= {
        name for kind, name in last_steps if kind == "asb"
    }
    # Keys name the same cases on every run: that is what makes a re-run safe.
    again = demo.demo_plan(now=now)
    assert [(c.key, c.kind, c.raised_by, c.body, c.path) for c in plan] == [
        (c.key, c.kind, c.raised_by, c.body, c.path) for c in again
    ]


def _small_plan(monkeypatch: pytest.MonkeyPatch, keys: set[int], cut: int | None) -> None:
    def plan(*, now: Any) -> list[demo.DemoCase]:
        cases = [c for c in FULL_PLAN(now=now) if c.key in keys]
        for c in cases:
            c.path = c.path[:cut] if cut is not None else c.path
        return cases

    monkeypatch.setattr(demo, "demo_plan", plan)


def test_a_rerun_finishes_cases_an_interrupted_run_left_part_way(monkeypatch) -> None:
    seed_partnership(password="demo-test-pass")
    deep = {c.key for c in demo.demo_plan(now=timezone.now()) if len(c.path) >= 3}
    keys = set(sorted(deep)[:4])
    _small_plan(monkeypatch, keys, cut=1)
    first = demo.seed_demo_cases()
    assert (first["cases"], first["transitions"]) == (4, 4)
    _small_plan(monkeypatch, keys, cut=None)
    second = demo.seed_demo_cases()
    assert second["cases"] == 0
    assert second["transitions"] > 0
    assert Referral.objects.count() == 4
    plan = {c.key: c for c in FULL_PLAN(now=timezone.now())}
    for key, case in demo._existing_cases().items():
        done = list(
            case.transition_logs.exclude(transition__in=demo.NOT_STEPS).values_list(
                "transition", flat=True
            )
        )
        assert done == [name for name, _ in plan[key].path]
    assert demo.seed_demo_cases() == {"routing_rules": 0, "cases": 0, "transitions": 0}


def test_a_demo_case_moved_off_its_plan_is_reported_not_overwritten(monkeypatch) -> None:
    seed_partnership(password="demo-test-pass")
    key = next(c.key for c in demo.demo_plan(now=timezone.now()) if c.kind == "asb" and not c.path)
    _small_plan(monkeypatch, {key}, cut=None)
    demo.seed_demo_cases()
    case = Case.objects.get()
    coordinator = case.responsible_agency.memberships.get(role="asb_coordinator").user
    case_transition(case_id=case.pk, name="no_further_action", by=coordinator, reason="Dup")
    with pytest.raises(RuntimeError, match="left its planned path"):
        demo.seed_demo_cases()
    case.refresh_from_db()
    assert case.state == "no_further_action"


@pytest.mark.usefixtures("unseeded")
def test_seeding_cases_before_the_partnership_says_what_to_do() -> None:
    with pytest.raises(LookupError, match="seed the partnership first"):
        demo.seed_demo_cases()
