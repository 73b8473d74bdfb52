"""The transition log (append-only, hash-chained per case) and workflow records."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cases.models import Case, CaseKind, PersonalDuty, RiskLevel
from partners.models import Agency, AgencyKind

LONDON = ZoneInfo("Europe/London")


class TransitionLog(models.Model):
    """Who moved which case from what to what, when and why. Never updated or deleted.

    ``seq`` numbers a case's rows from 1; ``hash`` is an HMAC over this row's content and
    the previous row's hash, so altering or removing any row breaks the chain after it.
    ``version`` and ``responsible_agency`` record the case row as the change left it (null
    on rows written before they existed): ``verify_audit`` compares the live case row with
    its chain's last row, so a state, lead or version changed outside the services shows.

    ``reason_digest`` is an HMAC of ``reason``; the hash covers the digest, not the text, so
    the text alone can be erased for retention (``reason`` blanked, ``reason_erased_at``
    set: the one UPDATE PostgreSQL lets through, migration 0010). Rows written before
    digests (blank) keep a hash over the text, and their text cannot be erased.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="transition_logs")
    seq = models.PositiveIntegerField()
    transition = models.CharField(max_length=50)
    source = models.CharField(max_length=40, blank=True)
    target = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    actor_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField()
    # db_default: a row inserted without it (a bulk load) is an old-format row, not an error.
    reason_digest = models.CharField(max_length=64, blank=True, default="", db_default="")
    reason_erased_at = models.DateTimeField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
    version = models.PositiveIntegerField(null=True, blank=True)
    responsible_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="transition_log_case_seq"),
        ]
        indexes = [
            models.Index(fields=["actor", "at"], name="transition_log_actor_at"),
            models.Index(fields=["at"], name="transition_log_at"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.transition} {self.source}->{self.target}"

    @property
    def reason_shown(self) -> str:
        """The reason as people read it: the text, or when it was erased (London's date)."""
        if self.reason_erased_at is None:
            return self.reason
        day = self.reason_erased_at.astimezone(LONDON)
        return f"Reason erased on {day.day} {day:%B %Y} (retention)"


class RiskAssessment(models.Model):
    """A DASH risk assessment. Professional judgement may raise the level, never lower it."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="risk_assessments")
    answers = models.JSONField(help_text="DASH question code -> yes / no / not_known.")
    score = models.PositiveSmallIntegerField()
    professional_judgement = models.CharField(max_length=10, blank=True)
    escalation = models.BooleanField(
        default=False, help_text="Potential escalation (commonly 3+ incidents in 12 months)."
    )
    risk = models.CharField(max_length=10)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assessed_at = models.DateTimeField()

    class Meta:
        ordering = ["-assessed_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(score__lte=24), name="dash_score_max_24"),
        ]

    def __str__(self) -> str:
        return f"DASH {self.score}/24 ({self.risk}) on {self.case}"


class MaracReferral(models.Model):
    """A MARAC referral, pre-filled from the DASH assessment it rests on (never retyped)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="marac_referrals")
    assessment = models.ForeignKey(
        RiskAssessment,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        help_text="The DASH assessment it rests on; none for a repeat referred before one.",
    )
    dash_answers = models.JSONField(default=dict, blank=True)
    dash_score = models.PositiveSmallIntegerField(null=True, blank=True)
    grounds = models.JSONField(
        help_text="Which MARAC criteria were met: dash_14_plus, professional_judgement, "
        "potential_escalation, repeat."
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()
    hearing_scheduled_for = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the MARAC meeting is to hear the case, if known when referring.",
    )
    heard_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"MARAC referral for {self.case}"


