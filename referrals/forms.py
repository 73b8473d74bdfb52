"""The referral forms of the web pages: one per kind, each read into the API's payload.

The forms only read what a person typed (dates from day/month/year boxes, yes/no radios,
numbers) into the same payload the API takes; ``referrals.validation.validate_referral``
then judges it, so the page and the API accept exactly the same referrals. Its errors name
payload paths (``details.dash.q7``, ``subjects[0].full_name``); each form maps them back to
the field that caused them, and says them in words a person would use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from django import forms
from django.utils import timezone

from cases.catalogue import (
    ASB_CATEGORIES,
    DASH_QUESTIONS,
    EARLY_RELEASE_CATEGORIES,
    MARAC_THRESHOLD,
    VAWG_CATEGORIES,
    Category,
    dash_score,
)
from cases.models import CaseKind, DiscoveredHow, NeedStatus, NeedType, RiskLevel, SubjectRole
from partners.models import Agency, Ward
from referrals.reports import VAWG_FIGURES_REFUSED
from referrals.shape import DETAILS, MAPPA_CATEGORIES, MAPPA_LEVELS
from referrals.validation import CleanReferral, ReferralInvalid, validate_referral
from web.forms import GovukFormMixin
from web.reports import FREE_RANGE_PARAMS, latest_month, period_parse, periods_offered
from web.shapes import Field, field_named

YES_NO = [("yes", "Yes"), ("no", "No")]
DASH_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]
KIND_HINTS: dict[str, str] = {
    CaseKind.ASB: "Noise, nuisance, dangerous dogs, drug dealing, town-centre disorder and more.",
    CaseKind.VAWG: "Domestic abuse, sexual violence, stalking, FGM and other harmful practices.",
    CaseKind.EARLY_RELEASE: "A person leaving prison early who needs support from partners.",
}
GROUP_LABELS = {
    "personal": "Personal",
    "nuisance": "Nuisance",
    "environmental": "Environmental",
    "domestic": "Domestic abuse",
    "sexual": "Sexual violence",
    "harassment": "Harassment and stalking",
    "harmful_practice": "Harmful practices",
}


def _text() -> forms.CharField:
    return forms.CharField(required=False, strip=True)


def _choice(choices: list[Any]) -> forms.ChoiceField:
    return forms.ChoiceField(required=False, choices=choices)


def grouped(categories: list[Category]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Category radios grouped under headings, in the catalogue's order of first appearance."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for c in categories:
        groups.setdefault(GROUP_LABELS.get(c.group, c.group.capitalize()), []).append(
            (c.code, c.label)
        )
    return list(groups.items())


class KindForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=CaseKind.choices,
        error_messages={
            "required": "Select what the referral is about",
            "invalid_choice": "Select what the referral is about",
        },
    )


@dataclass(frozen=True)
class Row:
    key: str
    value: str
    anchor: str


@dataclass(frozen=True)
class Section:
    title: str
    rows: list[Row]


# A rule that rewords one validator message: the path pattern, the words, and whether it
# applies only when the field was left blank (otherwise the validator's own words stand).
Rewording = tuple[str, str, bool]


def asked_field(spec: Field) -> dict[str, forms.Field]:
    """The page's field(s) for a detail its shape declares: yes/no radios for a boolean, a
    select for labelled options, day/month/year boxes for a date, else a text box; labelled
    with the shape's question and hint (which the govuk tags show)."""
    common: dict[str, Any] = {"required": False, "label": spec.question, "help_text": spec.hint}
    if spec.type == "date":
        return {f"{spec.name}_{part}": _text() for part in ("day", "month", "year")}
    if spec.type == "boolean":
        return {spec.name: forms.ChoiceField(choices=YES_NO, **common)}
    if spec.options:
        return {spec.name: forms.ChoiceField(choices=list(spec.options), **common)}
    return {spec.name: forms.CharField(strip=True, **common)}


