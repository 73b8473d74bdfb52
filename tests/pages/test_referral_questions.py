"""The referral pages ask the details their shape declares (referrals/shape.py), in its words."""

from __future__ import annotations

import pytest

from referrals.forms import FORMS
from referrals.shape import DETAILS

pytestmark = pytest.mark.django_db

KINDS = ["asb", "vawg", "early_release"]


@pytest.mark.parametrize("kind", KINDS)
def test_each_page_asks_the_declared_questions(client_for, kind) -> None:
    client = client_for("officer" if kind != "early_release" else "probation")
    assert client.post("/referrals/new/", {"kind": kind}).status_code == 302
    page = client.get(f"/referrals/new/{kind}/").content.decode()
    for spec in FORMS[kind].asked_specs():
        assert spec.question.replace("'", "&#x27;") in page, spec.name
        if spec.hint:
            assert spec.hint.replace("'", "&#x27;") in page, spec.name


def test_a_page_says_the_shapes_words_when_an_asked_detail_is_left_blank(client_for) -> None:
    client = client_for("officer")
    assert client.post("/referrals/new/", {"kind": "asb"}).status_code == 302
    page = client.post("/referrals/new/asb/", {}).content.decode()
    for name in ("victim_vulnerable", "repeat_incident"):
        spec = next(f for f in DETAILS["asb"] if f.name == name)
        assert spec.blank in page
