"""Prompts on a case: what the law asks of an agency on it, from the facts intake recorded
(children's social care's decision, a protection order to consider, Operation Encompass),
with whether the answering milestone has been recorded. The case page and the case API
show the same list; nothing here names a person.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from workflows.models import TransitionLog
from workflows.policy import milestone_permission_refusal
from workflows.sla.names import (
    CHILD_SAFEGUARDING,
    CHILD_SAFEGUARDING_DECIDED,
    MILESTONES,
    NOTIFY_SCHOOL,
    OPERATION_ENCOMPASS,
    PROTECTION_ORDER,
    PROTECTION_ORDER_APPLIED,
    PROTECTION_ORDER_NOT_APPLIED,
)

GROUND_LABELS = {
    "under_16": "the victim is under 16 (child protection)",
    "aged_16_or_17": "the victim is 16 or 17 (a child)",
    "fgm": "FGM in a girl under 18",
    "forced_marriage": "forced marriage of a child",
}


@dataclass(frozen=True)
class Prompt:
    code: str
    text: str
    answered_by: tuple[str, ...]
    outcome: str | None = None  # the milestone that answered it, if any
    outcome_at: datetime | None = None

    @property
    def outcome_label(self) -> str:
        labels = {m.name: m.label for kind in MILESTONES.values() for m in kind.values()}
        return labels.get(self.outcome or "", "")

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answered_by"] = list(self.answered_by)
        data["done"] = self.outcome is not None
        return data


def _answer(case: Any, names: tuple[str, ...]) -> tuple[str | None, datetime | None]:
    row = (
        TransitionLog.objects.filter(case_id=case.pk, transition__in=names)
        .order_by("-seq")
        .values_list("transition", "at")
        .first()
    )
    return (row[0], row[1]) if row else (None, None)


def case_prompts(case: Any, *, full: bool, user: Any) -> list[Prompt]:
    """The prompts on ``case`` for a reader who sees it in full (``full``), or, for one who
    sees only its outline, the prompts they may answer (the referring police officer's
    Operation Encompass notification)."""
    prompts: list[Prompt] = []
    details = case.details or {}
    referral = details.get(CHILD_SAFEGUARDING)
    if full and isinstance(referral, dict):
        grounds = ", ".join(GROUND_LABELS.get(g, g) for g in referral.get("grounds", []))
        names: tuple[str, ...] = (CHILD_SAFEGUARDING_DECIDED,)
        prompts.append(
            Prompt(
                CHILD_SAFEGUARDING,
                f"Referred to children's social care ({grounds}): they decide what response "
                "is required within one working day (Working Together to Safeguard "
                "Children 2023).",
                names,
                *_answer(case, names),
            )
        )
    order = details.get(PROTECTION_ORDER)
    if full and isinstance(order, dict):
        names = (PROTECTION_ORDER_APPLIED, PROTECTION_ORDER_NOT_APPLIED)
        prompts.append(
            Prompt(
                PROTECTION_ORDER,
                f"Consider applying for an {order.get('basis', 'protection order')}: record "
                "whether it was applied for, or why not.",
                names,
                *_answer(case, names),
            )
        )
    encompass = details.get(OPERATION_ENCOMPASS)
    if isinstance(encompass, dict) and (
        full
        or milestone_permission_refusal(MILESTONES[case.kind][NOTIFY_SCHOOL], case=case, user=user)
        is None
    ):
        names = (NOTIFY_SCHOOL,)
        prompts.append(
            Prompt(
                OPERATION_ENCOMPASS,
                "Operation Encompass: the police notify the children's schools before the "
                "next school day (Victims and Prisoners Act 2024).",
                names,
                *_answer(case, names),
            )
        )
    return prompts
