"""The demo seeder finishes what an interrupted run left, leaves alone what people changed
since, and never writes state itself."""

from __future__ import annotations

import logging
from collections import Counter
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.utils import timezone

from cases.models import Case
from partners.demo import seed_partnership
from referrals import demo
from referrals.models import Referral
from workflows.actions import case_set_risk, case_transition

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
    assert demo.seed_demo_cases() == {
        "routing_rules": 0,
        "cases": 0,
        "transitions": 0,
        "skipped": 0,
    }


def test_a_demo_case_moved_off_its_plan_is_left_as_it_is_with_one_info_line(
    monkeypatch, caplog
) -> None:
    seed_partnership(password="demo-test-pass")
    key = next(c.key for c in demo.demo_plan(now=timezone.now()) if c.kind == "asb" and not c.path)
    _small_plan(monkeypatch, {key}, cut=None)
    demo.seed_demo_cases()
    case = Case.objects.get()
    coordinator = case.responsible_agency.memberships.get(role="asb_coordinator").user
    case_transition(case_id=case.pk, name="no_further_action", by=coordinator, reason="Dup")
    with caplog.at_level(logging.INFO, logger="referrals.demo"):
        again = demo.seed_demo_cases()
    assert again == {"routing_rules": 0, "cases": 0, "transitions": 0, "skipped": 1}
    [line] = [r for r in caplog.records if r.name == "referrals.demo"]
    assert line.levelno == logging.INFO
    assert case.reference in line.getMessage()
    case.refresh_from_db()
    assert case.state == "no_further_action"


def test_seed_demo_runs_again_after_the_demo_has_been_used(monkeypatch, caplog, settings) -> None:
    """issue 14, item 8: triage a demo case, stop, start again: the second seeding
    succeeds, leaves the changed case as its user left it and adds nothing."""
    settings.DEBUG = True  # as under make run: the demo's admin account is made too
    plan = demo.demo_plan(now=timezone.now())
    fresh = next(c.key for c in plan if c.kind == "asb" and not c.path)
    walked = next(c.key for c in plan if c.kind == "asb" and len(c.path) >= 3)
    _small_plan(monkeypatch, {fresh, walked}, cut=None)
    call_command("seed_demo", "--demo-deadline", stdout=StringIO())
    cases = demo._existing_cases()
    coordinator = User.objects.get(username="asb_coordinator")
    case_transition(case_id=cases[fresh].pk, name="triage", by=coordinator, reason="Mine now")
    case_set_risk(case_id=cases[walked].pk, risk="high", by=coordinator, reason="Threats")
    states = dict(Case.objects.values_list("reference", "state"))
    out = StringIO()
    with caplog.at_level(logging.INFO, logger="referrals.demo"):
        call_command("seed_demo", stdout=out)
        call_command("seed_demo", "--no-cases", "--demo-deadline", stdout=StringIO())
    assert "1 demo cases changed by hand left as they are" in out.getvalue()
    assert dict(Case.objects.values_list("reference", "state")) == states
    assert Referral.objects.count() == 2
    skipped = [r.getMessage() for r in caplog.records if r.name == "referrals.demo"]
    assert len(skipped) == 1
    assert cases[fresh].reference in skipped[0]
    # The demo's admin account was made once, and is left alone after.
    assert User.objects.filter(username="admin", is_superuser=True).count() == 1


@pytest.mark.usefixtures("unseeded")
def test_seeding_cases_before_the_partnership_says_what_to_do() -> None:
    with pytest.raises(LookupError, match="seed the partnership first"):
        demo.seed_demo_cases()


def test_the_demo_admin_is_made_only_in_development(monkeypatch, settings) -> None:
    _small_plan(monkeypatch, set(), cut=None)
    settings.DEBUG = False  # compose seeds the demo with DEBUG off: no known-password admin
    call_command("seed_demo", stdout=StringIO())
    assert not User.objects.filter(username="admin").exists()


def test_demo_reset_refuses_to_run_outside_development(settings) -> None:
    # It drops every table: never with DEBUG off (production), and nothing is touched.
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only with DEBUG=true"):
        call_command("demo_reset", "--yes", stdout=StringIO())
    assert User.objects.filter(username="officer").exists()
