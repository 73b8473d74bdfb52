"""Which audit entries a manager's trail, a search by case and a case's history hold, and in
what order, checked against an oracle that resolves each entry's object in Python."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog

from cases.access import audit_scope
from cases.models import Case, CaseAgency
from workflows.actions import case_transition
from workflows.history import audit_entries_about, audit_entries_for_cases

pytestmark = pytest.mark.django_db

URL = "/api/v1/audit/"


def _all(client: Any, query: str = "") -> list[dict[str, Any]]:
    entries, url = [], f"{URL}?page_size=7{query}"  # several pages, to cover the paging
    while url:
        page = client.get(url).json()
        entries += page["results"]
        url = page["next"]
    return entries


def _case_of(entry: LogEntry) -> int | None:
    """The case an entry is about, found by loading its object: None if the object is gone
    or belongs to no case."""
    model = entry.content_type.model_class()
    if model is None:
        return None
    if issubclass(model, Case):
        found = Case.objects.filter(pk=entry.object_id).exists()
        return entry.object_id if found else None
    to_case = [f for f in model._meta.concrete_fields if f.many_to_one and f.related_model is Case]
    if not to_case:
        return None
    rows = model._base_manager.filter(pk=entry.object_id)
    case_id: int | None = rows.values_list(to_case[0].attname, flat=True).first()
    return case_id


def _newest_first(case_ids: set[int]) -> list[int]:
    entries = LogEntry.objects.select_related("content_type").order_by("-timestamp", "-id")
    return [e.pk for e in entries if _case_of(e) in case_ids]


@pytest.fixture
def handed_over(demo: Any) -> Any:
    """The ASB case handed to licensing: the council ASB team's lead row is deleted and it
    stays on as a participant."""
    asb, coordinator = demo.case("asb"), demo.user("asb_coordinator")
    case_transition(case_id=asb.pk, name="triage", by=coordinator, reason="Noise, repeat")
    case_transition(
        case_id=asb.pk,
        name="assign",
        by=coordinator,
        reason="Licensed premises",
        data={"agency": "council-licensing"},
    )
    return demo


def test_a_managers_trail_is_every_entry_about_their_agencys_cases_newest_first(
    handed_over, as_user
) -> None:
    scope = set(audit_scope(handed_over.user("manager")).values_list("pk", flat=True))
    assert handed_over.case("asb").pk in scope
    assert handed_over.case("licensed").pk not in scope
    expected = _newest_first(scope)
    assert len(expected) > 7
    assert [e["id"] for e in _all(as_user("manager"))] == expected


def test_the_entries_about_a_row_deleted_since_show_only_in_the_auditors_trail(
    handed_over, as_user
) -> None:
    asb = handed_over.case("asb")
    deleted = LogEntry.objects.filter(
        content_type__model="caseagency", action=LogEntry.Action.DELETE
    ).get()
    about_the_gone_row = set(
        LogEntry.objects.filter(
            content_type=deleted.content_type, object_id=deleted.object_id
        ).values_list("pk", flat=True)
    )
    assert len(about_the_gone_row) == 2  # its create and its delete
    assert not CaseAgency.objects.filter(pk=deleted.object_id).exists()
    assert about_the_gone_row <= {e["id"] for e in _all(as_user("auditor"))}
    assert not about_the_gone_row & {e["id"] for e in _all(as_user("manager"))}
    history = as_user("manager").get(f"/api/v1/cases/{asb.pk}/history/").json()
    assert not about_the_gone_row & {a["id"] for a in history["audit"]}


@pytest.mark.parametrize("reader", ["manager", "auditor"])
def test_searching_by_case_gives_that_cases_entries_within_the_readers_scope(
    handed_over, as_user, reader: str
) -> None:
    scope = set(audit_scope(handed_over.user(reader)).values_list("pk", flat=True))
    for name in ("asb", "licensed", "vawg", "early_release"):
        case = handed_over.case(name)
        expected = _newest_first({case.pk} & scope)
        assert [e["id"] for e in _all(as_user(reader), f"&case={case.pk}")] == expected
        by_reference = _all(as_user(reader), f"&case={case.reference.lower()}")
        assert [e["id"] for e in by_reference] == expected
        assert bool(expected) == (case.pk in scope)


def test_a_case_history_lists_exactly_the_entries_about_the_case_oldest_first(
    handed_over, as_user
) -> None:
    for name in ("asb", "licensed", "vawg", "early_release"):
        case = handed_over.case(name)
        history = as_user("auditor").get(f"/api/v1/cases/{case.pk}/history/").json()
        # After the read: reading a VAWG case in full is itself an entry, and is listed.
        expected = list(reversed(_newest_first({case.pk})))
        assert expected
        assert [a["id"] for a in history["audit"]] == expected


def test_the_selectors_for_a_scope_and_for_one_case_agree(handed_over) -> None:
    for case in Case.objects.all():
        one = Case.objects.filter(pk=case.pk)
        by_scope = set(audit_entries_for_cases(one).values_list("pk", flat=True))
        by_rows = set(audit_entries_about(one).values_list("pk", flat=True))
        assert by_scope == by_rows == set(_newest_first({case.pk}))


def test_each_audited_model_points_at_a_case_through_one_foreign_key_at_most() -> None:
    # workflows.history maps an entry to the one case its object belongs to.
    for model in auditlog.get_models():
        to_case = [
            f
            for f in model._meta.concrete_fields
            if f.many_to_one and f.related_model is Case and not f.primary_key
        ]
        assert len(to_case) <= 1, f"{model._meta.label} has {len(to_case)} keys to Case"
