"""Intake validation: turns a submitted referral into clean values or names every bad field.

Used by the API serializer and the web form alike, so both accept exactly the same input.
Which keys are accepted, and the checks of each plain field, follow from the shape declared
in ``referrals.shape``; the rules across fields are written here. Field paths look like
``subjects[0].full_name`` or ``details.dash.q3``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cases.access import always_withheld, withheld_by_default
from cases.catalogue import (
    DASH_QUESTIONS,
    SAFELIVES_DASH,
    category,
    dash_level,
    dash_problems,
    dash_score,
    higher_risk,
)
from cases.duties import age_on
from cases.models import CaseKind, NeedStatus, NeedType, RiskLevel, SubjectRole
from partners.models import Agency, Ward
from referrals.shape import (
    DETAILS,
    IDENTIFIERS,
    NEED,
    SAFE_CONTACT,
    SUBJECT,
    SUBJECT_ROLES,
    TOP_LEVEL,
)
from web.forms import unstorable
from web.problems import ProblemError
from web.shapes import Field, field_named, names

POSTCODE_RE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")
PRISON_NUMBER_RE = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")
CRN_RE = re.compile(r"^[A-Z][0-9]{6}$")
PLAIN_TEXT = ("summary", "location_text", "postcode")
MAX_TEXT = 10_000  # for a text field whose shape gives no limit
CHILD_UNDER = 18  # Children Act 1989 s105(1): a child is a person under 18


class ReferralInvalid(ProblemError):
    """The referral's bad fields: ``errors`` maps each path to its message (the API's 400)."""

    errors: dict[str, str]

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


@dataclass
class CleanSubject:
    role: str
    full_name: str
    date_of_birth: date | None = None
    age: int | None = None
    identifiers: dict[str, str] = field(default_factory=dict)
    safe_contact: dict[str, Any] = field(default_factory=dict)
    do_not_disclose: bool = False
    school: str = ""


@dataclass
class CleanReferral:
    kind: str
    ward: Ward
    category: str
    summary: str
    occurred_at: datetime
    reported_at: datetime
    location_text: str = ""
    postcode: str = ""
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    subjects: list[CleanSubject] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)
    join_case: int | None = None
    risk: str = RiskLevel.STANDARD
    expected_release_date: date | None = None
    needs: list[dict[str, Any]] = field(default_factory=list)


def normalise_key(text: str) -> str:
    """Lower-case, punctuation-free, single-spaced text for matching names and places."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


class _Errors(dict[str, str]):
    def add(self, path: str, message: str) -> None:
        self.setdefault(path, message)


def _text(
    data: dict[str, Any],
    key: str,
    errors: _Errors,
    *,
    path: str,
    required: bool,
    max_length: int,
    missing: str = "",
) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            errors.add(path, missing or "This field is required.")
        return ""
    if not isinstance(value, str):
        errors.add(path, "Must be text.")
        return ""
    value = value.strip()
    if required and not value:
        errors.add(path, "This field is required.")
    if len(value) > max_length:
        errors.add(path, f"Must be at most {max_length} characters.")
    return value


def _parsed(parser: Any, value: Any) -> Any:
    """Django's date parsers raise ValueError for well-formed impossible values (30 February,
    a +99:00 offset); both are simply not a date here."""
    if not isinstance(value, str):
        return None
    try:
        return parser(value)
    except ValueError:
        return None


def _when(value: Any, path: str, errors: _Errors, now: datetime) -> datetime | None:
    parsed = _parsed(parse_datetime, value)
    if parsed is not None:
        try:
            if timezone.is_naive(parsed):
                parsed = timezone.make_aware(parsed)  # read as Europe/London wall-clock time
            parsed.astimezone(UTC)
        except (OverflowError, ValueError):
            parsed = None  # before year 1 or after 9999 once in UTC
    if parsed is None:
        errors.add(path, "Enter a date and time in ISO 8601, e.g. 2026-11-28T21:30:00Z.")
        return None
    if parsed > now + timedelta(minutes=5):
        errors.add(path, "Cannot be in the future.")
    return parsed


