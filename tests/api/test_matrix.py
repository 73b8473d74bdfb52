"""Every demo persona (and an anonymous caller) against every endpoint: the expected status
of each call is written out below, one row per endpoint, one column per persona.

Reads come first, then writes, then revoking the token and signing in again (each sign-in
revokes the previous key; the manager and auditor, who sign in with a TOTP code, get the
wrong-password answer for a password alone), so one fresh database per persona serves the
whole row of calls (the SLA clock is paused before the triage that stops it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import PERSONAS, Demo, Notified, token_client
from tests.personas import payload

pytestmark = pytest.mark.django_db

ANON = "anonymous"
WHO = [*PERSONAS, ANON]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # placeholders: see _ids()
    body: Any = None


def _transition(name: str) -> dict[str, str]:
    return {"transition": name, "reason": "Persona matrix"}


CALLS = {
    "GET meta": Call("get", "/api/v1/meta/"),
    "GET referrals": Call("get", "/api/v1/referrals/"),
    "GET referral (ASB)": Call("get", "/api/v1/referrals/{ref_asb}/"),
    "GET referral (VAWG)": Call("get", "/api/v1/referrals/{ref_vawg}/"),
    "GET cases": Call("get", "/api/v1/cases/"),
    "GET case (ASB)": Call("get", "/api/v1/cases/{asb}/"),
    "GET case (licensing)": Call("get", "/api/v1/cases/{licensed}/"),
    "GET case (VAWG)": Call("get", "/api/v1/cases/{vawg}/"),
    "GET case (early release)": Call("get", "/api/v1/cases/{early_release}/"),
    "GET history (ASB)": Call("get", "/api/v1/cases/{asb}/history/"),
    "GET history (licensing)": Call("get", "/api/v1/cases/{licensed}/history/"),
    "GET history (VAWG)": Call("get", "/api/v1/cases/{vawg}/history/"),
    "GET history (early release)": Call("get", "/api/v1/cases/{early_release}/history/"),
    "GET audit": Call("get", "/api/v1/audit/"),
    "GET crime types": Call("get", "/api/v1/reports/crime-types-by-ward/"),
    "GET crime types CSV": Call("get", "/api/v1/reports/crime-types-by-ward/?format=csv"),
    "GET deadlines": Call("get", "/api/v1/deadlines/"),
    "GET breached deadlines": Call("get", "/api/v1/deadlines/?status=breached"),
    "GET SLA breaches": Call("get", "/api/v1/reports/sla-breaches/"),
    "GET SLA breaches CSV": Call("get", "/api/v1/reports/sla-breaches/?format=csv"),
    "GET inbox": Call("get", "/api/v1/notifications/"),
    "GET deliveries": Call("get", "/api/v1/deliveries/"),
    "GET dead deliveries": Call("get", "/api/v1/deliveries/?status=dead"),
    "GET endpoints (ASB)": Call("get", "/api/v1/agencies/{asb_agency}/endpoints/"),
    "GET endpoint (ASB)": Call("get", "/api/v1/agencies/{asb_agency}/endpoints/{asb_mailbox}/"),
    "GET subscriptions (ASB)": Call("get", "/api/v1/agencies/{asb_agency}/subscriptions/"),
    "GET subscription (ASB)": Call(
        "get", "/api/v1/agencies/{asb_agency}/subscriptions/{asb_subscription}/"
    ),
    "GET endpoints (probation)": Call("get", "/api/v1/agencies/{probation_agency}/endpoints/"),
    "GET endpoints (no agency)": Call("get", "/api/v1/agencies/999999/endpoints/"),
    "GET probation's endpoint via ASB": Call(
        "get", "/api/v1/agencies/{asb_agency}/endpoints/{probation_mailbox}/"
    ),
    "GET schema": Call("get", "/api/schema/"),
    "GET docs": Call("get", "/api/docs/"),
    "POST pause (ASB triage)": Call(
        "post",
        "/api/v1/cases/{asb}/deadlines/{asb_triage}/pause/",
        {"reason_code": "awaiting_partner_information", "reason": "Persona matrix"},
    ),
    "POST resume (ASB triage)": Call(
        "post", "/api/v1/cases/{asb}/deadlines/{asb_triage}/resume/", {"reason": "Back"}
    ),
    "POST milestone (ASB)": Call(
        "post",
        "/api/v1/cases/{asb}/milestones/",
        {"milestone": "review_risk", "reason": "Persona matrix"},
    ),
    "POST duplicates": Call("post", "/api/v1/referrals/duplicates/", "asb"),
    "POST referral": Call("post", "/api/v1/referrals/", "asb"),
    "POST triage (ASB)": Call("post", "/api/v1/cases/{asb}/transitions/", _transition("triage")),
    "POST assess_risk (VAWG)": Call(
        "post", "/api/v1/cases/{vawg}/transitions/", _transition("assess_risk")
    ),
    "POST start_planning (ER)": Call(
        "post", "/api/v1/cases/{early_release}/transitions/", _transition("start_planning")
    ),
    "POST read (manager's item)": Call("post", "/api/v1/notifications/{manager_item}/read/"),
    "POST read all": Call("post", "/api/v1/notifications/read-all/"),
    "POST retry (ASB dead)": Call("post", "/api/v1/deliveries/{asb_dead}/retry/"),
    "POST endpoint (ASB)": Call(
        "post",
        "/api/v1/agencies/{asb_agency}/endpoints/",
        {"channel": "email", "name": "Out of hours", "email_address": "ooh@council.example"},
    ),
    "PATCH endpoint (ASB)": Call(
        "patch", "/api/v1/agencies/{asb_agency}/endpoints/{asb_mailbox}/", {"name": "Team"}
    ),
    "POST rotate secret (ASB)": Call(
        "post", "/api/v1/agencies/{asb_agency}/endpoints/{asb_webhook}/rotate-secret/"
    ),
    "POST subscription (ASB)": Call(
        "post", "/api/v1/agencies/{asb_agency}/subscriptions/", {"endpoint": "{asb_mailbox}"}
    ),
    "PATCH subscription (ASB)": Call(
        "patch",
        "/api/v1/agencies/{asb_agency}/subscriptions/{asb_subscription}/",
        {"kinds": ["asb"]},
    ),
    "DELETE subscription (ASB)": Call(
        "delete", "/api/v1/agencies/{asb_agency}/subscriptions/{asb_subscription}/"
    ),
    "DELETE token": Call("delete", "/api/v1/auth/token/"),
    "POST token": Call("post", "/api/v1/auth/token/", "credentials"),
}

MATRIX = {
    #                               officer coord idva  prob  cwork mgr   aud   outs  anon
    "GET meta":                    (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET referrals":               (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET referral (ASB)":          (200,    200,  404,  404,  404,  200,  200,  404,  401),
    "GET referral (VAWG)":         (200,    404,  200,  404,  404,  404,  200,  404,  401),
    "GET cases":                   (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET case (ASB)":              (200,    200,  404,  404,  404,  200,  200,  404,  401),
    "GET case (licensing)":        (200,    404,  404,  404,  404,  404,  200,  404,  401),
    "GET case (VAWG)":             (200,    404,  200,  404,  404,  404,  200,  404,  401),
    "GET case (early release)":    (404,    404,  404,  200,  404,  404,  200,  404,  401),
    "GET history (ASB)":           (200,    200,  404,  404,  404,  200,  200,  404,  401),
    "GET history (licensing)":     (200,    404,  404,  404,  404,  404,  200,  404,  401),
    "GET history (VAWG)":          (200,    404,  200,  404,  404,  404,  200,  404,  401),
    "GET history (early release)": (404,    404,  404,  200,  404,  404,  200,  404,  401),
    "GET audit":                   (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET crime types":             (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET crime types CSV":         (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET deadlines":               (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET breached deadlines":      (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET SLA breaches":            (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET SLA breaches CSV":        (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET inbox":                   (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "GET deliveries":              (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET dead deliveries":         (403,    403,  403,  403,  403,  200,  200,  403,  401),
    "GET endpoints (ASB)":         (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "GET endpoint (ASB)":          (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "GET subscriptions (ASB)":     (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "GET subscription (ASB)":      (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "GET endpoints (probation)":   (403,    403,  403,  403,  403,  403,  403,  403,  401),
    "GET endpoints (no agency)":   (404,    404,  404,  404,  404,  404,  404,  404,  401),
    "GET probation's endpoint via ASB":
                                   (403,    403,  403,  403,  403,  404,  403,  403,  401),
    "GET schema":                  (200,    200,  200,  200,  200,  200,  200,  200,  200),
    "GET docs":                    (200,    200,  200,  200,  200,  200,  200,  200,  200),
    "POST pause (ASB triage)":     (403,    200,  404,  404,  404,  200,  403,  404,  401),
    "POST resume (ASB triage)":    (403,    200,  404,  404,  404,  200,  403,  404,  401),
    "POST milestone (ASB)":        (403,    200,  404,  404,  404,  200,  403,  404,  401),
    "POST duplicates":             (200,    200,  200,  200,  200,  200,  403,  200,  401),
    "POST referral":               (201,    201,  201,  201,  201,  201,  403,  201,  401),
    "POST triage (ASB)":           (403,    200,  404,  404,  404,  200,  403,  404,  401),
    "POST assess_risk (VAWG)":     (403,    404,  200,  404,  404,  404,  403,  404,  401),
    "POST start_planning (ER)":    (404,    404,  404,  200,  404,  404,  403,  404,  401),
    "POST read (manager's item)":  (404,    404,  404,  404,  404,  200,  404,  404,  401),
    "POST read all":               (200,    200,  200,  200,  200,  200,  200,  200,  401),
    "POST retry (ASB dead)":       (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "POST endpoint (ASB)":         (403,    403,  403,  403,  403,  201,  403,  403,  401),
    "PATCH endpoint (ASB)":        (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "POST rotate secret (ASB)":    (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "POST subscription (ASB)":     (403,    403,  403,  403,  403,  201,  403,  403,  401),
    "PATCH subscription (ASB)":    (403,    403,  403,  403,  403,  200,  403,  403,  401),
    "DELETE subscription (ASB)":   (403,    403,  403,  403,  403,  204,  403,  403,  401),
    "DELETE token":                (204,    204,  204,  204,  204,  204,  204,  204,  401),
    "POST token":                  (200,    200,  200,  200,  200,  400,  400,  200,  400),
}  # fmt: skip


def test_the_matrix_covers_every_call_and_every_persona() -> None:
    assert list(MATRIX) == list(CALLS)
    assert all(len(row) == len(WHO) for row in MATRIX.values())


def _client(demo: Demo, who: str) -> APIClient:
    return token_client(None if who == ANON else demo.user(who))


def _ids(demo: Notified) -> dict[str, int]:
    ids = {name: demo.case(name).pk for name in ("asb", "licensed", "vawg", "early_release")}
    return ids | {
        "ref_asb": demo.referrals["asb"].pk,
        "ref_vawg": demo.referrals["vawg"].pk,
        "asb_triage": demo.deadline("asb", "asb_triage").pk,
        "asb_agency": demo.asb_agency.pk,
        "probation_agency": demo.probation_agency.pk,
        "asb_mailbox": demo.asb_mailbox.pk,
        "asb_webhook": demo.asb_webhook.pk,
        "probation_mailbox": demo.probation_mailbox.pk,
        "asb_subscription": demo.asb_subscription.pk,
        "asb_dead": demo.asb_dead.pk,
        "manager_item": demo.inbox("manager")[0].pk,
    }


def _body(call: Call, who: str, ids: dict[str, int]) -> Any:
    if call.body == "credentials":
        username = "nobody" if who == ANON else who
        return {"username": username, "password": "persona-pass-2026"}
    if isinstance(call.body, str):
        return payload(call.body)
    if isinstance(call.body, dict):
        return {
            key: int(value.format(**ids)) if isinstance(value, str) and "{" in value else value
            for key, value in call.body.items()
        }
    return call.body


@pytest.mark.parametrize("who", WHO)
def test_persona_gets_the_expected_status_from_every_endpoint(notified: Notified, who: str) -> None:
    client = _client(notified, who)
    ids = _ids(notified)
    actual = {}
    for label, call in CALLS.items():
        response = getattr(client, call.method)(
            call.path.format(**ids), _body(call, who, ids), format="json"
        )
        actual[label] = response.status_code
    expected = {label: row[WHO.index(who)] for label, row in MATRIX.items()}
    assert actual == expected
