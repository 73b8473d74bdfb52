"""Mark a person on a case "do not disclose to the other party", or lift the mark."""

from __future__ import annotations

from typing import Any

from cases.access import always_withheld
from cases.models import Case, Subject
from workflows.actions.unit import case_change
from workflows.errors import InvalidTransitionData, TransitionForbidden
from workflows.policy import disclosure_change_refusal

SET_DISCLOSURE = "set_subject_disclosure"
NEVER_DISCLOSED = "A VAWG victim is never disclosed to the other party."


def case_subject_disclosure_set(
    *,
    case_id: int,
    subject_id: int,
    withhold: bool,
    by: Any,
    reason: str,
    expected_version: int | None = None,
) -> Case:
    """Withhold a person on the case from the other party (``withhold``), or disclose them
    to every agency on it; ``workflows.policy.disclosure_change_refusal`` says who may.

    Raises TransitionForbidden (403), InvalidTransitionData (400: no reason, no such person
    on the case, or lifting a VAWG victim's mark) or ConcurrentChange (409). Setting the
    mark a person already has writes nothing. No event is emitted: telling every agency on
    the case that someone's identity was just withheld from some of them says too much.
    """
    with case_change(
        case_id=case_id,
        by=by,
        name=SET_DISCLOSURE,
        reason=reason,
        expected_version=expected_version,
        durable=True,
        require_reason=False,  # a refusal says why before a missing reason does
    ) as change:
        case = change.case
        if refusal := disclosure_change_refusal(user=by, case=case):
            raise TransitionForbidden(refusal)
        subject = Subject.objects.filter(pk=subject_id, case=case).first()
        if subject is None:
            raise InvalidTransitionData({"subject": "No such person on this case."})
        if not withhold and always_withheld(case.kind, subject.role):
            raise InvalidTransitionData({"withhold": NEVER_DISCLOSED})
        if subject.withhold_from_other_party == withhold:
            change.nothing()
            return case
        change.require_reason()
        subject.withhold_from_other_party = withhold
        subject.save(update_fields=["withhold_from_other_party"])  # its audit entry
        change.changed("updated_at")  # the case reads differently: a new version
        change.log_data = {"subject": subject.pk, "withhold": withhold}
        change.replan = False  # no clock waits on who may read a name
    return case
