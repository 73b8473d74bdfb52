"""Reads about who holds which role where."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AnonymousUser, User

from partners.models import Agency, Membership

UserLike = User | AnonymousUser


def user_memberships(user: UserLike) -> list[Membership]:
    """The user's memberships, cached on the user object for the life of the request."""
    if not user.is_authenticated:
        return []
    cached: list[Membership] | None = getattr(user, "_csp_memberships", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("agency"))
        setattr(user, "_csp_memberships", cached)  # noqa: B010 (a per-request cache)
    return cached


def user_agency_ids(user: UserLike, roles: Iterable[str] | None = None) -> set[int]:
    """Ids of agencies where the user holds any of ``roles`` (any role when None)."""
    wanted = set(roles) if roles is not None else None
    return {m.agency_id for m in user_memberships(user) if wanted is None or m.role in wanted}


def user_has_role(user: UserLike, *roles: str, agency: Agency | int | None = None) -> bool:
    """True if the user holds one of ``roles`` (at ``agency`` when given)."""
    agency_id = agency.pk if isinstance(agency, Agency) else agency
    return any(
        m.role in roles and (agency_id is None or m.agency_id == agency_id)
        for m in user_memberships(user)
    )


def primary_agency(user: UserLike) -> Agency | None:
    """The agency a user acts for by default: their first membership's agency."""
    memberships = user_memberships(user)
    return memberships[0].agency if memberships else None
