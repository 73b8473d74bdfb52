"""The admin shows records but changes nothing a service owns; routing rules are editable."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from referrals.models import Referral, RoutingRule
from tests.audit.conftest import go
from tests.personas import raise_referral
from workflows.models import AuditSeal, MaracReferral, RiskAssessment, TransitionLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(
        User.objects.create_superuser("csp-admin", "admin@example.org", "x-long-password-1")
    )
    return client


@pytest.fixture
def vawg(people):
    case = raise_referral(people.officer, "vawg").case
    case = go(case, "assess_risk", people.idva)
    return go(case, "refer_to_marac", people.idva)


def _views() -> int:
    return LogEntry.objects.filter(action=LogEntry.Action.ACCESS).count()


def test_the_case_admin_shows_a_case_and_offers_no_way_to_change_it(admin_client, vawg) -> None:
    url = f"/admin/cases/case/{vawg.pk}/"
    page = admin_client.get(f"{url}change/")
    assert page.status_code == 200
    assert vawg.reference in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    changed = admin_client.post(f"{url}change/", {"state": "closed", "risk": "standard"})
    assert changed.status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/cases/case/add/").status_code == 403
    vawg.refresh_from_db()
    assert (vawg.state, vawg.risk) == ("marac_referred", "high")


@pytest.mark.parametrize(
    "model", [TransitionLog, RiskAssessment, MaracReferral, AuditSeal, Referral]
)
def test_workflow_records_and_referrals_are_read_only_in_the_admin(
    admin_client, vawg, model
) -> None:
    obj = model.objects.first()
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    assert admin_client.get(base).status_code == 200
    assert admin_client.get(f"{base}{obj.pk}/change/").status_code == 200
    assert admin_client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert admin_client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get(f"{base}add/").status_code == 403
    assert model.objects.filter(pk=obj.pk).exists()


def test_routing_rules_can_be_changed_in_the_admin_under_the_admins_name(
    admin_client, people
) -> None:
    rule = RoutingRule.objects.get(kind="asb", category="licensed_premises")
    response = admin_client.post(
        f"/admin/referrals/routingrule/{rule.pk}/change/",
        {
            "kind": rule.kind,
            "category": rule.category,
            "ward": "",
            "agency": rule.agency_id,
            "priority": 7,
            "is_active": "on",
        },
        REMOTE_ADDR="10.20.30.40",
    )
    assert response.status_code == 302, response.content
    entry = LogEntry.objects.get_for_object(rule).latest("pk")
    assert entry.changes["priority"] == [10, 7]
    assert (entry.actor.username, entry.remote_addr) == ("csp-admin", "10.20.30.40")


def test_routing_rules_can_be_added_in_the_admin(admin_client, people) -> None:
    response = admin_client.post(
        "/admin/referrals/routingrule/add/",
        {"kind": "asb", "category": "dangerous_dogs", "agency": people.licensing.pk, "priority": 5},
    )
    assert response.status_code == 302, response.content
    rule = RoutingRule.objects.get(kind="asb", category="dangerous_dogs")
    assert LogEntry.objects.get_for_object(rule).get().actor.username == "csp-admin"


def test_opening_a_vawg_case_or_its_records_in_the_admin_is_logged(admin_client, vawg) -> None:
    admin_client.get(f"/admin/cases/case/{vawg.pk}/change/")
    assessment = RiskAssessment.objects.get(case=vawg)
    admin_client.get(f"/admin/workflows/riskassessment/{assessment.pk}/change/")
    views = LogEntry.objects.filter(action=LogEntry.Action.ACCESS)
    assert [(v.object_id, v.actor.username) for v in views] == [(vawg.pk, "csp-admin")] * 2


def test_opening_an_asb_case_in_the_admin_is_not_an_access_entry(admin_client, people) -> None:
    case = raise_referral(people.officer, "asb").case
    assert admin_client.get(f"/admin/cases/case/{case.pk}/change/").status_code == 200
    assert _views() == 0
