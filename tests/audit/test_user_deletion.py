"""A user who has acted is deactivated, never deleted: the admin says so instead of failing.

Deleting one would null ``auditlog_logentry.actor_id`` on their entries: PostgreSQL's
append-only trigger refuses that (a 500 until now), and elsewhere it would silently
rewrite sealed entries so that ``verify_audit`` failed.
"""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from cases.services import case_viewed
from tests.audit.conftest import verify
from tests.personas import raise_referral

pytestmark = pytest.mark.django_db

REFUSAL = "deactivate the account instead"


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(
        User.objects.create_superuser("csp-admin", "admin@example.org", "x-long-password-1")
    )
    return client


@pytest.fixture
def reader(people) -> User:
    """The manager, whose only trace is an audit entry: they opened a VAWG case."""
    case = raise_referral(people.officer, "vawg").case
    assert case_viewed(case=case, by=people.manager)
    assert LogEntry.objects.filter(actor=people.manager).exists()
    return people.manager


def test_deleting_a_user_with_audit_history_is_refused_with_a_clear_message(
    admin_client, reader
) -> None:
    url = f"/admin/auth/user/{reader.pk}/delete/"
    page = admin_client.get(url)
    assert page.status_code == 200
    assert REFUSAL in page.content.decode()
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code in (200, 403)
    assert REFUSAL in response.content.decode()
    assert User.objects.filter(pk=reader.pk).exists()
    assert LogEntry.objects.filter(actor=reader).exists()
    assert verify()[0]


def test_the_bulk_delete_action_refuses_them_too(admin_client, reader, people) -> None:
    response = admin_client.post(
        "/admin/auth/user/",
        {
            "action": "delete_selected",
            "_selected_action": [reader.pk, people.outsider.pk],
            "post": "yes",
        },
    )
    assert response.status_code in (200, 403)
    assert REFUSAL in response.content.decode()
    assert User.objects.filter(pk__in=[reader.pk, people.outsider.pk]).count() == 2


def test_a_user_with_no_history_can_still_be_deleted(admin_client, people) -> None:
    spare = User.objects.create_user("spare-account")
    response = admin_client.post(f"/admin/auth/user/{spare.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=spare.pk).exists()
