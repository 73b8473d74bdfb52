"""Every audit entry names who acted: requests, the API, services, tasks and commands."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models.signals import pre_save
from django.test import Client, RequestFactory, override_settings

from cases.audit import SYSTEM_USERNAME, SystemCommand, acting_as, current_actor, system_user
from referrals.models import RoutingRule
from tests.audit import tasks
from tests.personas import raise_referral
from tests.support.signin import token_for
from workflows.actions import case_set_risk

REPO = Path(__file__).resolve().parents[2]
SET_ACTOR = re.compile(r"from auditlog\.context import|\bset_actor\(")


def _rule() -> RoutingRule:
    return RoutingRule.objects.get(kind="asb", category="licensed_premises")


def _bump(rule: RoutingRule) -> LogEntry:
    rule.priority += 1
    rule.save()
    return LogEntry.objects.get_for_object(rule).latest("pk")


@pytest.mark.django_db
def test_acting_as_blocks_nest_and_the_outer_actor_resumes_after_the_inner_one(people) -> None:
    rule = _rule()
    with acting_as(people.manager):
        assert _bump(rule).actor == people.manager
        with acting_as(people.auditor):
            assert _bump(rule).actor == people.auditor
        assert _bump(rule).actor == people.manager
    assert current_actor() is None
    assert _bump(rule).actor is None


def test_acting_as_connects_no_receiver_per_block() -> None:
    before = len(pre_save.receivers)
    for _ in range(50):
        with acting_as(None), acting_as(None):
            pass
    assert len(pre_save.receivers) == before


@pytest.mark.django_db
def test_a_service_names_its_by_inside_another_actors_block_which_then_resumes(people) -> None:
    case = raise_referral(people.officer, "asb").case
    with acting_as(people.manager):
        case_set_risk(case_id=case.pk, risk="high", by=people.asb_coordinator, reason="Threats")
        assert _bump(_rule()).actor == people.manager
    entry = LogEntry.objects.get_for_object(case).latest("pk")
    assert entry.actor == people.asb_coordinator


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.audit.urls")
def test_a_signed_in_request_names_the_user_and_the_address(people, client: Client) -> None:
    client.force_login(people.manager)
    rule = _rule()
    response = client.post(
        f"/pages/rules/{rule.pk}/priority", {"priority": 7}, REMOTE_ADDR="10.20.30.40"
    )
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(rule).latest("pk")
    assert entry.changes["priority"] == [10, 7]
    assert entry.actor == people.manager
    assert entry.remote_addr == "10.20.30.40"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF="tests.audit.urls")
def test_an_api_call_authenticated_by_token_names_the_token_user(people, client: Client) -> None:
    token = token_for(people.asb_coordinator)
    rule = _rule()
    response = client.post(
        f"/rules/{rule.pk}/priority",
        {"priority": 3},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 200, response.content
    entry = LogEntry.objects.get_for_object(rule).latest("pk")
    assert entry.changes["priority"] == [10, 3]
    assert entry.actor == people.asb_coordinator


@pytest.mark.django_db
def test_a_task_acts_as_csp_system_unless_it_acts_for_a_person(people) -> None:
    rule = _rule()
    tasks.reprioritise_rule.apply(args=(rule.pk, 20))
    assert LogEntry.objects.get_for_object(rule).latest("pk").actor.username == SYSTEM_USERNAME
    tasks.reprioritise_rule_for.apply(args=(rule.pk, 21, people.manager.pk))
    assert LogEntry.objects.get_for_object(rule).latest("pk").actor == people.manager
    assert current_actor() is None


@pytest.mark.broker
@pytest.mark.django_db(transaction=True)
def test_a_task_run_by_a_real_worker_is_attributed_to_csp_system(people, celery_worker) -> None:
    rule = _rule()
    tasks.reprioritise_rule.delay(rule.pk, 30)
    deadline = time.monotonic() + 20
    entry = None
    while entry is None and time.monotonic() < deadline:
        entry = LogEntry.objects.get_for_object(rule).filter(changes__priority__1=30).first()
        time.sleep(0.1)
    assert entry is not None, "the worker never ran the task"
    assert entry.actor is not None
    assert entry.actor.username == SYSTEM_USERNAME


class _ReprioritiseCommand(SystemCommand):
    help = "Test command: bump the licensed-premises routing rule."

    def handle(self, *args: Any, **options: Any) -> None:
        _bump(_rule())


@pytest.mark.django_db
def test_a_system_command_acts_as_csp_system(people) -> None:
    call_command(_ReprioritiseCommand())
    assert LogEntry.objects.get_for_object(_rule()).latest("pk").actor == system_user()


@pytest.mark.django_db
@pytest.mark.usefixtures("unseeded")
def test_seeding_the_demo_partnership_is_attributed_to_csp_system() -> None:
    from partners.models import Agency

    call_command("seed_demo")
    entries = LogEntry.objects.get_for_model(Agency)
    assert entries.count() == Agency.objects.count() > 0
    assert {e.actor for e in entries} == {system_user()}


@pytest.mark.django_db
def test_csp_system_is_created_once_and_cannot_sign_in(client: Client) -> None:
    first, second = system_user(), system_user()
    assert first.pk == second.pk
    assert User.objects.filter(username=SYSTEM_USERNAME).count() == 1
    assert not first.is_active
    assert not first.has_usable_password()
    # django-axes (the first backend) needs the request a sign-in comes with.
    request = RequestFactory().post("/sign-in/")
    assert authenticate(request, username=SYSTEM_USERNAME, password="") is None


def test_the_request_middleware_is_the_nesting_one() -> None:
    assert "cases.audit.AuditActorMiddleware" in settings.MIDDLEWARE
    assert "auditlog.middleware.AuditlogMiddleware" not in settings.MIDDLEWARE


def test_no_app_code_uses_auditlogs_set_actor() -> None:
    """auditlog's set_actor leaks a receiver when nested (django-auditlog#846): use acting_as."""
    offenders = [
        str(path.relative_to(REPO))
        for app in ("config", "partners", "cases", "notifications", "workflows", "referrals")
        for path in (REPO / app).rglob("*.py")
        if SET_ACTOR.search(path.read_text())
    ]
    assert offenders == []
