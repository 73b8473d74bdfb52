"""The case page's history and audit entries speak plain English (issue 14, item 4): no
state, transition or field codes, no "None"."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.utils import timezone

from tests.pages.support import relay_all
from tests.personas import raise_referral
from tests.workflows.flows import step
from workflows.actions import case_transition

pytestmark = pytest.mark.django_db

SNAKE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")


def _words(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def test_the_history_and_audit_entries_have_no_internal_codes(people, client_for) -> None:
    case = raise_referral(people.probation, "early_release").case
    # (step() writes the transition's code as its reason: the reasons here are people's.)
    for name, data in (
        ("start_planning", {}),
        ("record_release", {"actual_release_date": timezone.localdate().isoformat()}),
    ):
        case_transition(case_id=case.pk, name=name, by=people.probation, reason="Done", data=data)
    html = client_for("probation").get(f"/cases/{case.reference}/").content.decode()
    history = html.split('id="history"', 1)[1].split("What you can do", 1)[0]
    text = _words(history)
    assert "Start pre-release planning" in text
    assert "Record the release" in text
    assert SNAKE.findall(text) == []
    assert "None" not in text
    assert "Released on" in text or "released on" in text  # a field by its verbose name


def test_the_inbox_says_what_happened_in_plain_english(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    step(case, "triage", people.asb_coordinator, {"risk": "medium"})
    relay_all()
    html = client_for("officer").get("/inbox/").content.decode()
    text = _words(html.split('id="inbox"', 1)[1])
    assert f"Triage: {case.reference} moved from Reported to Triaged" in text
    assert SNAKE.findall(text) == []
    assert "None" not in text
