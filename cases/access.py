"""Need-to-know: who may see a case, and how much of it.

The predicates agree with ``Case.objects.for_user()`` / ``for_user_full()`` by being
defined through the same querysets (tests check both directions).
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import rules

from cases.models import Case
from partners.models import Role
from partners.selectors import user_has_role


class Visibility(Enum):
    NONE = "none"
    OUTLINE = "outline"  # reference and state only: a VAWG case's referrer
    FULL = "full"


def case_visibility(user: Any, case: Case) -> Visibility:
    if Case.objects.for_user_full(user).filter(pk=case.pk).exists():
        return Visibility.FULL
    if Case.objects.for_user(user).filter(pk=case.pk).exists():
        return Visibility.OUTLINE
    return Visibility.NONE


@rules.predicate
def can_view_case(user: Any, case: Case) -> bool:
    return case_visibility(user, case) is not Visibility.NONE


@rules.predicate
def can_view_case_in_full(user: Any, case: Case) -> bool:
    return case_visibility(user, case) is Visibility.FULL


@rules.predicate
def is_auditor(user: Any) -> bool:
    return user_has_role(user, Role.AUDITOR)


rules.add_perm("cases.view_case", can_view_case)
rules.add_perm("cases.view_case_full", can_view_case_in_full)