class ReferralForm(GovukFormMixin, forms.Form):
    """The fields and payload shared by the three kinds; subclasses add their own.

    ``asked`` names the details the page asks as their shape declares them
    (``referrals.shape.DETAILS``): their fields, questions, reading and words when left blank
    follow from it. The rest (people, the DASH checklist, needs) are laid out by hand."""

    kind: ClassVar[str]
    asked: ClassVar[tuple[str, ...]] = ()
    title: ClassVar[str]
    categories: ClassVar[list[Category]]
    category_legend: ClassVar[str]
    occurred_legend: ClassVar[str] = "When did it happen?"
    rewordings: ClassVar[list[Rewording]] = []
    common_rewordings: ClassVar[list[Rewording]] = [
        (r"ward", "Select the ward", True),
        (r"summary", "Enter a summary of what happened", True),
        (r"occurred_at", "Enter when it happened", True),
        (r"postcode", "Enter a real postcode, like KV1 2AB", False),
        (r"occurred_at", "When it happened must be in the past", False),
    ]

    ward = _choice([])
    category = _choice([])
    summary = _text()
    occurred_at_day = _text()
    occurred_at_month = _text()
    occurred_at_year = _text()
    occurred_at_hour = _text()
    occurred_at_minute = _text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["ward"].choices = [("", "Select a ward")] + [  # type: ignore[attr-defined]
            (w.code, w.name) for w in Ward.objects.order_by("name")
        ]
        self.fields["category"].choices = grouped(self.categories)  # type: ignore[attr-defined]
        self.questions: dict[str, tuple[str, str]] = {}
        self.asked_fields: list[str] = []
        for spec in self.asked_specs():
            fields = asked_field(spec)
            self.fields.update(fields)
            self.asked_fields += fields
            self.questions[spec.name] = (spec.question, spec.hint)
        # Payload path -> the field to link its error to, filled while building the payload.
        self.anchors: dict[str, str] = {}
        self.blank: set[str] = set()
        self.clean_referral: CleanReferral | None = None

    # --- reading the form -----------------------------------------------------------------
    def value(self, name: str) -> str:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        value = data.get(name)
        return "" if value is None else str(value)

    def _put(self, payload: dict[str, Any], path: str, field: str, value: Any) -> None:
        """Record where ``path`` came from; omit it from the payload when blank."""
        self.anchors[path] = field
        if value in ("", None):
            self.blank.add(path)
            return
        target = payload
        *parents, leaf = path.split(".")
        for part in parents:
            target = target.setdefault(part, {})
        target[leaf] = value

    def _yes_no(self, name: str) -> bool | None:
        return {"yes": True, "no": False}.get(self.value(name))

    def _whole_number(self, name: str, label: str) -> int | None:
        raw = self.value(name)
        if not raw:
            return None
        if not re.fullmatch(r"\d{1,3}", raw):
            self.add_error(name, f"{label} must be a whole number, like 34")
            return None
        return int(raw)

    def payload(self) -> dict[str, Any]:
        """The API payload for what was typed; errors reading it are added to the form."""
        payload: dict[str, Any] = {"kind": self.kind, "subjects": [], "details": {}}
        self._put(payload, "ward", "ward", self.value("ward"))
        self._put(payload, "category", "category", self.value("category"))
        self._put(payload, "summary", "summary", self.value("summary"))
        occurred = self.date_text("occurred_at", "The date and time", with_time=True)
        self._put(payload, "occurred_at", "occurred_at_day", occurred)
        self.add_kind_fields(payload)
        return payload

    def add_kind_fields(self, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    @classmethod
    def asked_specs(cls) -> list[Field]:
        return [field_named(DETAILS[cls.kind], name) for name in cls.asked]

    def add_asked(self, payload: dict[str, Any]) -> None:
        """The asked details, read as their shape declares them, into ``details``."""
        for spec in self.asked_specs():
            name, anchor = spec.name, spec.name
            value: Any
            if spec.type == "date":
                anchor = f"{name}_day"
                value = self.date_text(name, f"The {spec.question[0].lower()}{spec.question[1:]}")
            elif spec.type == "boolean":
                value = self._yes_no(name)
            elif spec.type == "integer" and spec.options:
                raw = self.value(name)
                value = int(raw) if raw.isdigit() else raw
            elif spec.type == "integer":
                value = self._whole_number(name, spec.question)
            else:
                value = self.value(name)
            self._put(payload, f"details.{name}", anchor, value)

    # --- judging it -----------------------------------------------------------------------
    def check(self, *, join_case: int | None = None) -> CleanReferral | None:
        """Validate as the API does. Returns the clean referral, or None with errors added."""
        if not self.is_valid():
            return None
        payload = self.payload()
        if join_case is not None:
            payload["join_case"] = join_case
        try:
            clean = validate_referral(payload)
        except ReferralInvalid as exc:
            self.add_service_errors(exc.errors)
            return None
        if self.errors:
            return None
        self.clean_referral = clean
        return clean

    def field_for_path(self, path: str) -> str | None:
        """The field a payload path's error belongs to: the path itself or its nearest parent."""
        while path:
            if path in self.anchors:
                return self.anchors[path]
            trimmed = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
            if trimmed == path:
                break
            path = trimmed
        return None

    def reword(self, path: str, message: str) -> str:
        """The rewording rules' words for ``path`` (``rewordings``), the shape's words for an
        asked detail left blank, else the validator's."""
        for spec in self.asked_specs():
            if path == f"details.{spec.name}" and path in self.blank and spec.blank:
                return spec.blank
        for pattern, words, only_blank in self.rewordings + self.common_rewordings:
            match = re.fullmatch(pattern, path)
            if match and (not only_blank or path in self.blank):
                return words.format(*match.groups())
        return message

    # --- showing it back --------------------------------------------------------------------
    def category_label(self) -> str:
        code = self.value("category")
        return next((c.label for c in self.categories if c.code == code), code)

    def ward_label(self) -> str:
        code = self.value("ward")
        return dict(self.fields["ward"].choices).get(code, code)  # type: ignore[attr-defined]

    def sections(self) -> list[Section]:
        raise NotImplementedError

    def occurred(self) -> str:
        """When it happened, as checked by the validator, in London time."""
        if self.clean_referral is None:
            return ""
        return timezone.localtime(self.clean_referral.occurred_at).strftime("%-d %B %Y at %H:%M")

    @staticmethod
    def day(value: date | None) -> str:
        return value.strftime("%-d %B %Y") if value else ""

    def live_dash_score(self) -> int:
        """The score of the answers on the page, for the box beside the checklist."""
        source = self.data if self.is_bound else self.initial
        return dash_score({code: source.get(f"dash_{code}", "") for code, _ in DASH_QUESTIONS})

    @classmethod
    def initial_for_new(cls) -> dict[str, str]:
        return {}


# --- ASB --------------------------------------------------------------------------------
ASB_ROLES = [
    ("", "Select a role"),
    (SubjectRole.COMPLAINANT, "Complainant"),
    (SubjectRole.VICTIM, "Victim"),
    (SubjectRole.PERPETRATOR, "Alleged perpetrator"),
    (SubjectRole.WITNESS, "Witness"),
]
ASB_PEOPLE = 3
# Do not disclose to the other party: left as the role suggests, or said either way.
ASB_DISCLOSURE = [
    ("", "As their role suggests: not for a complainant, victim or witness"),
    ("withhold", "Do not disclose to the other party"),
    ("disclose", "They agree to be named to every agency on the case"),
]
DISCLOSURE_VALUES = {"withhold": True, "disclose": False}


class AsbReferralForm(ReferralForm):
    kind = CaseKind.ASB
    title = "Anti-social behaviour referral"
    categories = ASB_CATEGORIES
    category_legend = "What kind of anti-social behaviour is it?"
    rewordings = [
        (r"category", "Select what kind of anti-social behaviour it is", False),
        (r"subjects\[\d+\]\.role", "Select the person's role", False),
        (r"subjects\[\d+\]\.full_name", "Enter the person's full name", True),
    ]

    asked = ("victim_vulnerable", "vulnerability_notes", "repeat_incident")
    location_text = _text()
    postcode = _text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(ASB_PEOPLE):
            self.fields[f"person_{i}_role"] = _choice(ASB_ROLES)
            self.fields[f"person_{i}_full_name"] = _text()
            self.fields[f"person_{i}_age"] = _text()
            self.fields[f"person_{i}_disclose"] = _choice(ASB_DISCLOSURE)
        # The page asks about the people before vulnerability (the error summary's order).
        self.order_fields([n for n in self.fields if n not in self.asked_fields])

    def people_rows(self) -> list[dict[str, str]]:
        return [
            {
                "role": f"person_{i}_role",
                "name": f"person_{i}_full_name",
                "age": f"person_{i}_age",
                "disclose": f"person_{i}_disclose",
            }
            for i in range(ASB_PEOPLE)
        ]

    def add_kind_fields(self, payload: dict[str, Any]) -> None:
        self._put(payload, "location_text", "location_text", self.value("location_text"))
        self._put(payload, "postcode", "postcode", self.value("postcode"))
        for row in range(ASB_PEOPLE):
            names = {k: f"person_{row}_{k}" for k in ("role", "full_name", "age")}
            age = self._whole_number(names["age"], "Age")
            if not any(self.value(n) for n in names.values()):
                continue
            i = len(payload["subjects"])
            person: dict[str, Any] = {}
            payload["subjects"].append(person)
            self.anchors[f"subjects[{i}]"] = names["full_name"]
            for key in ("role", "full_name"):
                self.anchors[f"subjects[{i}].{key}"] = names[key]
                if self.value(names[key]):
                    person[key] = self.value(names[key])
                else:
                    self.blank.add(f"subjects[{i}].{key}")
            self.anchors[f"subjects[{i}].age"] = names["age"]
            if age is not None:
                person["age"] = age
            disclose = f"person_{row}_disclose"
            self.anchors[f"subjects[{i}].do_not_disclose"] = disclose
            if self.value(disclose) in DISCLOSURE_VALUES:
                person["do_not_disclose"] = DISCLOSURE_VALUES[self.value(disclose)]
        self.anchors["subjects"] = "person_0_full_name"
        self.add_asked(payload)

    def sections(self) -> list[Section]:
        withheld = iter(
            [s.do_not_disclose for s in self.clean_referral.subjects] if self.clean_referral else []
        )
        people = [
            f"{self.value(r['name'])} ({dict(ASB_ROLES).get(self.value(r['role']), '')}"
            + (f", age {self.value(r['age'])}" if self.value(r["age"]) else "")
            + (", not disclosed to the other party" if next(withheld, False) else "")
            + ")"
            for r in self.people_rows()
            if self.value(r["name"])
        ]
        return [
            Section(
                "What happened",
                [
                    Row("Type", self.category_label(), "category"),
                    Row("Ward", self.ward_label(), "ward"),
                    Row("When", self.occurred(), "occurred_at_day"),
                    Row("Where", self.value("location_text"), "location_text"),
                    Row("Postcode", self.value("postcode"), "postcode"),
                    Row("Summary", self.value("summary"), "summary"),
                ],
            ),
            Section("People", [Row("People", "\n".join(people) or "None", "person_0_role")]),
            Section(
                "Vulnerability and repeat incidents",
                [
                    Row(
                        "Victim vulnerable",
                        self.value("victim_vulnerable").capitalize(),
                        "victim_vulnerable",
                    ),
                    Row(
                        "About the vulnerability",
                        self.value("vulnerability_notes"),
                        "vulnerability_notes",
                    ),
                    Row(
                        "Happened before",
                        self.value("repeat_incident").capitalize(),
                        "repeat_incident",
                    ),
                ],
            ),
        ]


# --- VAWG -------------------------------------------------------------------------------
VAWG_CHILDREN = 3  # rows for children in the household; more are given as a count


class VawgReferralForm(ReferralForm):
    kind = CaseKind.VAWG
    title = "Violence against women and girls referral"
    categories = VAWG_CATEGORIES
    category_legend = "What is the referral about?"
    rewordings = [
        (r"category", "Select what the referral is about", False),
        (r"subjects", "Enter the victim's full name", False),
        (r"subjects\[0\]\.full_name", "Enter the victim's full name", False),
        (r"details\.dash\.q(\d+)", "Select yes, no or not known for question {0}", False),
        (
            r"details\.victim_age",
            "Enter the victim's age: the FGM reporting duty applies to girls under 18",
            True,
        ),
    ]
    asked = (
        "children_in_household",
        "children_count",
        "fgm_known",
        "fgm_discovered_on",
        "fgm_discovered_how",
        "escalation",
        "professional_judgement",
        "risk_tool",
        "tool_grading",
    )

    location_text = _text()
    postcode = _text()
    victim_full_name = _text()
    victim_age = _text()
    safe_to_call = _choice(YES_NO)
    safe_phone = _text()
    safe_times = _text()
    safe_to_email = _choice(YES_NO)
    safe_notes = _text()
    perpetrator_full_name = _text()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, _ in DASH_QUESTIONS:
            self.fields[f"dash_{code}"] = _choice(DASH_CHOICES)
        for i in range(VAWG_CHILDREN):
            for part in ("full_name", "age", "school"):
                self.fields[f"child_{i}_{part}"] = _text()

    def child_rows(self) -> list[dict[str, str]]:
        return [
            {part: f"child_{i}_{part}" for part in ("full_name", "age", "school")}
            for i in range(VAWG_CHILDREN)
        ]

    def _add_children(self, payload: dict[str, Any]) -> None:
        """Each child row filled in, as a subject of role child (Domestic Abuse Act 2021
        s3: a child in the household is a victim in their own right)."""
        for row in self.child_rows():
            age = self._whole_number(row["age"], "The child's age")
            if not any(self.value(n) for n in row.values()):
                continue
            i = len(payload["subjects"])
            child: dict[str, Any] = {"role": SubjectRole.CHILD}
            payload["subjects"].append(child)
            self.anchors[f"subjects[{i}]"] = row["full_name"]
            for part in ("full_name", "school"):
                self.anchors[f"subjects[{i}].{part}"] = row[part]
                if self.value(row[part]):
                    child[part] = self.value(row[part])
            if not self.value(row["full_name"]):
                self.blank.add(f"subjects[{i}].full_name")
            self.anchors[f"subjects[{i}].age"] = row["age"]
            self.anchors[f"subjects[{i}].date_of_birth"] = row["age"]
            if age is not None:
                child["age"] = age

    def dash_fields(self) -> list[dict[str, str]]:
        return [
            {"name": f"dash_{code}", "legend": f"{code[1:]}. {question}"}
            for code, question in DASH_QUESTIONS
        ]

    def add_kind_fields(self, payload: dict[str, Any]) -> None:
        self._put(payload, "location_text", "location_text", self.value("location_text"))
        self._put(payload, "postcode", "postcode", self.value("postcode"))
        self.anchors["subjects"] = "victim_full_name"
        age = self._whole_number("victim_age", "The victim's age")
        safe: dict[str, Any] = {}
        for key, field, value in (
            ("safe_to_call", "safe_to_call", self._yes_no("safe_to_call")),
            ("safe_phone", "safe_phone", self.value("safe_phone")),
            ("safe_times", "safe_times", self.value("safe_times")),
            ("safe_to_email", "safe_to_email", self._yes_no("safe_to_email")),
            ("notes", "safe_notes", self.value("safe_notes")),
        ):
            self.anchors[f"subjects[0].safe_contact.{key}"] = field
            if value not in ("", None):
                safe[key] = value
        if self.value("victim_full_name") or age is not None or safe:
            victim: dict[str, Any] = {"role": SubjectRole.VICTIM}
            if self.value("victim_full_name"):
                victim["full_name"] = self.value("victim_full_name")
            if age is not None:
                victim["age"] = age
            if safe:
                victim["safe_contact"] = safe
            payload["subjects"].append(victim)
            self.anchors.update(
                {
                    "subjects[0]": "victim_full_name",
                    "subjects[0].full_name": "victim_full_name",
                    "subjects[0].age": "victim_age",
                    "subjects[0].safe_contact": "safe_to_call",
                }
            )
        if self.value("perpetrator_full_name"):
            i = len(payload["subjects"])
            payload["subjects"].append(
                {"role": SubjectRole.PERPETRATOR, "full_name": self.value("perpetrator_full_name")}
            )
            self.anchors[f"subjects[{i}]"] = "perpetrator_full_name"
        self._add_children(payload)
        answers = {code: self.value(f"dash_{code}") for code, _ in DASH_QUESTIONS}
        for code, _ in DASH_QUESTIONS:
            self.anchors[f"details.dash.{code}"] = f"dash_{code}"
        self.anchors["details.dash"] = "dash_q1"
        # A checklist left wholly blank is for the IDVA to complete; a partial one is an error.
        if any(answers.values()):
            payload["details"]["dash"] = {c: a for c, a in answers.items() if a}
        self.add_asked(payload)
        self.anchors["details.victim_age"] = "victim_age"
        if age is None:
            self.blank.add("details.victim_age")

    def _fgm_discovery_rows(self, clean: CleanReferral | None) -> list[Row]:
        """When and how known FGM was discovered: the month to report runs from then."""
        found = clean.details.get("fgm_discovered_on") if clean else None
        if clean is None or not found:
            return []
        how = dict(DiscoveredHow.choices).get(clean.details.get("fgm_discovered_how", ""), "")
        return [
            Row(
                "FGM first discovered", self.day(date.fromisoformat(found)), "fgm_discovered_on_day"
            ),
            Row("How it was discovered", how, "fgm_discovered_how"),
        ]

    def sections(self) -> list[Section]:
        clean = self.clean_referral
        score = clean.details.get("dash_score") if clean else None
        dash = (
            "Not completed (the IDVA will complete it)"
            if score is None
            else f"{score} of 24"
            + (
                f": meets the MARAC threshold of {MARAC_THRESHOLD}"
                if score >= MARAC_THRESHOLD
                else f": below the MARAC threshold of {MARAC_THRESHOLD}"
            )
        )
        safe = [
            f"Safe to call: {self.value('safe_to_call').capitalize()}"
            if self.value("safe_to_call")
            else "",
            f"Safe number: {self.value('safe_phone')}" if self.value("safe_phone") else "",
            f"Safe times: {self.value('safe_times')}" if self.value("safe_times") else "",
            f"Safe to email: {self.value('safe_to_email').capitalize()}"
            if self.value("safe_to_email")
            else "",
            self.value("safe_notes"),
        ]
        risk = dict(RiskLevel.choices).get(clean.risk, "") if clean else ""
        return [
            Section(
                "What happened",
                [
                    Row("Category", self.category_label(), "category"),
                    Row("Ward", self.ward_label(), "ward"),
                    Row("When", self.occurred(), "occurred_at_day"),
                    Row("Where", self.value("location_text"), "location_text"),
                    Row("Summary", self.value("summary"), "summary"),
                ],
            ),
            Section(
                "Victim and safe contact",
                [
                    Row("Victim", self.value("victim_full_name"), "victim_full_name"),
                    Row("Age", self.value("victim_age"), "victim_age"),
                    Row(
                        "Safe contact",
                        "\n".join(s for s in safe if s) or "None given",
                        "safe_to_call",
                    ),
                    Row(
                        "Alleged perpetrator",
                        self.value("perpetrator_full_name"),
                        "perpetrator_full_name",
                    ),
                ],
            ),
            Section(
                "Risk",
                [
                    Row("DASH score", dash, "dash_q1"),
                    Row("Risk level", risk, "professional_judgement"),
                    Row(
                        "Professional judgement",
                        dict(RiskLevel.choices).get(self.value("professional_judgement"), "None"),
                        "professional_judgement",
                    ),
                    Row("Escalating", self.value("escalation").capitalize(), "escalation"),
                    Row(
                        "Children in the household",
                        self.value("children_in_household").capitalize()
                        + (
                            f": {self.value('children_count')}"
                            if self.value("children_count")
                            else ""
                        ),
                        "children_in_household",
                    ),
                    Row(
                        "Children named",
                        "\n".join(
                            self.value(r["full_name"])
                            + (f", age {self.value(r['age'])}" if self.value(r["age"]) else "")
                            + (f", {self.value(r['school'])}" if self.value(r["school"]) else "")
                            for r in self.child_rows()
                            if self.value(r["full_name"])
                        )
                        or "None",
                        "child_0_full_name",
                    ),
                    Row(
                        "FGM known (disclosed or seen)",
                        self.value("fgm_known").capitalize(),
                        "fgm_known",
                    ),
                    *self._fgm_discovery_rows(clean),
                ],
            ),
        ]


# --- Early release ----------------------------------------------------------------------
NEED_STATUSES = [("", "Not a need"), *NeedStatus.choices]


class EarlyReleaseReferralForm(ReferralForm):
    kind = CaseKind.EARLY_RELEASE
    title = "Early release referral"
    categories = EARLY_RELEASE_CATEGORIES
    category_legend = "Which release scheme?"
    occurred_legend = "When was the release notified?"
    rewordings = [
        (r"category", "Select the release scheme", False),
        (r"occurred_at", "Enter when the release was notified", True),
        (r"summary", "Enter a summary of the release and the support needed", True),
        (r"subjects", "Enter the full name of the person being released", False),
        (r"subjects\[0\]\.full_name", "Enter the full name of the person being released", True),
        (r"details\.prison_number", "Enter a prison number like A1234BC", False),
        (r"details\.probation_case_reference", "Enter a CRN like X123456", False),
        (r"details\.expected_release_date", "The expected release date must be a real date", False),
        (r"details\.mappa_level", "Select both the MAPPA category and level, or neither", False),
        (r"details\.needs\[\d+\]\.status", "Select a status for this need", False),
    ]

    offender_full_name = _text()
    offender_dob_day = _text()
    offender_dob_month = _text()
    offender_dob_year = _text()
    asked = (
        "prison_number",
        "probation_case_reference",
        "expected_release_date",
        "mappa_category",
        "mappa_level",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = [("", "No agency yet")] + [
            (a.code, a.name) for a in Agency.objects.filter(is_active=True).order_by("name")
        ]
        for need in NeedType:
            self.fields[f"need_{need.value}_status"] = _choice(NEED_STATUSES)
            self.fields[f"need_{need.value}_agency"] = _choice(agencies)

    def need_rows(self) -> list[dict[str, str]]:
        return [
            {
                "label": need.label,
                "status": f"need_{need.value}_status",
                "agency": f"need_{need.value}_agency",
            }
            for need in NeedType
        ]

    @classmethod
    def initial_for_new(cls) -> dict[str, str]:
        now = timezone.localtime()
        return {
            "occurred_at_day": str(now.day),
            "occurred_at_month": str(now.month),
            "occurred_at_year": str(now.year),
            "occurred_at_hour": f"{now.hour:02d}",
            "occurred_at_minute": f"{now.minute:02d}",
        }

    def add_kind_fields(self, payload: dict[str, Any]) -> None:
        self.anchors["subjects"] = "offender_full_name"
        dob = self.date_text("offender_dob", "The date of birth")
        if self.value("offender_full_name") or dob:
            person: dict[str, Any] = {"role": SubjectRole.OFFENDER}
            if self.value("offender_full_name"):
                person["full_name"] = self.value("offender_full_name")
            if dob:
                person["date_of_birth"] = dob
            payload["subjects"].append(person)
            self.anchors.update(
                {
                    "subjects[0]": "offender_full_name",
                    "subjects[0].full_name": "offender_full_name",
                    "subjects[0].date_of_birth": "offender_dob_day",
                }
            )
        self.add_asked(payload)
        needs: list[dict[str, Any]] = []
        self.anchors["details.needs"] = "need_accommodation_status"
        for row in self.need_rows():
            status, agency = self.value(row["status"]), self.value(row["agency"])
            if not status and not agency:
                continue
            i = len(needs)
            need: dict[str, Any] = {
                "need": row["status"].removeprefix("need_").removesuffix("_status")
            }
            if status:
                need["status"] = status
            else:
                self.add_error(row["status"], f"Select a status for {row['label'].lower()}")
            if agency:
                need["agency"] = agency
            needs.append(need)
            self.anchors[f"details.needs[{i}]"] = row["status"]
            self.anchors[f"details.needs[{i}].status"] = row["status"]
            self.anchors[f"details.needs[{i}].agency"] = row["agency"]
        if needs:
            payload["details"]["needs"] = needs

    def sections(self) -> list[Section]:
        clean = self.clean_referral
        needs = []
        for row in self.need_rows():
            status = dict(NEED_STATUSES).get(self.value(row["status"]), "")
            if self.value(row["status"]):
                agency = dict(self.fields[row["agency"]].choices).get(self.value(row["agency"]), "")  # type: ignore[attr-defined]
                needs.append(
                    f"{row['label']}: {status}"
                    + (f" ({agency})" if self.value(row["agency"]) else "")
                )
        mappa = (
            f"{dict(MAPPA_CATEGORIES)[self.value('mappa_category')]}, "
            f"{dict(MAPPA_LEVELS)[self.value('mappa_level')]}"
            if self.value("mappa_category")
            else "Not managed under MAPPA"
        )
        return [
            Section(
                "The person",
                [
                    Row("Name", self.value("offender_full_name"), "offender_full_name"),
                    Row(
                        "Date of birth",
                        self.day(
                            clean.subjects[0].date_of_birth if clean and clean.subjects else None
                        ),
                        "offender_dob_day",
                    ),
                    Row("Prison number", self.value("prison_number").upper(), "prison_number"),
                    Row(
                        "CRN",
                        self.value("probation_case_reference").upper(),
                        "probation_case_reference",
                    ),
                ],
            ),
            Section(
                "The release",
                [
                    Row("Release scheme", self.category_label(), "category"),
                    Row(
                        "Expected release date",
                        self.day(clean.expected_release_date if clean else None),
                        "expected_release_date_day",
                    ),
                    Row("Ward", self.ward_label(), "ward"),
                    Row("MAPPA", mappa, "mappa_category"),
                    Row("Notified", self.occurred(), "occurred_at_day"),
                    Row("Summary", self.value("summary"), "summary"),
                ],
            ),
            Section(
                "Support needs",
                [Row("Needs", "\n".join(needs) or "None recorded", "need_accommodation_status")],
            ),
        ]


FORMS: dict[str, type[ReferralForm]] = {
    CaseKind.ASB: AsbReferralForm,
    CaseKind.VAWG: VawgReferralForm,
    CaseKind.EARLY_RELEASE: EarlyReleaseReferralForm,
}


# --- Committee report: crime types by ward ----------------------------------------------

# A date range from the old report form, or the API's: refused, never silently ignored.
FREE_RANGE_FIELDS = (
    *FREE_RANGE_PARAMS,
    *(f"{e}_{p}" for e in ("from", "to") for p in ("day", "month", "year")),
)


class CrimeTypesReportForm(GovukFormMixin, forms.Form):
    """The report's period (a whole month or quarter that has ended) and kind; the kinds
    offered are those the person may see (``referrals.reports.report_kinds``)."""

    period = forms.ChoiceField(
        required=False,
        error_messages={"invalid_choice": "Select a month or a quarter from the list"},
    )
    kind = forms.ChoiceField(required=False)

    def __init__(self, data: Any, *, kinds: list[tuple[str, str]], today: date) -> None:
        super().__init__(data)
        self.today = today
        offered = periods_offered(today)
        period, kind = self.fields["period"], self.fields["kind"]
        assert isinstance(period, forms.ChoiceField)
        assert isinstance(kind, forms.ChoiceField)
        period.choices = [
            ("Months", [(p.code, p.label) for p in offered if not p.is_quarter]),
            ("Quarters", [(p.code, p.label) for p in offered if p.is_quarter]),
        ]
        kind.choices = [
            ("", "Both" if len(kinds) > 1 else kinds[0][1]),
            *kinds,
        ]
        kind.error_messages["invalid_choice"] = (
            "Select anti-social behaviour, VAWG or both"
            if len(kinds) > 1
            else f"Select anti-social behaviour. {VAWG_FIGURES_REFUSED}"
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        free = [name for name in FREE_RANGE_FIELDS if self.data.get(name)]
        if free:
            self.add_error("period", "Choose a month or a quarter: " + FREE_RANGE_REFUSED_PAGE)
        code = cleaned.get("period") or latest_month(self.today).code
        cleaned["report_period"] = period_parse(code, today=self.today)
        return cleaned


FREE_RANGE_REFUSED_PAGE = (
    "reports are published for whole calendar months or quarters only, never for other "
    "dates, so that no one can work out a single incident by comparing two reports"
)