class AuditSeal(models.Model):
    """Seals one auditlog entry into an HMAC chain (tamper evidence).

    An entry about a case joins that case's chain; every other entry (role grants,
    agencies, endpoints, SLA policies, routing rules, ...) joins the one global chain, whose
    seals have no case. Written in the same transaction as the entry (``workflows.audit``).
    ``seq`` numbers each chain's seals from 1; ``hash`` covers the entry's stored content
    and ``prev_hash``.
    """

    log_entry = models.OneToOneField(
        "auditlog.LogEntry", on_delete=models.PROTECT, related_name="csp_seal"
    )
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_seals"
    )
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="audit_seal_case_seq"),
            # NULLs are distinct in the constraint above: the global chain needs its own.
            models.UniqueConstraint(
                fields=["seq"],
                condition=models.Q(case__isnull=True),
                name="audit_seal_global_seq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id or 'global'}#{self.seq} entry {self.log_entry_id}"


# --- SLA: policies, deadlines and the bank-holiday calendar ------------------------------


class SlaTrigger(models.TextChoices):
    STATE = "state", "On entering a state"
    EVENT = "event", "On a recorded event (e.g. an FGM duty recorded)"
    CASE_DATE = "case_date", "Relative to a date on the case"
    RISK = "risk", "While the case is at a risk level (recurring review)"


class DurationUnit(models.TextChoices):
    MINUTES = "minutes", "Minutes"
    HOURS = "hours", "Hours (elapsed)"
    WORKING_DAYS = "working_days", "Working days"
    CALENDAR_DAYS = "calendar_days", "Calendar days"
    CALENDAR_MONTHS = "calendar_months", "Calendar months"
    END_OF_NEXT_WORKING_DAY = "end_of_next_working_day", "End of the next working day"
    # Operation Encompass: before the next school day starts (anchor_time, London time).
    START_OF_NEXT_WORKING_DAY = (
        "start_of_next_working_day",
        "Start of the next working day (at the anchor time)",
    )
    AT_ANCHOR = "at_anchor", "At the case date itself"


# Units whose result depends on the bank-holiday list: recomputed when it changes.
WORKING_DAY_UNITS = (
    DurationUnit.WORKING_DAYS,
    DurationUnit.END_OF_NEXT_WORKING_DAY,
    DurationUnit.START_OF_NEXT_WORKING_DAY,
)


class CaseDateField(models.TextChoices):
    EXPECTED_RELEASE_DATE = "expected_release_date", "Expected release date"
    RELEASED_ON = "released_on", "Actual release date"


class SlaCondition(models.TextChoices):
    """A test of the case that a policy's clock starts only when it passes; the tests are
    code (``workflows.sla.conditions``), chosen here by name."""

    VAWG_URGENT_FIRST_CONTACT = (
        "vawg_no_dash_or_harmful_practice",
        "VAWG: no risk assessment with the referral, or a harmful practice",
    )
    VAWG_ROUTINE_FIRST_CONTACT = (
        "vawg_dash_not_harmful_practice",
        "VAWG: a risk assessment with the referral, not a harmful practice",
    )


class Responsible(models.TextChoices):
    LEAD_AGENCY = "lead_agency", "The case's lead agency"
    NAMED_PERSON = "named_person", "A named person (a personal legal duty)"
    # Children's social care asked to decide, the police to notify a school: an agency that
    # takes part in the case, not the lead (SlaPolicy.responsible_agency_kind).
    AGENCY_ON_CASE = "agency_on_case", "The case's agency of a given kind"


class SlaPolicy(models.Model):
    """When a clock starts on a case, when it is due, what stops it and whom it escalates to.

    Editable in the admin. A change applies to deadlines planned after it; deadlines already
    running keep the due time they were given (only a holiday change recomputes them).
    """

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    trigger = models.CharField(max_length=20, choices=SlaTrigger.choices)
    trigger_state = models.CharField(
        max_length=40, blank=True, help_text="State trigger: the state whose entry starts it."
    )
    trigger_event = models.CharField(
        max_length=50, blank=True, help_text="Event trigger: the recorded event that starts it."
    )
    date_field = models.CharField(
        max_length=30, choices=CaseDateField.choices, blank=True, help_text="Case-date trigger."
    )
    offset_days = models.SmallIntegerField(
        default=0, help_text="Case-date trigger: days after (negative: before) the date."
    )
    anchor_time = models.TimeField(
        default=time(17, 0),
        help_text="Case-date trigger: London time of day on that date. Start of the next "
        "working day: the time it is due that day.",
    )
    risk = models.CharField(
        max_length=10, choices=RiskLevel.choices, blank=True, help_text="Blank: any risk."
    )
    condition = models.CharField(
        max_length=40,
        choices=SlaCondition.choices,
        blank=True,
        help_text="Only cases that pass this test when the clock would start. Blank: any.",
    )
    duration_unit = models.CharField(max_length=30, choices=DurationUnit.choices)
    duration_value = models.PositiveIntegerField(default=0)
    working_day_cutoff = models.TimeField(
        null=True,
        blank=True,
        help_text="Working days: work received at or after this London time starts the next "
        "working day at 09:00 (HMPPS services: 13:00). Blank: the day the work arrives, "
        "until 17:00.",
    )
    met_by = models.JSONField(
        default=list, blank=True, help_text="Transition or milestone names that meet it."
    )
    warn_fraction = models.DecimalField(
        max_digits=3, decimal_places=2, default=Decimal("0.75"), help_text="0.75: warn at 75%."
    )
    responsible = models.CharField(
        max_length=20, choices=Responsible.choices, default=Responsible.LEAD_AGENCY
    )
    owed_by_detail = models.CharField(
        max_length=50,
        blank=True,
        help_text="Named person: the kind of personal duty (e.g. fgm_mandatory_report) whose "
        "owner answers for it; each person who owes one has their own clock.",
    )
    responsible_agency_kind = models.CharField(
        max_length=20,
        choices=AgencyKind.choices,
        blank=True,
        help_text="Agency on the case: the kind of agency (linked to the case) that owes it.",
    )
    escalate_managers_after_hours = models.PositiveIntegerField(
        default=24, help_text="Hours after the breach before the agency's managers are told."
    )
    escalate_partnership_after_hours = models.PositiveIntegerField(
        default=48, help_text="Hours after the breach before the partnership manager is told."
    )
    max_pause_hours = models.PositiveIntegerField(
        default=0, help_text="Longest total pause credited; 0: this clock cannot be paused."
    )
    runs_until_met = models.BooleanField(
        default=False,
        help_text="Only meeting it (or closing the case) ends it: a change of risk or state "
        "does not cancel it, so a missed deadline shows as a breach.",
    )
    outlives_closure = models.BooleanField(
        default=False,
        help_text="Runs, and starts, whatever the case's state, closed or no further action "
        "included: for a step owed to someone outside the case's own workflow (the ASB case "
        "review applicant). A personal duty always does.",
    )
    source = models.TextField(help_text="The law, guidance or local decision this rests on.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "code"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(trigger=SlaTrigger.STATE) | ~models.Q(trigger_state=""),
                name="sla_policy_state_trigger_names_state",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger=SlaTrigger.EVENT) | ~models.Q(trigger_event=""),
                name="sla_policy_event_trigger_names_event",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger=SlaTrigger.CASE_DATE) | ~models.Q(date_field=""),
                name="sla_policy_date_trigger_names_field",
            ),
            models.CheckConstraint(
                condition=~models.Q(trigger=SlaTrigger.RISK) | ~models.Q(risk=""),
                name="sla_policy_risk_trigger_names_risk",
            ),
            models.CheckConstraint(
                condition=~models.Q(duration_unit=DurationUnit.AT_ANCHOR)
                | models.Q(trigger=SlaTrigger.CASE_DATE),
                name="sla_policy_at_anchor_needs_case_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(responsible=Responsible.NAMED_PERSON)
                | ~models.Q(owed_by_detail=""),
                name="sla_policy_named_person_names_detail",
            ),
            models.CheckConstraint(
                condition=~models.Q(responsible=Responsible.AGENCY_ON_CASE)
                | ~models.Q(responsible_agency_kind=""),
                name="sla_policy_agency_on_case_names_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(warn_fraction__gte=0, warn_fraction__lte=1),
                name="sla_policy_warn_fraction_0_to_1",
            ),
            models.CheckConstraint(
                condition=models.Q(working_day_cutoff__isnull=True)
                | models.Q(working_day_cutoff__lte=time(17, 0)),
                name="sla_policy_cutoff_within_the_working_day",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    escalate_partnership_after_hours__gt=models.F("escalate_managers_after_hours")
                ),
                name="sla_policy_ladder_ascends",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}: {self.name}"

    def clean(self) -> None:
        """Names that must exist in code: the trigger state and the transitions that meet it."""
        from workflows.sla.conditions import CONDITION_KINDS
        from workflows.sla.names import meeting_names, state_names

        errors: dict[str, str] = {}
        if self.kind not in CaseKind.values:
            return
        if self.trigger == SlaTrigger.STATE and self.trigger_state not in state_names(self.kind):
            errors["trigger_state"] = (
                f"'{self.trigger_state}' is not a state of {self.kind} cases; "
                f"choose one of {', '.join(state_names(self.kind))}."
            )
        if self.condition and CONDITION_KINDS.get(self.condition) != self.kind:
            errors["condition"] = f"'{self.condition}' is not a test of {self.kind} cases."
        if not isinstance(self.met_by, list) or not all(isinstance(n, str) for n in self.met_by):
            errors["met_by"] = 'Give a list of names, e.g. ["triage"].'
        else:
            unknown = sorted(set(self.met_by) - set(meeting_names(self.kind)))
            if unknown:
                errors["met_by"] = (
                    f"Not transitions or milestones of {self.kind} cases: {', '.join(unknown)}."
                )
        if errors:
            raise ValidationError(errors)


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    BREACHED = "breached", "Breached (unresolved)"
    CANCELLED = "cancelled", "Cancelled"


