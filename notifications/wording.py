"""Words for people about an event: the one place that turns an event into a sentence.

Every message a person reads about an event (an email's body, GOV.UK Notify's
personalisation, the in-app inbox) says it through ``describe``, never through the
envelope's machine fields: no state or transition codes, no ids, no "None". Webhooks and
the ``csp.events`` exchange carry the envelope unchanged, for partners' systems.

Labels for the workflows' codes (states, transitions, milestones, deadline policies) live
in workflows, above this app (imports run one way): workflows registers them at start-up
(``register_words``, from ``WorkflowsConfig.ready``). A code with no label reads as words
("pre_release_planning" as "pre release planning"), never as the code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.dateparse import parse_datetime

from cases.models import RiskLevel
from notifications.events import MACHINE_ONLY_DATA_KEYS
from notifications.labels import event_label
from partners.models import Agency

Lookup = Callable[[str], str | None]
_LOOKUPS: dict[str, Lookup] = {}

AUDIENCES = {
    "responsible": "the responsible agency",
    "agency_managers": "the agency's managers",
    "partnership_manager": "the partnership manager",
}
# The catalogue's risk levels, as a sentence says them ("high").
RISKS = {value: str(label).lower() for value, label in RiskLevel.choices}


def register_words(vocabulary: str, lookup: Lookup) -> None:
    """Give ``vocabulary`` ("state", "transition", "milestone", "policy") its labels."""
    _LOOKUPS[vocabulary] = lookup


def words(vocabulary: str, code: object) -> str:
    """The label for ``code``, or the code as plain words."""
    text = str(code or "")
    lookup = _LOOKUPS.get(vocabulary)
    found = lookup(text) if lookup and text else None
    return found or text.replace(".", " ").replace("_", " ").strip()


def when(moment: datetime) -> str:
    """A time as people in the partnership read it: Europe/London, the year only when it is
    not this year ("4 December, 14:05"; "30 November 2025, 09:00")."""
    local = timezone.localtime(moment)
    this_year = timezone.localtime().year
    return date_format(local, "j F, H:i" if local.year == this_year else "j F Y, H:i")


def _moment(value: object) -> datetime | None:
    parsed = parse_datetime(str(value or ""))
    return parsed if parsed is not None and not timezone.is_naive(parsed) else None


def agency_names(codes: list[str]) -> list[str]:
    names = dict(Agency.objects.filter(code__in=codes).values_list("code", "name"))
    return [names.get(code, code.replace("-", " ")) for code in codes]


@dataclass
class Described:
    """What a person reads about one event: a sentence and labelled facts."""

    sentence: str
    details: list[tuple[str, str]] = field(default_factory=list)


def describe(*, type: str, case_reference: str, data: Mapping[str, Any]) -> Described:
    """One event in plain English: what happened, to which case, in the catalogue's and
    the state machines' words. Only what the event carries (no personal data: the event
    holds none)."""
    ref = case_reference or "a case"
    writer = _WRITERS.get(type)
    if writer is not None and case_reference:
        return writer(ref, data)
    return Described(f"{event_label(type)}: {ref}" if case_reference else event_label(type))


def event_text(event: Any) -> str:
    """The sentence for a stored event (an ``OutboxEvent``), as the inbox shows it."""
    data = {k: v for k, v in (event.data or {}).items() if k not in MACHINE_ONLY_DATA_KEYS}
    return describe(type=event.type, case_reference=event.case_reference, data=data).sentence


def _transitioned(ref: str, data: Mapping[str, Any]) -> Described:
    action = words("transition", data.get("transition"))
    sentence = f"{action}: {ref}" if action else ref[0].upper() + ref[1:]
    if data.get("from") and data.get("to") and data.get("from") != data.get("to"):
        sentence += f" moved from {words('state', data['from'])} to {words('state', data['to'])}"
    elif data.get("to"):
        sentence += f" is {words('state', data['to'])}"
    return Described(sentence)


def _assigned(ref: str, data: Mapping[str, Any]) -> Described:
    [agency] = agency_names([str(data.get("agency") or "")]) if data.get("agency") else [""]
    sentence = f"{ref} assigned" + (f" to {agency}" if agency else "")
    if data.get("officer_assigned"):
        sentence += ", with a named officer"
    return Described(sentence)


def _risk_changed(ref: str, data: Mapping[str, Any]) -> Described:
    before = RISKS.get(str(data.get("from_risk")), "")
    after = RISKS.get(str(data.get("to_risk")), "")
    sentence = f"Risk on {ref} changed" + (f" from {before}" if before else "")
    sentence += f" to {after}" if after else ""
    if data.get("downgrade"):
        sentence += " (lowered by a manager)"
    return Described(sentence)


def _milestone(ref: str, data: Mapping[str, Any]) -> Described:
    return Described(f"{words('milestone', data.get('milestone'))}: recorded on {ref}")


def _deadline(verb: str) -> Callable[[str, Mapping[str, Any]], Described]:
    def write(ref: str, data: Mapping[str, Any]) -> Described:
        policy = words("policy", data.get("policy"))
        sentence = f"Deadline {verb} on {ref}: {policy}"
        details = []
        due = _moment(data.get("due_at"))
        if due is not None:
            details.append(("Due", f"{when(due)} (UK time)"))
        if data.get("responsible_agency"):
            [agency] = agency_names([str(data["responsible_agency"])])
            details.append(("Responsible agency", agency))
        audience = AUDIENCES.get(str(data.get("audience")))
        if verb == "breach escalated" and audience:
            details.append(("Escalated to", audience[0].upper() + audience[1:]))
        return Described(sentence, details)

    return write


def _referral_raised(ref: str, data: Mapping[str, Any]) -> Described:
    return Described(f"New referral on {ref}")


def _risk_reports(ref: str, data: Mapping[str, Any]) -> Described:
    reports = data.get("reports")
    sentence = f"The ASB case review threshold may be met on {ref}"
    if isinstance(reports, int) and not isinstance(reports, bool):
        sentence += f": {reports} reports counted"
    return Described(sentence)


def _child_referred(ref: str, data: Mapping[str, Any]) -> Described:
    return Described(f"{ref} referred to children's social care")


_WRITERS: dict[str, Callable[[str, Mapping[str, Any]], Described]] = {
    "case.transitioned": _transitioned,
    "case.assigned": _assigned,
    "case.risk_changed": _risk_changed,
    "case.milestone_recorded": _milestone,
    "case.review_threshold_met": _risk_reports,
    "case.child_safeguarding_referred": _child_referred,
    "referral.raised": _referral_raised,
    "deadline.approaching": _deadline("approaching"),
    "deadline.breached": _deadline("breached"),
    "deadline.escalated": _deadline("breach escalated"),
}
