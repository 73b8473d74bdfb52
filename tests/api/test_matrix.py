"""Every demo persona (and an anonymous caller) against every endpoint: the expected status
of each call is written out below, one row per endpoint, one column per persona.

Reads come first, then writes, then revoking the token, so one fresh database per persona
serves the whole row of calls.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import PERSONAS, Demo, token_client
from tests.personas import payload

pytestmark = pytest.mark.django_db

ANON = "anonymous"
WHO = [*PERSONAS, ANON]


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # {asb}, {licensed}, {vawg}, {early_release}: case ids; {ref_*}: referral ids
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
    "GET schema": Call("get", "/api/schema/"),
    "GET docs": Call("get", "/api/docs/"),
    "POST duplicates": Call("post", "/api/v1/referrals/duplicates/", "asb"),
    "POST referral": Call("post", "/api/v1/referrals/", "asb"),
    "POST triage (ASB)": Call("post", "/api/v1/cases/{asb}/transitions/", _transition("triage")),
    "POST assess_risk (VAWG)": Call(
        "post", "/api/v1/cases/{vawg}/transitions/", _transition("assess_risk")
    ),
    "POST start_planning (ER)": Call(
        "post", "/api/v1/cases/{early_release}/transitions/", _transition("start_planning")
    ),
    "POST token": Call("post", "/api/v1/auth/token/", "credentials"),
    "DELETE token": Call("delete", "/api/v1/auth/token/"),
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
    "GET schema":                  (200,    200,  200,  200,  200,  200,  200,  200,  200),
    "GET docs":                    (200,    200,  200,  200,  200,  200,  200,  200,  200),
    "POST duplicates":             (200,    200,  200,  200,  200,  200,  403,  200,  401),
    "POST referral":               (201,    201,  201,  201,  201,  201,  403,  201,  401),
    "POST triage (ASB)":           (403,    200,  404,  404,  404,  200,  403,  404,  401),
    "POST assess_risk (VAWG)":     (403,    404,  200,  404,  404,  404,  403,  404,  401),
    "POST start_planning (ER)":    (404,    404,  404,  200,  404,  404,  403,  404,  401),
    "POST token":                  (200,    200,  200,  200,  200,  200,  200,  200,  400),
    "DELETE token":                (204,    204,  204,  204,  204,  204,  204,  204,  401),
}  # fmt: skip


def test_the_matrix_covers_every_call_and_every_persona() -> None:
    assert list(MATRIX) == list(CALLS)
    assert all(len(row) == len(WHO) for row in MATRIX.values())


def _client(demo: Demo, who: str) -> APIClient:
    return token_client(None if who == ANON else demo.user(who))


def _body(call: Call, who: str) -> Any:
    if call.body == "credentials":
        username = "nobody" if who == ANON else who
        return {"username": username, "password": "persona-pass-2026"}
    if isinstance(call.body, str):
        return payload(call.body)
    return call.body


@pytest.mark.parametrize("who", WHO)
def test_persona_gets_the_expected_status_from_every_endpoint(demo: Demo, who: str) -> None:
    client = _client(demo, who)
    ids = {name: demo.case(name).pk for name in ("asb", "licensed", "vawg", "early_release")}
    ids |= {"ref_asb": demo.referrals["asb"].pk, "ref_vawg": demo.referrals["vawg"].pk}
    actual = {}
    for label, call in CALLS.items():
        response = getattr(client, call.method)(
            call.path.format(**ids), _body(call, who), format="json"
        )
        actual[label] = response.status_code
    expected = {label: row[WHO.index(who)] for label, row in MATRIX.items()}
    assert actual == expected
