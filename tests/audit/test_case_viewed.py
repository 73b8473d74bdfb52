"""Reads of VAWG cases are logged: who viewed which case, and when."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from auditlog.models import LogEntry
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from cases.audit import AuditActorMiddleware
from cases.models import Case
from cases.services import case_viewed
from tests.audit.conftest import label, sealed_entries
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db

VIEWED_AT = datetime(2026, 3, 2, 10, 30, 15, tzinfo=UTC)


def _views() -> list[LogEntry]:
    return list(LogEntry.objects.filter(action=LogEntry.Action.ACCESS).order_by("pk"))


def test_viewing_a_vawg_case_records_who_viewed_which_case_and_when(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    with time_machine.travel(VIEWED_AT, tick=False):
        assert case_viewed(case=case, by=people.idva) is True
    (view,) = _views()
    assert view.actor == people.idva
    assert view.content_type == ContentType.objects.get_for_model(Case)
    assert view.object_id == case.pk
    assert view.object_repr == case.reference
    assert view.timestamp == VIEWED_AT
    assert sealed_entries(case)[-1] == view


def test_every_view_is_its_own_entry(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    case_viewed(case=case, by=people.idva)
    case_viewed(case=case, by=people.manager)
    case_viewed(case=case, by=people.idva)
    assert [v.actor for v in _views()] == [people.idva, people.manager, people.idva]
    assert [label(e)[1] for e in sealed_entries(case)[-3:]] == ["access"] * 3


@pytest.mark.parametrize("kind", ["asb", "early_release"])
def test_viewing_other_kinds_of_case_is_not_logged(people, kind) -> None:
    case = raise_referral(people.officer if kind == "asb" else people.probation, kind).case
    assert case_viewed(case=case, by=people.manager) is False
    assert _views() == []


def test_a_view_must_name_a_signed_in_user(people) -> None:
    case = raise_referral(people.officer, "vawg").case
    with pytest.raises(ValueError, match="signed-in user"):
        case_viewed(case=case, by=AnonymousUser())
    assert _views() == []


def test_a_view_during_a_request_records_the_viewers_address(people) -> None:
    case = raise_referral(people.officer, "vawg").case

    def page(request: HttpRequest) -> HttpResponse:
        case_viewed(case=case, by=request.user)
        return HttpResponse("case page")

    request = RequestFactory().get(f"/cases/{case.pk}", REMOTE_ADDR="192.0.2.7")
    request.user = people.idva
    AuditActorMiddleware(page)(request)
    (view,) = _views()
    assert (view.actor, view.remote_addr) == (people.idva, "192.0.2.7")
