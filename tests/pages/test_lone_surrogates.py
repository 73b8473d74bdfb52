"""A form posted as multipart with ``charset=unicode_escape`` turns ``\\ud800`` into a lone
surrogate, which PostgreSQL cannot store. Pages refuse it on its field, before any clean
method or service sees it, and no reference is reserved."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cases.models import ReferenceCounter
from referrals.models import Referral
from tests.pages import formdata
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db

BOUNDARY = "csp-test-boundary"
REFUSED = "Text may not contain unpaired surrogate characters."


def _escaped_multipart(client: Client, url: str, data: dict[str, str]):
    """POST ``data`` as multipart declared in unicode_escape: ``\\\\ud800`` arrives as U+D800."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in data.items()
    ]
    body = ("".join(parts) + f"--{BOUNDARY}--\r\n").encode("ascii")
    # generic(): post() would re-encode the body in the declared charset.
    return client.generic(
        "POST",
        url,
        body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}; charset=unicode_escape",
    )


def _error_for(html: str, field: str) -> str:
    match = re.search(rf'<a href="#{field}">([^<]+)</a>', html)
    return match.group(1).strip() if match else ""


def test_the_referral_form_refuses_it_on_its_field_and_reserves_nothing(people, client_for) -> None:
    client = client_for("officer")
    assert client.post("/referrals/new/", {"kind": "asb"}).status_code == 302
    data = formdata.asb(summary="Loud music \\ud800 after midnight")
    response = _escaped_multipart(client, "/referrals/new/asb/", data)
    assert response.status_code == 200
    assert _error_for(response.content.decode(), "summary") == REFUSED
    assert client.post("/referrals/new/asb/check/")["Location"] == "/referrals/new/"
    assert (Referral.objects.count(), ReferenceCounter.objects.count()) == (0, 0)


def test_the_sign_in_form_refuses_it_rather_than_failing(db) -> None:
    response = _escaped_multipart(
        Client(), "/sign-in/", {"username": "officer\\udc80", "password": "x"}
    )
    assert response.status_code == 200
    assert _error_for(response.content.decode(), "username") == REFUSED


def test_a_transition_reason_is_refused_on_its_field(people, client_for) -> None:
    case = raise_referral(people.officer, "asb").case
    client = client_for("asb_coordinator")
    url = f"/cases/{case.reference}/actions/triage/"
    form = client.get(url)
    assert form.status_code == 200
    response = _escaped_multipart(
        client, url, {"reason": "Checked \\ud800", "risk": "standard", "version": str(case.version)}
    )
    assert response.status_code == 200
    assert _error_for(response.content.decode(), "reason") == REFUSED
    case.refresh_from_db()
    assert case.state == "reported"
