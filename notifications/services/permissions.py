"""Who may change an agency's notification set-up and retry its deliveries."""

from __future__ import annotations

from typing import Any

from partners.models import Role
from partners.selectors import user_has_role


def may_manage(by: Any, *, agency_id: int, perm: str) -> bool:
    """Staff holding ``notifications.<perm>`` (the admin), or a manager at the agency."""
    return bool(by.has_perm(f"notifications.{perm}")) or user_has_role(
        by, Role.MANAGER, agency=agency_id
    )
