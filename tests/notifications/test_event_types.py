"""Every event type the code can emit is one a subscription may name, and has a label."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from cases.models import CaseAgency, CaseAgencyRole
from notifications.events import EVENT_TYPES
from notifications.labels import EVENT_LABELS
from notifications.models import OutboxEvent
from notifications.routing import event_recipients
from notifications.services import subscription_create
from tests.notifications.conftest import email_endpoint
from tests.personas import raise_referral
from workflows.actions import case_milestone_record

ROOT = Path(__file__).resolve().parents[2]
APPS = ("cases", "config", "notifications", "partners", "referrals", "workflows")


def _emitters(tree: ast.AST) -> dict[ast.Call, str]:
    """Each call of a function named ``emit`` or ``_emit`` with its ``type=`` argument's
    source, or "" when it has none."""
    found = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name in ("emit", "_emit"):
            found[node] = next((ast.unparse(k.value) for k in node.keywords if k.arg == "type"), "")
    return found


def emitted_types() -> tuple[set[str], list[str]]:
    """The literal types passed to emit() anywhere in the apps, and the calls that pass
    something else (a variable that is not a wrapper's own ``type`` parameter)."""
    literals: set[str] = set()
    unknown: list[str] = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            wrappers = {
                id(call)
                for fn in ast.walk(tree)
                if isinstance(fn, ast.FunctionDef)
                and fn.name.endswith("emit")
                and "type" in {a.arg for a in fn.args.kwonlyargs}
                for call in ast.walk(fn)
            }
            for call, value in _emitters(tree).items():
                try:
                    literals.add(ast.literal_eval(value))
                except (ValueError, SyntaxError):
                    # A wrapper passing its own ``type`` on is covered by its callers' literals.
                    if not (value == "type" and id(call) in wrappers):
                        unknown.append(f"{path.relative_to(ROOT)}:{call.lineno} type={value!r}")
    return literals, unknown


def test_every_emitted_event_type_is_one_a_subscription_may_name() -> None:
    literals, unknown = emitted_types()
    assert unknown == [], "emit() with a type this test cannot read; name it literally"
    # The scanner's three deadline events, the referral, transition, risk and milestone ones.
    assert {"referral.raised", "deadline.breached", "case.milestone_recorded"} <= literals
    assert literals - set(EVENT_TYPES) == set()


def test_every_subscribable_event_type_is_emitted_somewhere() -> None:
    literals, _ = emitted_types()
    assert set(EVENT_TYPES) - literals == set()


def test_every_event_type_has_a_label_and_no_label_is_for_a_type_that_does_not_exist() -> None:
    assert set(EVENT_LABELS) == set(EVENT_TYPES)


@pytest.mark.django_db
def test_a_subscription_may_name_milestones_and_hears_them(people: Any) -> None:
    police = email_endpoint("kestrel-police", "milestones@police.example", name="Milestones")
    subscription_create(endpoint=police, by=None, event_types=["case.milestone_recorded"])
    case = raise_referral(people.officer, "asb").case
    # Taking part, not only referring: a referrer agency hears state changes alone (the
    # need-to-know gate's outline, notifications.events.OUTLINE_EVENT_TYPES).
    CaseAgency.objects.create(
        case=case, agency=police.agency, role=CaseAgencyRole.PARTICIPANT, added_at=case.opened_at
    )
    case_milestone_record(
        case_id=case.pk, milestone="review_risk", by=people.asb_coordinator, reason="Reviewed"
    )

    event = OutboxEvent.objects.get(type="case.milestone_recorded")
    assert police in event_recipients(event).endpoints
    referral = OutboxEvent.objects.get(type="referral.raised")
    assert police not in event_recipients(referral).endpoints
