"""A plain model with Referral's columns and indexes, minus its foreign keys and rules."""

from __future__ import annotations

from typing import ClassVar

from django.db import models


class BaselineRecord(models.Model):
    """Referral's width (same column types, unique reference, same two indexes).

    The four foreign keys of Referral become plain columns: the baseline measures the
    framework and the database, not the product's lookups.
    """

    reference = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=20)
    category = models.CharField(max_length=50)
    summary = models.TextField()
    occurred_at = models.DateTimeField()
    reported_at = models.DateTimeField()
    raised_by = models.CharField(max_length=150)
    raising_agency = models.CharField(max_length=50)
    ward_code = models.CharField(max_length=9)
    location_text = models.CharField(max_length=200, blank=True)
    location_key = models.CharField(max_length=200, blank=True, db_index=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    case_reference = models.CharField(max_length=24, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Declared because the type checker runs on the product's settings, without this app.
    objects: ClassVar[models.Manager[BaselineRecord]] = models.Manager()

    class Meta:
        indexes = [
            models.Index(fields=["ward_code", "kind", "occurred_at"], name="baseline_ward_kind_at"),
        ]

    def __str__(self) -> str:
        return self.reference
