"""Referrals: what a partner reported, and the rules that route it to a lead agency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cases.models import Case, CaseKind, Subject
from partners.models import Agency, Ward


class Referral(models.Model):
    reference = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    category = models.CharField(max_length=50)
    summary = models.TextField()
    occurred_at = models.DateTimeField(help_text="When the incident happened.")
    reported_at = models.DateTimeField(help_text="When it was reported to the raising agency.")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referrals"
    )
    raising_agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="referrals")
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="referrals")
    location_text = models.CharField(max_length=200, blank=True)
    location_key = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    subjects = models.ManyToManyField(Subject, related_name="referrals", blank=True)
    created_at = models.DateTimeField()
    # A digest of who sent what (referrals.services.submission_fingerprint): the same
    # referral sent twice in quick succession, without an idempotency key, is one referral.
    fingerprint = models.CharField(max_length=64, blank=True, editable=False, db_default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # Serves the crime-types-by-ward report and the case-review threshold window.
            models.Index(fields=["ward", "kind", "occurred_at"], name="referral_ward_kind_at"),
            models.Index(fields=["raised_by", "created_at"], name="referral_by_user"),
        ]

    def __str__(self) -> str:
        return self.reference


class RoutingRule(models.Model):
    """Which agency leads a new case. The most specific matching rule wins.

    A blank category or ward matches any; among equally specific rules (a scope's fallbacks)
    the lowest ``priority`` number whose agency is active wins.
    """

    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    category = models.CharField(max_length=50, blank=True)
    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, null=True, blank=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="routing_rules")
    priority = models.PositiveSmallIntegerField(default=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "priority"]
        # One scope may hold several rules, tried in priority order (a fallback agency for
        # when the first is made inactive), but never two at one priority: which would
        # lead a case would then be arbitrary. Two constraints, because a unique constraint
        # treats every NULL as different, and NULL is "any ward".
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "category", "ward", "priority"],
                condition=Q(ward__isnull=False),
                name="routing_rule_unique_scope",
                violation_error_message=(
                    "A rule for this kind, category and ward has this priority already."
                ),
            ),
            models.UniqueConstraint(
                fields=["kind", "category", "priority"],
                condition=Q(ward__isnull=True),
                name="routing_rule_unique_scope_any_ward",
                violation_error_message=(
                    "A rule for this kind and category in any ward has this priority already."
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = " / ".join(x for x in [self.kind, self.category, str(self.ward or "")] if x)
        return f"{scope} -> {self.agency}"
