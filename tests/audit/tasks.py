"""Tasks for the actor tests, registered when the test module imports this one."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from cases.audit import acting_as
from referrals.models import RoutingRule


@shared_task(name="tests.audit.reprioritise_rule")
def reprioritise_rule(rule_id: int, priority: int) -> None:
    """A task with no human behind it: its audit entry must name csp-system."""
    rule = RoutingRule.objects.get(pk=rule_id)
    rule.priority = priority
    rule.save()


@shared_task(name="tests.audit.reprioritise_rule_for")
def reprioritise_rule_for(rule_id: int, priority: int, user_id: int) -> None:
    """A task acting for a person: it says so, and the entry names that person."""
    with acting_as(get_user_model().objects.get(pk=user_id)):
        reprioritise_rule(rule_id, priority)
