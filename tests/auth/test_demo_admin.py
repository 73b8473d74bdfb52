"""The demo's admin account (issue 14, item 8): `admin` signs in without a second factor
only in development (DEBUG on); with DEBUG off it needs one like every admin user."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from partners.demo import DEMO_ADMIN, seed_demo_admin
from partners.security import two_factor_required

pytestmark = pytest.mark.django_db


def test_the_demo_admin_is_exempt_from_the_second_factor_only_with_debug_on(
    settings: Any,
) -> None:
    seed_demo_admin(password="demo-test-pass")
    admin = User.objects.get(username=DEMO_ADMIN)
    assert admin.is_superuser
    assert admin.check_password("demo-test-pass")
    other = User.objects.create_superuser("root", "root@example.test", "x-pass-1234")
    settings.DEBUG = True
    settings.SIGN_IN_TWO_FACTOR_DEMO_EXEMPT = ("admin",)
    assert not two_factor_required(admin)
    assert two_factor_required(other)
    # Production: DEBUG off. Even were the setting left non-empty, nobody is exempt.
    settings.DEBUG = False
    assert two_factor_required(admin)


def test_production_settings_exempt_nobody() -> None:
    # config.settings derives the exemption from DEBUG, never from the environment; the
    # test settings run with DEBUG off, as production does.
    from django.conf import settings

    assert settings.DEBUG is False
    assert settings.SIGN_IN_TWO_FACTOR_DEMO_EXEMPT == ()


def test_seeding_the_admin_again_leaves_a_changed_password_alone() -> None:
    assert seed_demo_admin(password="first-pass-2026") == {"admins": 1}
    admin = User.objects.get(username=DEMO_ADMIN)
    admin.set_password("changed-by-hand-2026")
    admin.save()
    assert seed_demo_admin(password="first-pass-2026") == {"admins": 0}
    admin.refresh_from_db()
    assert admin.check_password("changed-by-hand-2026")
