"""Security headers, the API docs without inline script, and secure production settings."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    policy = {}
    for directive in response.headers["Content-Security-Policy"].split(";"):
        name, *values = directive.split()
        policy[name] = values
    return policy


@pytest.mark.parametrize("path", ["/api/v1/meta/", "/api/docs/", "/api/schema/", "/admin/login/"])
def test_every_response_carries_a_strict_content_security_policy(demo, as_user, path) -> None:
    response = as_user("officer").get(path)
    policy = _policy(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_api_docs_page_has_no_inline_script_or_style_and_loads_only_local_files(db) -> None:
    page = Client().get("/api/docs/").content.decode()
    assert "<script>" not in page
    assert "<style" not in page
    assert " style=" not in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    for source in sources:
        assert source.startswith("/"), source  # nothing from a CDN
    for static in (s for s in sources if s.startswith(settings.STATIC_URL) or "/static/" in s):
        assert finders.find(static.split("/static/", 1)[1]), static


def test_the_docs_page_script_is_served_as_javascript_from_our_origin(db) -> None:
    page = Client().get("/api/docs/").content.decode()
    script_url = re.search(r'<script src="(/api/docs/\?[^"]*)"', page)
    assert script_url
    response = Client().get(script_url.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/javascript")
    assert b"/api/schema/" in response.content


def test_the_axes_backend_checks_lockouts_before_any_password(db) -> None:
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
    assert settings.AUTH_PASSWORD_VALIDATORS
