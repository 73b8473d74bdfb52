"""Responses that may carry personal data tell browsers and proxies not to keep them.

A shared computer's back button or a caching proxy must not replay a victim's case page,
an API answer or the audit CSV. Static assets are the one exception: they hold no personal
data and are served (with long cache lifetimes) by WhiteNoise before any view runs.
"""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.test.utils import override_settings
from rest_framework.test import APIClient

from config.middleware import NoStoreMiddleware
from tests.personas import raise_referral


def _no_store(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"no-store", "private"} <= directives


@pytest.mark.django_db
def test_api_answers_are_not_stored(people) -> None:
    referral = raise_referral(people.officer, "vawg")
    client = APIClient()
    client.force_authenticate(people.idva)
    for url in (
        "/api/v1/cases/",
        f"/api/v1/cases/{referral.case_id}/",
        f"/api/v1/cases/{referral.case_id}/history/",
        f"/api/v1/referrals/{referral.pk}/",
        "/api/v1/cases/999999999/",  # a 404 problem document as well
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert _no_store(response), (url, response.get("Cache-Control"))


@pytest.mark.django_db
def test_case_pages_and_the_audit_csv_are_not_stored(people) -> None:
    referral = raise_referral(people.officer, "vawg")
    client = Client()
    client.force_login(people.manager)
    idva = Client()
    idva.force_login(people.idva)
    page = idva.get(f"/cases/{referral.case.reference}/")
    assert page.status_code == 200
    assert _no_store(page)
    csv = client.get("/manage/audit/export/")
    assert csv.status_code == 200
    assert csv["Content-Type"].startswith("text/csv")
    assert _no_store(csv)


@pytest.mark.django_db
def test_the_sign_in_page_and_errors_are_not_stored() -> None:
    client = Client()
    assert _no_store(client.get("/sign-in/"))
    assert _no_store(client.get("/no-such-page/"))


def test_static_assets_keep_their_own_caching() -> None:
    def asset(request):
        from django.http import HttpResponse

        response = HttpResponse(b"body{}", content_type="text/css")
        response["Cache-Control"] = "max-age=31536000, public, immutable"
        return response

    middleware = NoStoreMiddleware(asset)
    with override_settings(STATIC_URL="/static/"):
        response = middleware(RequestFactory().get("/static/css/app.css"))
    assert response["Cache-Control"] == "max-age=31536000, public, immutable"
