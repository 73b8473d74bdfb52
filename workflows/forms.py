"""The reason form behind each transition button, with the fields that transition takes.

The form reads what was typed into the ``data`` that ``workflows.transition_data`` accepts
(see ``ACCEPTED``); the service validates it, and its error paths (``data.dash.q7``,
``data.officer``) are mapped back to the fields here.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from cases.catalogue import DASH_QUESTIONS, dash_score
from cases.models import Case, CaseKind, DiscoveredHow, ReportMethod, RiskLevel
from partners.models import Agency, Membership, Ward
from web.forms import DateRangeForm, GovukFormMixin
from workflows.models import PauseReason
from workflows.transition_data import latest_assessment

YES_NO = [("yes", "Yes"), ("no", "No")]
DASH_CHOICES = [("yes", "Yes"), ("no", "No"), ("not_known", "Not known")]

# Service error paths (after "data.") that name a date: the error goes on its day box.
DATE_FIELDS = {"actual_release_date", "hearing_scheduled_for", "heard_at", "first_appointment_at"}
# (path, a word of the service's message or "" for any, the words shown instead)
REWORDINGS = [
    (r"reason", "", "Enter the reason for this change"),
    (r"dash\.q(\d+)", "", "Select yes, no or not known for question {0}"),
    (r"actual_release_date", "future", "The release date must be today or in the past"),
    (r"actual_release_date", "Enter", "Enter the date of release"),
    (r"heard_at", "future", "The hearing date must be today or in the past"),
    (r"hearing_scheduled_for", "future", "The date of the hearing must be in the future"),
]


class TransitionForm(GovukFormMixin, forms.Form):
    """Reason and version for any transition; subclasses add the transition's own fields."""

    reason = forms.CharField(required=False, strip=True, widget=forms.Textarea, max_length=5000)
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form is out of date. Go back to the case and try again",
            "invalid": "This form is out of date. Go back to the case and try again",
        },
    )
    non_field_anchor = "reason"
    reason_hint = "This is recorded in the case's history, and partners can read it."

    def __init__(self, *args: Any, case: Case, user: Any, **kwargs: Any) -> None:
        self.case = case
        self.user = user
        super().__init__(*args, **kwargs)

    def value(self, name: str) -> str:
        value = self.cleaned_data.get(name)
        return "" if value is None else str(value)

    def transition_data(self) -> dict[str, Any]:
        """The ``data`` for ``case_transition``; errors reading the boxes go on the form."""
        return {}

    # The service's error paths are ``reason`` and ``data.<field>`` (add_service_errors).
    def field_for_path(self, path: str) -> str | None:
        key = path.removeprefix("data.")
        if key in DATE_FIELDS:
            key = f"{key}_day"
        key = key.replace("dash.", "dash_")
        return key if key in self.fields else None

    def reword(self, path: str, message: str) -> str:
        key = path.removeprefix("data.")
        for pattern, cue, words in REWORDINGS:
            match = re.fullmatch(pattern, key)
            if match and cue in message:
                return words.format(*match.groups())
        return message


