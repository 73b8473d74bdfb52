"""factory_boy factories for the people and things a test needs beyond the personas.

Cases and referrals are never built row by row: ``ReferralFactory`` and ``CaseFactory`` go
through intake (``referral_raise``), the one write path, so every case a test holds has its
log row, its events and its deadlines like a real one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import factory
from django.contrib.auth.models import User
from django.utils import timezone
from factory.django import DjangoModelFactory

from cases.models import Case
from partners.models import Agency, AgencyKind, Membership, Role, Ward
from referrals.models import Referral
from tests.personas import PASSWORD, dash, raise_referral


class WardFactory(DjangoModelFactory[Ward]):
    class Meta:
        model = Ward

    code = factory.Sequence(lambda n: f"E0599{n:04d}")
    name = factory.Sequence(lambda n: f"Test Ward {n}")
    local_authority_code = "E07999999"
    local_authority_name = "Test Borough"


class AgencyFactory(DjangoModelFactory[Agency]):
    class Meta:
        model = Agency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"test-agency-{n}")
    name = factory.LazyAttribute(lambda a: a.code.replace("-", " ").title())
    kind = AgencyKind.COUNCIL
    email = factory.LazyAttribute(lambda a: f"{a.code}@example.gov.uk")


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.gov.uk")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj: User, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            obj.save(update_fields=["password"])


class MembershipFactory(DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.OFFICER


def member(*roles: str, agency: Agency | str | None = None, username: str | None = None) -> User:
    """A user holding ``roles`` at ``agency`` (an Agency, an existing agency's code, or a
    new agency when None)."""
    if isinstance(agency, str):
        agency = Agency.objects.get(code=agency)
    agency = agency or AgencyFactory.create()
    user = UserFactory.create(username=username) if username else UserFactory.create()
    for role in roles or (Role.OFFICER,):
        MembershipFactory.create(user=user, agency=agency, role=role)
    return user


class ReferralFactory(factory.Factory[Referral]):
    """``ReferralFactory.create(by=people.officer, kind="asb", **payload overrides)``: raised
    through intake from the standard payload of its kind (tests/personas.py)."""

    class Meta:
        model = Referral

    kind = "asb"

    @classmethod
    def _create(cls, model_class: type[Referral], *, by: User, kind: str, **overrides: Any) -> Any:
        return raise_referral(by, kind, **overrides)

    _build = _create


class CaseFactory(factory.Factory[Case]):
    """A case opened by intake, in the usual shapes: ``CaseFactory.create(by=...,
    kind="asb", vulnerable=True)``, ``(kind="vawg", dash_yes=15)``, ``(kind="vawg",
    fgm_age=15)``."""

    class Meta:
        model = Case

    kind = "asb"

    @classmethod
    def _create(
        cls,
        model_class: type[Case],
        *,
        by: User,
        kind: str,
        vulnerable: bool | None = None,
        dash_yes: int | None = None,
        fgm_age: int | None = None,
        fgm_found: date | None = None,
        **overrides: Any,
    ) -> Any:
        if vulnerable is not None:
            overrides.setdefault(
                "details", {"victim_vulnerable": vulnerable, "repeat_incident": False}
            )
        if dash_yes is not None:
            overrides.setdefault("details", {"dash": dash(dash_yes)})
        if fgm_age is not None:
            overrides.setdefault("category", "fgm")
            overrides.setdefault(
                "details",
                {
                    "dash": dash(3),
                    "fgm_known": True,
                    "victim_age": fgm_age,
                    "fgm_discovered_on": (fgm_found or timezone.localdate()).isoformat(),
                    "fgm_discovered_how": "disclosed",
                },
            )
        return raise_referral(by, kind, **overrides).case

    _build = _create
