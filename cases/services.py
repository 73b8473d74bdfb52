"""Writes of the cases app."""

from __future__ import annotations

from typing import Any

from auditlog.signals import accessed
from django.db import transaction

from cases.audit import acting_as
from cases.models import Case, CaseKind, Subject


@transaction.atomic
def case_viewed(*, case: Case, by: Any) -> bool:
    """Record that ``by`` opened a VAWG case: an auditlog ACCESS entry (who, which, when).

    Pages and the API call this whenever they show a case, whatever its kind: VAWG reads
    are logged (need-to-know with access logging) and True is returned; other kinds are
    not, and False is returned. The caller has already checked that ``by`` may see the
    case: this records, it does not authorise.
    """
    if not getattr(by, "is_authenticated", False):
        raise ValueError("case_viewed needs the signed-in user who viewed the case")
    if case.kind != CaseKind.VAWG:
        return False
    # auditlog's own ACCESS path, not LogEntry.objects.log_create: the entry then passes
    # the post_log hook that seals it into the case's audit chain, in this transaction.
    with acting_as(by):
        accessed.send(sender=Case, instance=case)
    return True


@transaction.atomic
def safe_contact_viewed(*, subject: Subject, by: Any) -> None:
    """Record that ``by`` read how to contact ``subject`` safely: an auditlog ACCESS entry
    on the person, sealed into the case's audit chain. Every read is recorded, whatever the
    kind: where a victim may be reached is what the perpetrator's side would want most.
    The caller has already checked that ``by`` may read it."""
    if not getattr(by, "is_authenticated", False):
        raise ValueError("safe_contact_viewed needs the signed-in user who read it")
    with acting_as(by):
        accessed.send(sender=Subject, instance=subject)
