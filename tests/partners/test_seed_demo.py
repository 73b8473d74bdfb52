import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from partners.models import Agency, Membership, Role, Ward

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_partnership_once() -> None:
    call_command("seed_demo")
    counts = (Ward.objects.count(), Agency.objects.count(), Membership.objects.count())
    call_command("seed_demo")
    assert (Ward.objects.count(), Agency.objects.count(), Membership.objects.count()) == counts
    assert counts[0] >= 20
    assert counts[1] == 8


@pytest.mark.parametrize(
    ("username", "agency_code", "role"),
    [
        ("officer", "kestrel-police", Role.OFFICER),
        ("asb_coordinator", "council-asb", Role.ASB_COORDINATOR),
        ("idva", "victim-services", Role.SAFEGUARDING_LEAD),
        ("probation", "probation", Role.PROBATION_PRACTITIONER),
        ("caseworker", "housing", Role.CASE_WORKER),
        ("manager", "council-asb", Role.MANAGER),
        ("auditor", "council-asb", Role.AUDITOR),
        ("outsider", "fire-rescue", Role.OFFICER),
    ],
)
def test_each_demo_persona_signs_in_with_the_demo_password(
    username: str, agency_code: str, role: str, settings: object
) -> None:
    call_command("seed_demo")
    # django-axes (first backend) needs the request a sign-in comes with.
    request = RequestFactory().post("/admin/login/")
    user = authenticate(request, username=username, password=settings.DEMO_PASSWORD)  # type: ignore[attr-defined]
    assert user is not None
    assert Membership.objects.filter(user=user, agency__code=agency_code, role=role).exists()


def test_ward_codes_must_look_like_ons_codes() -> None:
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Ward.objects.create(
            code="BAD",
            name="Nowhere",
            local_authority_code="E06099901",
            local_authority_name="Borough",
        )
