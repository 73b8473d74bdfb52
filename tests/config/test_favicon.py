"""The favicon: our own drawing, served by the static pipeline, linked from every page, and
found at /favicon.ico by browsers and tools that look there without reading the page."""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path
from types import ModuleType

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def drawing() -> ModuleType:
    spec = importlib.util.spec_from_file_location("favicon", ROOT / "static/src/favicon.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db
@override_settings(WHITENOISE_USE_FINDERS=True)  # serve from the source tree, as `make run`
def test_favicon_ico_redirects_to_the_static_icon_which_answers_200() -> None:
    client = Client()  # a new client builds its middleware under the settings above
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/images/favicon.ico"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert icon["Content-Type"] == "image/x-icon"
    body = icon.getvalue()
    assert struct.unpack("<HHH", body[:6]) == (0, 1, 3)  # an icon file with three sizes
    assert client.get("/static/images/favicon.svg")["Content-Type"] == "image/svg+xml"


@pytest.mark.django_db
def test_every_page_links_the_icon_and_the_files_exist(people: object) -> None:
    for path in ("/sign-in/", "/accessibility/", "/no-such-page/"):
        page = Client().get(path).content.decode()
        links = dict(
            re.findall(r'<link rel="icon" href="/static/([^"]+)"[^>]*type="([^"]+)"', page)
        )
        assert links == {
            "images/favicon.ico": "image/x-icon",
            "images/favicon.svg": "image/svg+xml",
        }
        for name in links:
            assert finders.find(name), name


def test_the_committed_icons_are_what_the_drawing_draws() -> None:
    favicon = drawing()
    assert (ROOT / "static/images/favicon.svg").read_text() == favicon.svg()
    assert (ROOT / "static/images/favicon.ico").read_bytes() == favicon.ico()


def test_the_icon_is_the_white_shield_on_blue_with_transparent_corners() -> None:
    rows = drawing().pixels(32)
    assert rows[0][0][3] == 0  # outside the rounded corner
    assert rows[2][16] == (0x1D, 0x70, 0xB8, 255)  # the blue above the shield
    assert rows[9][12] == (255, 255, 255, 255)  # the shield
    assert rows[16][16][:3] == (0x1D, 0x70, 0xB8)  # the tick shows the blue through it
