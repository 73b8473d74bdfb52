"""The transition log (append-only, hash-chained per case) and workflow records."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cases.models import Case
from partners.models import Agency


class TransitionLog(models.Model):
    """Who moved which case from what to what, when and why. Never updated or deleted.

    ``seq`` numbers a case's rows from 1; ``hash`` is an HMAC over this row's content and
    the previous row's hash, so altering or removing any row breaks the chain after it.
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
    data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField()
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
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.PROTECT, related_name="+")
    dash_answers = models.JSONField()
    dash_score = models.PositiveSmallIntegerField()
    grounds = models.JSONField(help_text="Which MARAC criteria were met.")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField()
    heard_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-referred_at"]

    def __str__(self) -> str:
        return f"MARAC referral for {self.case}"


class AuditSeal(models.Model):
    """Seals one auditlog entry about a case into that case's HMAC chain (tamper evidence).

    Written in the same transaction as the entry (``workflows.audit``). ``seq`` numbers a
    case's seals from 1; ``hash`` covers the entry's stored content and ``prev_hash``.
    """

    log_entry = models.OneToOneField(
        "auditlog.LogEntry", on_delete=models.PROTECT, related_name="csp_seal"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="audit_seals")
    seq = models.PositiveIntegerField()
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["case_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["case", "seq"], name="audit_seal_case_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} entry {self.log_entry_id}"
