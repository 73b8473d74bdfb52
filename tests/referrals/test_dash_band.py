"""The DASH "medium" band is local configuration, and says so (issue 13 item 7).

SafeLives sets one DASH threshold: 14 or more "yes" answers is visible high risk and a MARAC
referral. A medium band below it (commonly 10-13) is a partnership's own convention, so it
is the setting DASH_MEDIUM_FROM, and pages and /api/v1/meta/ call it local.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from cases.catalogue import MARAC_THRESHOLD, dash_risk
from tests.personas import dash, raise_referral

pytestmark = pytest.mark.django_db


def test_the_default_medium_band_is_ten_to_thirteen() -> None:
    assert [dash_risk(n) for n in (9, 10, 13, 14)] == ["standard", "medium", "medium", "high"]


@override_settings(DASH_MEDIUM_FROM=12)
def test_a_partnership_may_move_the_medium_band() -> None:
    assert [dash_risk(n) for n in (11, 12, 13, 14)] == ["standard", "medium", "medium", "high"]


@override_settings(DASH_MEDIUM_FROM=MARAC_THRESHOLD)
def test_a_partnership_may_have_no_medium_band_but_never_moves_the_marac_threshold() -> None:
    assert [dash_risk(n) for n in (13, 14)] == ["standard", "high"]


@override_settings(DASH_MEDIUM_FROM=12)
def test_intake_grades_a_referral_by_the_configured_band(people) -> None:
    case = raise_referral(people.officer, "vawg", details={"dash": dash(11)}).case
    assert case.risk == "standard"


@override_settings(DASH_MEDIUM_FROM=12)
def test_meta_publishes_the_configured_band_and_says_it_is_local(people) -> None:
    client = APIClient()
    client.force_authenticate(people.user("officer"))
    meta = client.get("/api/v1/meta/").json()["dash"]
    assert meta["marac_threshold"] == MARAC_THRESHOLD
    assert meta["medium_from"] == 12
    assert "local" in meta["medium_note"]
    assert "SafeLives sets only the MARAC threshold" in meta["medium_note"]