# A breached deadline still escalates until it is met or cancelled.
ACTIVE_DEADLINE_STATUSES = (DeadlineStatus.OPEN, DeadlineStatus.BREACHED)


class PauseReason(models.TextChoices):
    AWAITING_VICTIM_CONTACT = "awaiting_victim_contact", "Awaiting safe contact with the victim"
    AWAITING_PARTNER_INFORMATION = (
        "awaiting_partner_information",
        "Awaiting a partner's information",
    )
    SUBJECT_UNAVAILABLE = "subject_unavailable", "Subject unavailable (e.g. in hospital)"


class EscalationLevel(models.IntegerChoices):
    NONE = 0, "Not breached"
    RESPONSIBLE_AGENCY = 1, "Breached: responsible agency told"
    AGENCY_MANAGERS = 2, "Escalated to the agency's managers"
    PARTNERSHIP_MANAGER = 3, "Escalated to the partnership manager"


class Deadline(models.Model):
    """One running SLA clock on one case. Written only by ``workflows.sla``.

    ``breached_at`` is the due time, never the moment a scan noticed. A met deadline that
    had breached keeps ``breached_at`` (met late). ``due_at`` and ``warn_at`` include the
    pause time credited so far (``pause_total``).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="deadlines")
    policy = models.ForeignKey(SlaPolicy, on_delete=models.PROTECT, related_name="deadlines")
    # A personal duty's clock is one person's: each professional who owes the FGM report
    # has their own, anchored on their own discovery. Null: the case's (one per policy).
    duty = models.ForeignKey(
        PersonalDuty, on_delete=models.PROTECT, null=True, blank=True, related_name="deadlines"
    )
    started_at = models.DateTimeField(help_text="When the clock was planned.")
    clock_from = models.DateTimeField(help_text="The instant the policy's duration runs from.")
    due_at = models.DateTimeField()
    warn_at = models.DateTimeField()
    responsible_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN
    )
    met_at = models.DateTimeField(null=True, blank=True)
    met_by = models.CharField(max_length=50, blank=True, help_text="The transition that met it.")
    breached_at = models.DateTimeField(null=True, blank=True)
    warned_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=50, blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        choices=EscalationLevel.choices, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    escalate_next_at = models.DateTimeField(null=True, blank=True)
    paused_at = models.DateTimeField(null=True, blank=True)
    pause_reason = models.CharField(max_length=40, choices=PauseReason.choices, blank=True)
    pause_expires_at = models.DateTimeField(null=True, blank=True)
    pause_total = models.DurationField(default=timedelta(0))
    scan_failures = models.PositiveIntegerField(default=0)
    scan_error = models.TextField(blank=True, help_text="The scanner's last error on this row.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "policy"],
                condition=models.Q(status__in=ACTIVE_DEADLINE_STATUSES, duty__isnull=True),
                name="deadline_one_active_per_policy",
            ),
            models.UniqueConstraint(
                fields=["duty", "policy"],
                condition=models.Q(status__in=ACTIVE_DEADLINE_STATUSES, duty__isnull=False),
                name="deadline_one_active_per_duty",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=DeadlineStatus.values), name="deadline_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeadlineStatus.MET) | models.Q(met_at__isnull=False),
                name="deadline_met_has_met_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DeadlineStatus.BREACHED)
                | models.Q(breached_at__isnull=False),
                name="deadline_breached_has_breached_at",
            ),
            models.CheckConstraint(
                condition=models.Q(paused_at__isnull=True) | models.Q(status=DeadlineStatus.OPEN),
                name="deadline_only_open_is_paused",
            ),
            models.CheckConstraint(
                condition=models.Q(warn_at__lte=models.F("due_at")), name="deadline_warn_by_due"
            ),
        ]
        indexes = [
            # Serves the scanner's breach query: WHERE status = 'open' AND paused_at IS NULL
            # AND due_at <= now ORDER BY due_at FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["due_at"],
                name="deadline_breach_due",
                condition=models.Q(status=DeadlineStatus.OPEN, paused_at__isnull=True),
            ),
            # Serves the scanner's warning query: WHERE status = 'open' AND paused_at IS NULL
            # AND warned_at IS NULL AND warn_at <= now ORDER BY warn_at FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["warn_at"],
                name="deadline_warning_due",
                condition=models.Q(
                    status=DeadlineStatus.OPEN, paused_at__isnull=True, warned_at__isnull=True
                ),
            ),
            # Serves the scanner's escalation query: WHERE status = 'breached' AND
            # escalate_next_at <= now ORDER BY escalate_next_at FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["escalate_next_at"],
                name="deadline_escalation_due",
                condition=models.Q(status=DeadlineStatus.BREACHED, escalate_next_at__isnull=False),
            ),
            # Serves the scanner's pause-expiry query: WHERE status = 'open' AND paused_at IS
            # NOT NULL AND pause_expires_at <= now ORDER BY pause_expires_at FOR UPDATE SKIP LOCKED.
            models.Index(
                fields=["pause_expires_at"],
                name="deadline_pause_expiry_due",
                condition=models.Q(status=DeadlineStatus.OPEN, paused_at__isnull=False),
            ),
            # Serves the manager views: open breaches by agency, breach rate per agency/month.
            models.Index(fields=["responsible_agency", "status"], name="deadline_agency_status"),
            models.Index(fields=["case", "status"], name="deadline_case_status"),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} on case {self.case_id} due {self.due_at:%Y-%m-%d %H:%M}"


class HolidaySource(models.TextChoices):
    HOLIDAYS_PACKAGE = "holidays_package", "holidays package"
    GOVUK = "govuk", "GOV.UK bank-holidays JSON"
    ADMIN = "admin", "Entered by an administrator"


class BankHoliday(models.Model):
    """An England and Wales bank holiday. The working-day calendar is built from this table."""

    date = models.DateField(unique=True)
    title = models.CharField(max_length=200)
    source = models.CharField(max_length=20, choices=HolidaySource.choices)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.title}"


# The ASB case review application lives in its own module (workflows.review); imported
# here so that Django finds its models.
from workflows.review.models import CaseReviewApplication, CaseReviewComplaint  # noqa: E402,F401
