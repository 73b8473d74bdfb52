"""Validation of the data each transition takes; errors name each field."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cases.catalogue import (
    DASH_QUESTIONS,
    MARAC_THRESHOLD,
    dash_level,
    dash_problems,
    dash_score,
    higher_risk,
)
from cases.models import Case, CaseKind, RiskLevel
from partners.models import Agency, Membership
from workflows.errors import InvalidTransitionData
from workflows.models import MaracReferral, RiskAssessment

# Which data keys each transition accepts; anything else is rejected, never ignored.
ACCEPTED: dict[str, set[str]] = {
    "triage": {"risk"},
    "assign": {"agency", "officer"},
    "assess_risk": {"dash", "professional_judgement", "escalation"},
    "reassess_risk": {"dash", "professional_judgement", "escalation"},
    "refer_to_marac": {"hearing_scheduled_for"},
    "record_marac_hearing": {"heard_at"},
    "record_release": {"actual_release_date"},
    "start_supervision": {"first_appointment_at"},
}


def validate(*, case: Case, name: str, data: dict[str, Any], by: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise InvalidTransitionData({"data": "Must be an object."})
    unknown = set(data) - ACCEPTED.get(name, set())
    if unknown:
        raise InvalidTransitionData(
            {f"data.{k}": f"'{name}' does not take this field." for k in sorted(unknown)}
        )
    validator = _VALIDATORS.get(name)
    return validator(case, data) if validator else {}


def _risk(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    if "risk" not in data:
        return {}
    if data["risk"] not in RiskLevel.values:
        raise InvalidTransitionData({"data.risk": f"Choose one of {', '.join(RiskLevel.values)}."})
    return {"risk": data["risk"]}


def _assign(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    agency = case.responsible_agency
    if data.get("agency") not in (None, ""):
        found = Agency.objects.filter(code=data["agency"], is_active=True).first()
        if found is None:
            errors["data.agency"] = f"No active agency with code '{data['agency']}'."
        else:
            agency = found
    officer = None
    if data.get("officer") not in (None, ""):
        officer = get_user_model().objects.filter(username=data["officer"], is_active=True).first()
        if officer is None:
            errors["data.officer"] = f"No active user '{data['officer']}'."
        elif not Membership.objects.filter(user=officer, agency=agency).exists():
            errors["data.officer"] = f"'{data['officer']}' is not a member of {agency.name}."
    if errors:
        raise InvalidTransitionData(errors)
    return {"agency": agency if agency != case.responsible_agency else None, "officer": officer}


def _assess_risk(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """A DASH assessment (the first, or a reassessment).

    The assessed level is the highest of the checklist's, the assessor's judgement and any
    judgement or escalation already standing on the case (``standing_judgement``): an
    IDVA's lower view does not erase a referrer's "high" (SafeLives: any agency's
    professional judgement may put a case at high risk). The case's risk never falls by an
    assessment: a lower level is an explicit downgrade by a manager (``case_set_risk``).
    """
    # The latest answers are used when none are given, so nothing is typed twice.
    latest = latest_assessment(case)
    answers = data.get("dash", latest.answers if latest else case.details.get("dash"))
    errors = dash_problems(answers, "data.dash")
    standing, escalated = standing_judgement(case)
    # Not given: the judgement and escalation standing on the case are carried forward.
    judgement = data.get("professional_judgement", standing)
    if judgement not in (None, "", *RiskLevel.values):
        errors["data.professional_judgement"] = f"Choose one of {', '.join(RiskLevel.values)}."
    escalation = data.get("escalation", escalated)
    if not isinstance(escalation, bool):
        errors["data.escalation"] = "Must be true or false."
    if errors:
        raise InvalidTransitionData(errors)
    score = dash_score(answers)
    assessed = dash_level(
        score,
        judgement=higher_risk(judgement or "", standing),
        escalation=escalation or escalated,
    )
    return {
        "dash": {code: answers[code] for code, _ in DASH_QUESTIONS},
        "score": score,
        "professional_judgement": judgement or "",
        "escalation": escalation,
        "assessed_risk": assessed,
        "risk": higher_risk(assessed, case.risk),
    }


def latest_assessment(case: Case) -> RiskAssessment | None:
    return RiskAssessment.objects.filter(case=case).order_by("-assessed_at", "-pk").first()


def last_marac_referral(case: Case) -> MaracReferral | None:
    return MaracReferral.objects.filter(case=case).order_by("-referred_at", "-pk").first()


def standing_judgement(case: Case) -> tuple[str, bool]:
    """The highest professional judgement, and whether escalation was identified, on the
    case since MARAC last heard it: the referrer's at intake and every assessment's."""
    heard = (
        MaracReferral.objects.filter(case=case, heard_at__isnull=False)
        .order_by("-heard_at")
        .values_list("heard_at", flat=True)
        .first()
    )
    judgement = ""
    escalation = False
    if heard is None:
        judgement = str(case.details.get("professional_judgement") or "")
        escalation = bool(case.details.get("escalation"))
    assessments = RiskAssessment.objects.filter(case=case)
    if heard is not None:
        assessments = assessments.filter(assessed_at__gt=heard)
    for given, escalated in assessments.values_list("professional_judgement", "escalation"):
        judgement = higher_risk(judgement, given)
        escalation = escalation or escalated
    return judgement, escalation


def marac_grounds(case: Case) -> list[str]:
    """The SafeLives MARAC criteria that hold on the case now: ``dash_14_plus`` (the latest
    DASH, or the referrer's before any assessment; ``tool_high_risk`` when the referrer's
    police DASH version or DARA graded it high), ``professional_judgement`` (high),
    ``potential_escalation`` and ``repeat`` (within 12 months of the last MARAC referral)."""
    latest = latest_assessment(case)
    score = latest.score if latest else case.details.get("dash_score")
    judgement, escalation = standing_judgement(case)
    grounds = []
    if isinstance(score, int) and score >= MARAC_THRESHOLD:
        grounds.append("dash_14_plus")
    elif latest is None and case.details.get("tool_grading") == RiskLevel.HIGH:
        grounds.append("tool_high_risk")  # a police DASH version or DARA graded it high
    if judgement == RiskLevel.HIGH:
        grounds.append("professional_judgement")
    if escalation:
        grounds.append("potential_escalation")
    if case.details.get("marac_repeat"):
        grounds.append("repeat")
    return grounds


def risk_floor_refusal(case: Case, risk: str) -> str | None:
    """Why a VAWG case's risk may not fall to ``risk``: while a MARAC criterion holds it stays
    high until MARAC has heard the case (SafeLives: professional judgement may not
    downgrade an actuarial 14+)."""
    if case.kind != CaseKind.VAWG or risk == RiskLevel.HIGH or case.risk != RiskLevel.HIGH:
        return None
    last = last_marac_referral(case)
    if last is not None and last.heard_at is not None:
        return None
    grounds = marac_grounds(case)
    if not grounds:
        return None
    return (
        f"Risk stays high until MARAC has heard the case: the MARAC criteria "
        f"{', '.join(grounds)} hold (SafeLives)."
    )


def _refer_to_marac(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    # The machine admits a high risk or a repeat; a risk raised to high by hand is the
    # raiser's professional judgement.
    grounds = marac_grounds(case) or ["professional_judgement"]
    clean: dict[str, Any] = {"assessment": latest_assessment(case), "grounds": grounds}
    if data.get("hearing_scheduled_for") not in (None, ""):
        field = "data.hearing_scheduled_for"
        when = _datetime(data["hearing_scheduled_for"], field)
        if when <= timezone.now():
            raise InvalidTransitionData(
                {
                    field: "The hearing date must be in the future: a past hearing is recorded "
                    "as heard."
                }
            )
        clean["hearing_scheduled_for"] = when
    return clean


def _parsed(parser: Any, value: Any) -> Any:
    """Django's date parsers raise ValueError for well-formed impossible values (30 February,
    a +99:00 offset); both are simply not a date here."""
    if not isinstance(value, str):
        return None
    try:
        parsed = parser(value)
        if isinstance(parsed, datetime) and parsed.tzinfo is not None:
            parsed.astimezone(UTC)  # OverflowError before year 1 or after 9999 in UTC
        return parsed
    except (ValueError, OverflowError):
        return None


def _date(value: Any, field: str, *, not_after_today: bool = False) -> date:
    parsed = _parsed(parse_date, value)
    if parsed is None:
        raise InvalidTransitionData({field: "Enter a date as YYYY-MM-DD."})
    if not_after_today and parsed > timezone.localdate():
        raise InvalidTransitionData({field: "The date cannot be in the future."})
    return parsed


def _datetime(value: Any, field: str) -> datetime:
    parsed = _parsed(parse_datetime, value)
    if parsed is None or timezone.is_naive(parsed):
        raise InvalidTransitionData({field: "Enter a date and time in ISO 8601 with a UTC offset."})
    return parsed


def _record_release(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    if "actual_release_date" not in data:
        raise InvalidTransitionData({"data.actual_release_date": "Enter the actual release date."})
    return {
        "actual_release_date": _date(
            data["actual_release_date"], "data.actual_release_date", not_after_today=True
        )
    }


def _record_marac_hearing(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    if "heard_at" not in data:
        return {}
    heard_at = _datetime(data["heard_at"], "data.heard_at")
    if heard_at > timezone.now():
        raise InvalidTransitionData(
            {"data.heard_at": "The hearing cannot be in the future: record it once it is heard."}
        )
    return {"heard_at": heard_at}


def _start_supervision(case: Case, data: dict[str, Any]) -> dict[str, Any]:
    if "first_appointment_at" not in data:
        return {}
    return {
        "first_appointment_at": _datetime(data["first_appointment_at"], "data.first_appointment_at")
    }


_VALIDATORS = {
    "triage": _risk,
    "assign": _assign,
    "assess_risk": _assess_risk,
    "reassess_risk": _assess_risk,
    "refer_to_marac": _refer_to_marac,
    "record_marac_hearing": _record_marac_hearing,
    "record_release": _record_release,
    "start_supervision": _start_supervision,
}


def dash_yes(answers: dict[str, Any]) -> list[str]:
    """The DASH questions answered yes, in checklist order."""
    return [code for code, _ in DASH_QUESTIONS if answers.get(code) == "yes"]


def loggable(clean: dict[str, Any]) -> dict[str, Any]:
    """The validated data as the transition log stores it: model rows become ids/codes.

    The log is append-only and kept for ever, so it keeps what the audit needs and no more
    personal data: of a DASH checklist, the questions answered yes (the score and risk are
    beside them), never the answers; those live on the RiskAssessment, which can be erased.
    """
    out: dict[str, Any] = {}
    for key, value in clean.items():
        if key == "dash" and isinstance(value, dict):
            out["dash_yes"] = dash_yes(value)
        elif isinstance(value, Agency):
            out[key] = value.code
        elif isinstance(value, models.Model):
            out[key] = value.pk
        elif value is not None:
            out[key] = value
    return out


def shown(data: dict[str, Any]) -> dict[str, Any]:
    """Logged data as history serves it. Rows written before ``loggable`` dropped the raw
    DASH answers still hold them (the append-only log cannot be rewritten): masked here, on
    every read, to what newer rows record."""
    if not isinstance(data, dict) or not isinstance(data.get("dash"), dict):
        return data
    masked = {k: v for k, v in data.items() if k != "dash"}
    masked["dash_yes"] = dash_yes(data["dash"])
    return masked