class TriageForm(TransitionForm):
    risk = forms.ChoiceField(required=False, choices=RiskLevel.choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("risk", self.case.risk)

    def transition_data(self) -> dict[str, Any]:
        return {"risk": self.value("risk")} if self.value("risk") else {}


class AssignForm(TransitionForm):
    agency = forms.ChoiceField(required=False, choices=[])
    officer = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, agency_filter: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
        self.fields["agency"].choices = [(a.code, a.name) for a in agencies]  # type: ignore[attr-defined]
        self.initial.setdefault("agency", self.case.responsible_agency.code)
        members = (
            Membership.objects.filter(agency__in=agencies, user__is_active=True)
            .select_related("user", "agency")
            .order_by("agency__name", "user__first_name", "user__username")
        )
        by_agency: dict[str, list[tuple[str, str]]] = {}
        seen: set[tuple[str, str]] = set()
        for m in members:
            if (m.agency.code, m.user.username) in seen:
                continue  # one line per person per agency, whatever their roles there
            seen.add((m.agency.code, m.user.username))
            label = m.user.get_full_name() or m.user.username
            by_agency.setdefault(m.agency.code, []).append((m.user.username, label))
        names = {a.code: a.name for a in agencies}
        none = [("", "No officer yet")]
        if agency_filter in by_agency or agency_filter in names:
            # htmx asked for one agency's people (the agency select changed).
            self.fields["officer"].choices = none + by_agency.get(agency_filter, [])  # type: ignore[attr-defined]
            self.initial["agency"] = agency_filter
        else:
            # Without JavaScript everyone is listed by agency; the service checks the pair.
            self.fields["officer"].choices = none + [  # type: ignore[attr-defined]
                (names[code], people) for code, people in by_agency.items()
            ]
        if self.case.assigned_officer_id:
            self.initial.setdefault(
                "officer", get_user_model().objects.get(pk=self.case.assigned_officer_id).username
            )

    def transition_data(self) -> dict[str, Any]:
        data = {"agency": self.value("agency")}
        if self.value("officer"):
            data["officer"] = self.value("officer")
        return data


class AssessRiskForm(TransitionForm):
    professional_judgement = forms.ChoiceField(
        required=False,
        choices=[("", "No professional judgement recorded"), *RiskLevel.choices],
    )
    escalation = forms.ChoiceField(required=False, choices=YES_NO)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The referral's answers are offered, never typed again (SafeLives).
        latest = latest_assessment(self.case)
        answers = latest.answers if latest else self.case.details.get("dash") or {}
        for code, _ in DASH_QUESTIONS:
            self.fields[f"dash_{code}"] = forms.ChoiceField(required=False, choices=DASH_CHOICES)
            self.initial.setdefault(f"dash_{code}", answers.get(code, ""))
        self.initial.setdefault(
            "professional_judgement", self.case.details.get("professional_judgement", "")
        )
        self.initial.setdefault("escalation", "yes" if self.case.details.get("escalation") else "")

    def dash_fields(self) -> list[dict[str, str]]:
        return [
            {"name": f"dash_{code}", "legend": f"{code[1:]}. {question}"}
            for code, question in DASH_QUESTIONS
        ]

    def live_dash_score(self) -> int:
        source = self.data if self.is_bound else self.initial
        return dash_score({code: source.get(f"dash_{code}", "") for code, _ in DASH_QUESTIONS})

    def transition_data(self) -> dict[str, Any]:
        answers = {code: self.value(f"dash_{code}") for code, _ in DASH_QUESTIONS}
        data: dict[str, Any] = {
            "dash": {code: a for code, a in answers.items() if a},
            "escalation": self.value("escalation") == "yes",
        }
        if self.value("professional_judgement"):
            data["professional_judgement"] = self.value("professional_judgement")
        return data


class DateForm(TransitionForm):
    """A transition that takes one date (or date and time), named by ``data_key``."""

    data_key = ""
    label = ""
    with_time = False

    def transition_data(self) -> dict[str, Any]:
        value = self.date_text(self.data_key, self.label, with_time=self.with_time)
        return {self.data_key: value} if value else {}


def _part() -> forms.CharField:
    return forms.CharField(required=False, strip=True)


class RecordReleaseForm(DateForm):
    data_key = "actual_release_date"
    label = "The release date"
    actual_release_date_day = _part()
    actual_release_date_month = _part()
    actual_release_date_year = _part()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        expected = self.case.expected_release_date
        if expected is not None and expected <= timezone.localdate():
            self.initial.setdefault("actual_release_date_day", str(expected.day))
            self.initial.setdefault("actual_release_date_month", str(expected.month))
            self.initial.setdefault("actual_release_date_year", str(expected.year))


class ReferToMaracForm(DateForm):
    data_key = "hearing_scheduled_for"
    label = "The date and time of the hearing"
    with_time = True
    hearing_scheduled_for_day = _part()
    hearing_scheduled_for_month = _part()
    hearing_scheduled_for_year = _part()
    hearing_scheduled_for_hour = _part()
    hearing_scheduled_for_minute = _part()


class MaracHearingForm(DateForm):
    data_key = "heard_at"
    label = "The date and time of the hearing"
    with_time = True
    heard_at_day = _part()
    heard_at_month = _part()
    heard_at_year = _part()
    heard_at_hour = _part()
    heard_at_minute = _part()


class StartSupervisionForm(DateForm):
    data_key = "first_appointment_at"
    label = "The first appointment"
    with_time = True
    first_appointment_at_day = _part()
    first_appointment_at_month = _part()
    first_appointment_at_year = _part()
    first_appointment_at_hour = _part()
    first_appointment_at_minute = _part()


FORMS: dict[str, type[TransitionForm]] = {
    "triage": TriageForm,
    "assign": AssignForm,
    "assess_risk": AssessRiskForm,
    "reassess_risk": AssessRiskForm,
    "record_release": RecordReleaseForm,
    "refer_to_marac": ReferToMaracForm,
    "record_marac_hearing": MaracHearingForm,
    "start_supervision": StartSupervisionForm,
}


def transition_form_class(name: str) -> type[TransitionForm]:
    return FORMS.get(name, TransitionForm)


# --- SLA clocks and milestones on the case page --------------------------------------------


class PauseForm(GovukFormMixin, forms.Form):
    """Why a clock stops: a reason code (required by the service) and an optional note."""

    reason = forms.ChoiceField(
        choices=PauseReason.choices,
        error_messages={
            "required": "Select why the clock is paused",
            "invalid_choice": "Select why the clock is paused",
        },
    )
    note = forms.CharField(required=False, strip=True, widget=forms.Textarea, max_length=2000)


class ResumeForm(GovukFormMixin, forms.Form):
    note = forms.CharField(required=False, strip=True, widget=forms.Textarea, max_length=2000)


class MilestoneForm(GovukFormMixin, forms.Form):
    reason = forms.CharField(
        strip=True,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter what was done"},
    )


class DisclosureForm(GovukFormMixin, forms.Form):
    """Withhold a person from the other party, or disclose them
    (``case_subject_disclosure_set``)."""

    withhold = forms.ChoiceField(
        choices=[
            ("yes", "Do not disclose to the other party"),
            ("no", "Other agencies on the case may be told who they are"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select who may be told who this person is"},
    )
    reason = forms.CharField(
        strip=True,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter the reason for this change"},
    )


# --- Manager pages ----------------------------------------------------------------------


class BreachFilterForm(GovukFormMixin, forms.Form):
    """Narrow the open breaches: kind, ward, and (for those who see several) agency."""

    kind = forms.ChoiceField(required=False, choices=[("", "All kinds"), *CaseKind.choices])
    ward = forms.ChoiceField(required=False, choices=[])
    agency = forms.ChoiceField(required=False, choices=[])

    def __init__(self, *args: Any, agencies: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wards = Ward.objects.order_by("name")
        self.fields["ward"].choices = [("", "All wards")] + [(w.code, w.name) for w in wards]  # type: ignore[attr-defined]
        self.fields["agency"].choices = [("", "All your agencies")] + [  # type: ignore[attr-defined]
            (a.code, a.name) for a in agencies
        ]


class AuditSearchForm(DateRangeForm):
    """Search the audit trail by who acted, which case, and when (London dates, inclusive)."""

    actor = forms.CharField(required=False, strip=True, max_length=150)
    case = forms.CharField(required=False, strip=True, max_length=24)
    date_labels = {"from": "The date from", "to": "The date to"}
    field_order = ["actor", "case"]


# --- The FGM reporting duty (workflows.actions.duty) ----------------------------------------


class _DutyForm(GovukFormMixin, forms.Form):
    """Service errors name the action's own fields; a date's go on its day box."""

    date_fields: tuple[str, ...] = ()

    def field_for_path(self, path: str) -> str | None:
        key = f"{path}_day" if path in self.date_fields else path
        return key if key in self.fields else None


class FgmReportForm(_DutyForm):
    """The report the person who owes the duty made (FGM Act 2003 s5B(5))."""

    date_fields = ("reported_at",)
    reported_at_day = _part()
    reported_at_month = _part()
    reported_at_year = _part()
    reported_at_hour = _part()
    reported_at_minute = _part()
    method = forms.ChoiceField(
        choices=ReportMethod.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you made the report",
            "invalid_choice": "Select how you made the report",
        },
    )
    police_force = forms.CharField(
        strip=True, max_length=100, error_messages={"required": "Enter the police force"}
    )
    police_reference = forms.CharField(
        strip=True,
        max_length=50,
        error_messages={"required": "Enter the reference the police gave you"},
    )

    def reported_at(self) -> datetime | None:
        when = self.date_from_boxes("reported_at", "The time of the report", with_time=True)
        if when is None and "reported_at_day" not in self.errors:
            self.add_error("reported_at_day", "Enter when you made the report")
        return when if isinstance(when, datetime) else None


class FgmNotOwedForm(_DutyForm):
    """s5B(6): someone in the same profession already notified the police of this act."""

    notified_by = forms.CharField(
        strip=True,
        max_length=200,
        error_messages={"required": "Enter who already notified the police"},
    )
    reason = forms.CharField(
        strip=True,
        widget=forms.Textarea,
        max_length=5000,
        error_messages={"required": "Enter why you believe they have already notified the police"},
    )


class FgmDiscoveryForm(_DutyForm):
    """FGM discovered on a case already open (``case_fgm_discovery_record``)."""

    date_fields = ("discovered_on",)
    discovered_on_day = _part()
    discovered_on_month = _part()
    discovered_on_year = _part()
    discovered_how = forms.ChoiceField(
        choices=DiscoveredHow.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select how you discovered it",
            "invalid_choice": "Select how you discovered it",
        },
    )
    known = forms.ChoiceField(
        choices=[("yes", "Known: she told me, or I saw physical signs"), ("no", "Suspected")],
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the FGM is known or suspected",
            "invalid_choice": "Select whether the FGM is known or suspected",
        },
    )
    age_at_discovery = forms.IntegerField(
        min_value=0,
        max_value=120,
        error_messages={
            "required": "Enter her age when you discovered it",
            "invalid": "Enter her age as a whole number, like 14",
            "min_value": "Her age must be 0 or more",
            "max_value": "Her age must be 120 or less",
        },
    )

    def discovered_on(self) -> date | None:
        day = self.date_from_boxes("discovered_on", "The date you discovered it")
        if day is None and "discovered_on_day" not in self.errors:
            self.add_error("discovered_on_day", "Enter the date you first discovered it")
        return day if isinstance(day, date) and not isinstance(day, datetime) else None