def _day(value: Any, path: str, errors: _Errors) -> date | None:
    parsed = _parsed(parse_date, value)
    if parsed is None:
        errors.add(path, "Enter a date as YYYY-MM-DD.")
    return parsed


def _bool(data: dict[str, Any], key: str, path: str, errors: _Errors, *, required: bool) -> bool:
    if key not in data:
        if required:
            errors.add(path, "This field is required (true or false).")
        return False
    if not isinstance(data[key], bool):
        errors.add(path, "Must be true or false.")
        return False
    return bool(data[key])


def _int(value: Any, path: str, errors: _Errors, lo: int, hi: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        errors.add(path, f"Must be a whole number from {lo} to {hi}.")
        return None
    return value


def _unknown(data: dict[str, Any], allowed: set[str], prefix: str, errors: _Errors) -> None:
    for key in sorted(set(data) - allowed):
        errors.add(f"{prefix}{key}", "Unknown field.")


def _read(
    data: dict[str, Any], fields: tuple[Field, ...], prefix: str, errors: _Errors
) -> dict[str, Any]:
    """The plain fields of ``fields`` in ``data``, each checked as its shape declares: the
    values of those sent (and of missing required ones, with an error). Objects and arrays
    are the caller's to read."""
    out: dict[str, Any] = {}
    for f in fields:
        path = prefix + f.name
        absent = data.get(f.name) is None
        if f.type == "boolean":
            if f.name in data or f.required:
                out[f.name] = _bool(data, f.name, path, errors, required=f.required)
        elif f.type == "string":
            value = _text(
                data,
                f.name,
                errors,
                path=path,
                required=f.required,
                max_length=f.max_length or MAX_TEXT,
                missing=f.missing,
            )
            if value and f.choices and value not in f.choices:
                errors.add(path, f"Choose one of {', '.join(f.choices)}.")
            out[f.name] = value
        elif f.type in ("integer", "date"):
            if absent:
                if f.required:
                    errors.add(path, f.missing or "This field is required.")
                out[f.name] = None
            elif f.type == "integer":
                lo, hi = f.minimum or 0, f.maximum if f.maximum is not None else 2**31 - 1
                out[f.name] = _int(data[f.name], path, errors, lo, hi)
            else:
                out[f.name] = _day(data[f.name], path, errors)
    return out


def _refuse_unstorable(data: dict[str, Any]) -> None:
    """Text PostgreSQL cannot store, refused first: the lookups below would query with it.

    The API's parser refuses it already; this holds for every other caller (the pages' draft,
    a task, the shell) so that no reference is reserved for a referral that cannot be saved.
    """
    errors = _Errors()
    stack: list[tuple[Any, str]] = [(data, "")]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            problem = unstorable(value)
            if problem:
                errors.add(path, problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and unstorable(key):
                    errors.add(path or "body", "Field names may not contain such characters.")
                else:
                    stack.append((item, f"{path}.{key}" if path else str(key)))
        elif isinstance(value, list):
            stack.extend((item, f"{path}[{i}]") for i, item in enumerate(value))
    if errors:
        raise ReferralInvalid(dict(sorted(errors.items())))


def validate_referral(data: Any, *, now: datetime | None = None) -> CleanReferral:
    """Validate a referral submission. Raises ReferralInvalid naming every bad field."""
    now = now or timezone.now()
    errors = _Errors()
    if not isinstance(data, dict):
        raise ReferralInvalid({"body": "Send a JSON object."})
    _refuse_unstorable(data)
    _unknown(data, names(TOP_LEVEL), "", errors)
    kind = data.get("kind")
    if kind not in CaseKind.values:
        errors.add("kind", f"Choose one of {', '.join(CaseKind.values)}.")
        raise ReferralInvalid(dict(errors))
    ward = None
    if not isinstance(data.get("ward"), str) or not data.get("ward"):
        errors.add("ward", "Enter the ward's ONS code.")
    else:
        ward = Ward.objects.filter(code=data["ward"].strip().upper()).first()
        if ward is None:
            errors.add("ward", f"No ward with code '{data['ward']}'.")
    code = data.get("category")
    if not isinstance(code, str) or category(kind, code) is None:
        errors.add("category", f"Not a {kind} category; see /api/v1/meta/ for the codes.")
    texts = _read(data, tuple(field_named(TOP_LEVEL, n) for n in PLAIN_TEXT), "", errors)
    summary = texts.get("summary", "")
    occurred_at = _when(data.get("occurred_at"), "occurred_at", errors, now)
    reported_at = now
    if data.get("reported_at") is not None:
        reported_at = _when(data["reported_at"], "reported_at", errors, now) or now
    if occurred_at and reported_at and occurred_at > reported_at:
        errors.add("occurred_at", "Must be before the time it was reported.")
    location_text = texts.get("location_text", "")
    postcode = texts.get("postcode", "").upper()
    if postcode and not POSTCODE_RE.match(postcode):
        errors.add("postcode", "Enter a UK postcode, e.g. KV1 2AB.")
    lat = _coordinate(data, "latitude", errors, -90, 90)
    lng = _coordinate(data, "longitude", errors, -180, 180)
    if (lat is None) != (lng is None):
        errors.add("latitude" if lat is None else "longitude", "Give both latitude and longitude.")
    subjects = _subjects(kind, data.get("subjects", []), errors)
    details_in = data.get("details", {})
    if not isinstance(details_in, dict):
        errors.add("details", "Must be an object.")
        details_in = {}
    _unknown(details_in, names(DETAILS[kind]), "details.", errors)
    plain = _read(details_in, DETAILS[kind], "details.", errors)
    join_case = data.get("join_case")
    if join_case is not None and (isinstance(join_case, bool) or not isinstance(join_case, int)):
        errors.add("join_case", "Give the id of the open case to join.")
        join_case = None
    clean = CleanReferral(
        kind=kind,
        ward=ward,  # type: ignore[arg-type]
        category=code if isinstance(code, str) else "",
        summary=summary,
        occurred_at=occurred_at or now,
        reported_at=reported_at,
        location_text=location_text,
        postcode=postcode,
        latitude=lat,
        longitude=lng,
        subjects=subjects,
        join_case=join_case,
    )
    if kind == CaseKind.ASB:
        _asb_details(plain, clean)
    elif kind == CaseKind.VAWG:
        _vawg_details(details_in, plain, clean, errors)
    else:
        _early_release_details(details_in, plain, clean, errors)
    if errors:
        raise ReferralInvalid(dict(errors))
    return clean


def _coordinate(
    data: dict[str, Any], key: str, errors: _Errors, lo: int, hi: int
) -> Decimal | None:
    if data.get(key) in (None, ""):
        return None
    try:
        value = Decimal(str(data[key]))
    except InvalidOperation:
        errors.add(key, "Must be a number.")
        return None
    if not value.is_finite() or not lo <= value <= hi:
        errors.add(key, f"Must be between {lo} and {hi}.")
        return None
    return value.quantize(Decimal("0.000001"))


def _subjects(kind: str, raw: Any, errors: _Errors) -> list[CleanSubject]:
    if not isinstance(raw, list):
        errors.add("subjects", "Must be a list of people.")
        return []
    if len(raw) > 20:
        errors.add("subjects", "At most 20 people per referral.")
        return []
    roles = SUBJECT_ROLES[CaseKind(kind)]
    out = []
    for i, item in enumerate(raw):
        p = f"subjects[{i}]."
        if not isinstance(item, dict):
            errors.add(f"subjects[{i}]", "Must be an object.")
            continue
        _unknown(item, names(SUBJECT), p, errors)
        role = item.get("role")
        if not isinstance(role, str) or role not in roles:
            role = None
            errors.add(p + "role", f"Choose one of {', '.join(sorted(roles))}.")
        name = _text(item, "full_name", errors, path=p + "full_name", required=True, max_length=200)
        dob = (
            _day(item["date_of_birth"], p + "date_of_birth", errors)
            if item.get("date_of_birth")
            else None
        )
        if dob and dob > timezone.localdate():
            errors.add(p + "date_of_birth", "Cannot be in the future.")
        age = _int(item["age"], p + "age", errors, 0, 120) if item.get("age") is not None else None
        identifiers = item.get("identifiers") or {}
        if not isinstance(identifiers, dict) or not all(
            isinstance(v, str) for v in identifiers.values()
        ):
            errors.add(p + "identifiers", "Must be an object of text values.")
            identifiers = {}
        _unknown(identifiers, names(IDENTIFIERS), p + "identifiers.", errors)
        _read(identifiers, IDENTIFIERS, p + "identifiers.", errors)
        safe = item.get("safe_contact") or {}
        if safe and (kind != CaseKind.VAWG or role != SubjectRole.VICTIM):
            errors.add(p + "safe_contact", "Only recorded for a VAWG victim.")
        elif not isinstance(safe, dict):
            errors.add(p + "safe_contact", "Must be an object.")
            safe = {}
        else:
            _unknown(safe, names(SAFE_CONTACT), p + "safe_contact.", errors)
            safe = {
                k: v
                for k, v in _read(safe, SAFE_CONTACT, p + "safe_contact.", errors).items()
                if v not in ("", None)
            }
        withhold = _do_not_disclose(kind, role, item, p + "do_not_disclose", errors)
        school = _read(item, (field_named(SUBJECT, "school"),), p, errors).get("school", "")
        if school and role != SubjectRole.CHILD:
            errors.add(p + "school", "Only recorded for a child (role 'child').")
        if role == SubjectRole.CHILD:
            _child_age(dob, age, p, errors)
        out.append(
            CleanSubject(
                role=role or "",
                full_name=name,
                date_of_birth=dob,
                age=age,
                identifiers=identifiers,
                safe_contact=safe,
                do_not_disclose=withhold,
                school=school,
            )
        )
    return out


def _child_age(dob: date | None, age: int | None, p: str, errors: _Errors) -> None:
    """A child subject has an age under 18 (Children Act 1989 s105), given or from the
    date of birth."""
    if dob is None and age is None:
        if p + "date_of_birth" not in errors and p + "age" not in errors:
            errors.add(p + "age", "Give the child's age or date of birth.")
        return
    years = age if age is not None else _years(dob, timezone.localdate())  # type: ignore[arg-type]
    if years >= CHILD_UNDER:
        errors.add(p + "age", "A child is under 18 (Children Act 1989 s105): use another role.")


def _years(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _victim_age(plain: dict[str, Any], clean: CleanReferral, errors: _Errors) -> int | None:
    """The victim's age: details.victim_age, else the victim's age, else their date of
    birth (age on the day it happened). Given more than once, the values must agree: the
    age decides who leads (under 16: children's social care), so a mistake must not pass."""
    found: list[tuple[str, int]] = []
    if plain.get("victim_age") is not None:
        found.append(("details.victim_age", plain["victim_age"]))
    for i, s in enumerate(clean.subjects):
        if s.role != SubjectRole.VICTIM:
            continue
        if s.age is not None:
            found.append((f"subjects[{i}].age", s.age))
        if s.date_of_birth:
            found.append(
                (f"subjects[{i}].date_of_birth", _years(s.date_of_birth, clean.occurred_at.date()))
            )
        break
    if not found:
        return None
    first_path, first = found[0]
    for path, years in found[1:]:
        if years != first:
            errors.add(
                first_path,
                f"Does not agree with the victim's age from {path} ({years}): correct one.",
            )
    return first


def _children(plain: dict[str, Any], clean: CleanReferral, errors: _Errors) -> dict[str, Any]:
    """Children in the household: a yes needs how many, or each child named (role
    'child'); the count is at least the children named (Domestic Abuse Act 2021 s3: each
    is a victim)."""
    named = sum(s.role == SubjectRole.CHILD for s in clean.subjects)
    count = plain.get("children_count")
    answer = plain.get("children_in_household")
    if answer is False and (named or count):
        errors.add(
            "details.children_in_household",
            "You gave children in the household: answer true, or remove them.",
        )
        return {"children_in_household": False}
    if answer is False:
        return {"children_in_household": False}
    if answer is None and not (named or count):
        return {}
    if count is None and not named:
        if "details.children_count" not in errors:
            errors.add(
                "details.children_count",
                "Give how many children live in the household, or name each child (role 'child').",
            )
        return {"children_in_household": True}
    if count is not None and count < named:
        errors.add("details.children_count", f"At least the {named} children named.")
    return {"children_in_household": True, "children_count": count if count else named}


def _do_not_disclose(
    kind: str, role: str | None, item: dict[str, Any], path: str, errors: _Errors
) -> bool:
    """The marker as sent, or as the person's role suggests when left out."""
    if item.get("do_not_disclose") is None:
        return bool(role) and withheld_by_default(kind, role or "")
    withhold = _bool(item, "do_not_disclose", path, errors, required=False)
    if not withhold and role and always_withheld(kind, role):
        errors.add(path, "A VAWG victim is never disclosed to the other party.")
    return withhold or bool(role and always_withheld(kind, role))


def _asb_details(plain: dict[str, Any], clean: CleanReferral) -> None:
    vulnerable = plain["victim_vulnerable"]
    clean.details = {"victim_vulnerable": vulnerable, "repeat_incident": plain["repeat_incident"]}
    if plain.get("vulnerability_notes"):
        clean.details["vulnerability_notes"] = plain["vulnerability_notes"]
    cat = category(CaseKind.ASB, clean.category)
    clean.details["asb_type"] = cat.group if cat else ""
    clean.risk = RiskLevel.MEDIUM if vulnerable else RiskLevel.STANDARD


def _vawg_details(
    d: dict[str, Any], plain: dict[str, Any], clean: CleanReferral, errors: _Errors
) -> None:
    if not any(s.role == SubjectRole.VICTIM for s in clean.subjects):
        errors.add("subjects", "A VAWG referral names the victim (role 'victim').")
    details: dict[str, Any] = {}
    score = None
    if "dash" in d:
        problems = dash_problems(d["dash"], "details.dash")
        for path, message in problems.items():
            errors.add(path, message)
        if not problems:
            score = dash_score(d["dash"])
            details["dash"] = {c: d["dash"][c] for c, _ in DASH_QUESTIONS}
            details["dash_score"] = score
    tool = plain.get("risk_tool") or SAFELIVES_DASH
    grading = plain.get("tool_grading", "")
    if tool == SAFELIVES_DASH and grading:
        errors.add("details.tool_grading", "Only for police_dash or dara: DASH is scored here.")
    if tool != SAFELIVES_DASH:
        if "dash" in d:
            errors.add(
                "details.dash",
                f"The DASH answers are the SafeLives checklist's, not {tool}'s: give tool_grading.",
            )
        if not grading:
            errors.add(
                "details.tool_grading", f"Give the grading {tool} gave: standard, medium or high."
            )
        details["risk_tool"], details["tool_grading"] = tool, grading
    elif score is not None:
        details["risk_tool"] = tool
    judgement = plain.get("professional_judgement", "")
    if judgement in RiskLevel.values:
        details["professional_judgement"] = judgement
    if plain.get("escalation"):
        details["escalation"] = True
    details.update(_children(plain, clean, errors))
    age = _victim_age(plain, clean, errors)
    if age is not None:
        details["victim_age"] = age
    if clean.category == "fgm":
        # FGM Act 2003 s5B: the mandatory duty turns on known FGM in a girl under 18.
        if age is None and "details.victim_age" not in errors:
            errors.add(
                "details.victim_age", "Give the victim's age: the FGM duty applies under 18."
            )
        if "fgm_known" not in plain:
            errors.add("details.fgm_known", "This field is required (true or false).")
        details["fgm_known"] = plain.get("fgm_known", False)
        if details["fgm_known"]:
            _fgm_discovery(plain, clean, details, errors, age=age)
    clean.details = details
    # Judgement raises the checklist's level and never lowers it (SafeLives).
    clean.risk = dash_level(
        score,
        # Another tool's grading stands where a DASH score would; judgement may raise it.
        judgement=higher_risk(details.get("professional_judgement", ""), grading),
        escalation=bool(plain.get("escalation")),
    )


def _fgm_discovery(
    plain: dict[str, Any],
    clean: CleanReferral,
    details: dict[str, Any],
    errors: _Errors,
    *,
    age: int | None,
) -> None:
    """Known FGM: when and how the referrer first discovered it, and her age then. The
    month to report runs from the discovery (FGM Act 2003 s5B(5)(c)), and the duty turns on
    her age at that discovery (s5B(1)), taken from her date of birth when it is given."""
    found, how = plain.get("fgm_discovered_on"), plain.get("fgm_discovered_how", "")
    if found is None and "details.fgm_discovered_on" not in errors:
        errors.add("details.fgm_discovered_on", "Give the date you first discovered the FGM.")
    elif found is not None and found > timezone.localdate():
        errors.add("details.fgm_discovered_on", "The date of discovery cannot be in the future.")
    if not how and "details.fgm_discovered_how" not in errors:
        errors.add(
            "details.fgm_discovered_how",
            "Say how you discovered it: disclosed (she told you) or observed (you saw signs).",
        )
    if found is None or not how:
        return
    details["fgm_discovered_on"] = found.isoformat()
    details["fgm_discovered_how"] = how
    victim = next((s for s in clean.subjects if s.role == SubjectRole.VICTIM), None)
    if victim and victim.date_of_birth:
        if victim.date_of_birth > found:
            errors.add("details.fgm_discovered_on", "The discovery cannot be before her birth.")
            return
        age = age_on(victim.date_of_birth, found)
    details["fgm_age_at_discovery"] = age


def _early_release_details(
    d: dict[str, Any], plain: dict[str, Any], clean: CleanReferral, errors: _Errors
) -> None:
    if not any(s.role == SubjectRole.OFFENDER for s in clean.subjects):
        errors.add("subjects", "Name the person being released (role 'offender').")
    prison = plain["prison_number"].upper()
    if prison and not PRISON_NUMBER_RE.match(prison):
        errors.add("details.prison_number", "Enter a prison number like A1234BC.")
    crn = plain["probation_case_reference"].upper()
    if crn and not CRN_RE.match(crn):
        errors.add(
            "details.probation_case_reference", "Enter a case reference number like X123456."
        )
    release = plain["expected_release_date"]
    mappa_cat, mappa_level = plain["mappa_category"], plain["mappa_level"]
    if (
        (mappa_cat is None) != (mappa_level is None)
        and "details.mappa_category" not in errors
        and "details.mappa_level" not in errors
    ):
        errors.add("details.mappa_level", "Give both the MAPPA category and level, or neither.")
    needs = []
    raw_needs = d.get("needs", [])
    if not isinstance(raw_needs, list):
        errors.add("details.needs", "Must be a list.")
        raw_needs = []
    seen: set[str] = set()
    for i, need in enumerate(raw_needs):
        p = f"details.needs[{i}]."
        if not isinstance(need, dict):
            errors.add(f"details.needs[{i}]", "Must be an object.")
            continue
        _unknown(need, names(NEED), p, errors)
        if need.get("need") not in NeedType.values:
            errors.add(p + "need", f"Choose one of {', '.join(NeedType.values)}.")
        elif need["need"] in seen:
            errors.add(p + "need", "Each need appears once.")
        else:
            seen.add(need["need"])
        status = need.get("status", NeedStatus.IDENTIFIED)
        if status not in NeedStatus.values:
            errors.add(p + "status", f"Choose one of {', '.join(NeedStatus.values)}.")
        agency = None
        if need.get("agency"):
            agency = Agency.objects.filter(code=need["agency"], is_active=True).first()
            if agency is None:
                errors.add(p + "agency", f"No active agency with code '{need['agency']}'.")
        notes = _read(need, (field_named(NEED, "notes"),), p, errors).get("notes", "")
        needs.append({"need": need.get("need"), "status": status, "agency": agency, "notes": notes})
    # Identifiers belong to the person, not the case narrative: kept on the offender record.
    for subject in clean.subjects:
        if subject.role == SubjectRole.OFFENDER:
            subject.identifiers = {
                **subject.identifiers,
                "prison_number": prison,
                "probation_case_reference": crn,
            }
    clean.details = {
        "release_scheme": clean.category,
        "mappa_category": mappa_cat,
        "mappa_level": mappa_level,
    }
    clean.expected_release_date = release
    clean.needs = needs
    if mappa_level and mappa_level >= 2:
        clean.risk = RiskLevel.HIGH if mappa_level == 3 else RiskLevel.MEDIUM
