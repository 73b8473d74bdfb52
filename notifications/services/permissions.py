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


def may_choose_where_to_connect(by: Any | None) -> bool:
    """Whether ``by`` may let an endpoint reach private addresses (``allow_private``) or
    send Notify's token somewhere other than GOV.UK Notify (``notify_base_url``).

    Staff holding ``notifications.change_endpoint`` (the admin) or the system itself
    (``None``), never an agency's manager: both decide where the server connects.
    """
    return by is None or bool(by.has_perm("notifications.change_endpoint"))
