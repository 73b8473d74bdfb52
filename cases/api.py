"""The case side of every app's endpoints: need-to-know case lookup, role gates over
``cases.access``, and the agency, ward, person and case serializers they share.

It lives in ``cases`` because each app with endpoints (referrals, workflows, notifications)
may import it; the endpoints themselves live in the app whose data they show. The generic
API kit (strict serializers, query forms, CSV rendering, path ids) is ``web.api``.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from cases.access import (
    RAISE_REFUSED,
    Visibility,
    can_raise_referrals,
    can_read_audit_trail,
    can_read_reports,
    case_visibility,
)
from cases.models import Case, Subject
from partners.models import Agency, Ward
from web.api import constant_field


def visible_case_or_404(user: Any, pk: int) -> tuple[Case, Visibility]:
    """The case and how much of it the user may see; 404 when they may see none of it.

    A case the caller may not see is always a 404, never a 403: a 403 would confirm it exists.
    """
    case = (
        Case.objects.for_user(user)
        .select_related("ward", "responsible_agency", "assigned_officer")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise NotFound()
    return case, case_visibility(user, case)


class CanRaiseReferrals(BasePermission):
    message = RAISE_REFUSED

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or bool(can_raise_referrals(request.user))


class CanReadAuditTrail(BasePermission):
    message = "The audit trail is open to managers (their agency's cases) and auditors."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(can_read_audit_trail(request.user))


class CanReadReports(BasePermission):
    message = "Reports are open to managers and auditors."

    def has_permission(self, request: Request, view: Any) -> bool:
        return bool(can_read_reports(request.user))


class AgencyRefSerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "code", "name"]


class WardRefSerializer(serializers.ModelSerializer[Ward]):
    class Meta:
        model = Ward
        fields = ["code", "name"]


class PersonSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class SubjectSerializer(serializers.ModelSerializer[Subject]):
    """A person on a case, for the case and referral endpoints. ``context["disclosed"]``
    holds the ids the reader may see in full (``cases.access.people_disclosed``); anyone
    else is their role, the marker and ``withheld``. Safe-contact details are never in a
    list of people: ``GET /api/v1/cases/{id}/safe-contact/`` reads them, and is logged."""

    do_not_disclose = serializers.BooleanField(
        source="withhold_from_other_party",
        help_text="Do not disclose to the other party: say nothing of this person to anyone "
        "outside the lead agency, the agency that recorded them and the safeguarding team.",
    )
    withheld = serializers.SerializerMethodField(
        help_text="True: the person is withheld from you; name, dates and identifiers are "
        "null or empty."
    )
    full_name = serializers.CharField(allow_null=True)

    class Meta:
        model = Subject
        fields = [
            "id",
            "role",
            "do_not_disclose",
            "withheld",
            "full_name",
            "date_of_birth",
            "age",
            "identifiers",
            "school",
        ]

    def get_withheld(self, subject: Subject) -> bool:
        return subject.pk not in self.context["disclosed"]

    def to_representation(self, subject: Subject) -> Any:
        data = super().to_representation(subject)
        if data["withheld"]:
            data.update(full_name=None, date_of_birth=None, age=None, identifiers={}, school=None)
        return data


class CaseRefSerializer(serializers.ModelSerializer[Case]):
    """A case as the referrer of a VAWG case sees it: reference and state, nothing more."""

    visibility = constant_field(Visibility.OUTLINE.value)

    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "state", "visibility"]


class CaseSummarySerializer(serializers.ModelSerializer[Case]):
    """A case in a list, for a caller who may see it in full."""

    ward = WardRefSerializer()
    responsible_agency = AgencyRefSerializer()
    visibility = constant_field(Visibility.FULL.value)

    class Meta:
        model = Case
        fields = [
            "id",
            "reference",
            "kind",
            "category",
            "state",
            "risk",
            "ward",
            "responsible_agency",
            "opened_at",
            "updated_at",
            "closed_at",
            "version",
            "visibility",
        ]


def case_rows(cases: list[Case], *, full_ids: set[int]) -> list[dict[str, Any]]:
    """Each case in full or in outline, by what the caller may see."""
    return [
        CaseSummarySerializer(c).data if c.pk in full_ids else CaseRefSerializer(c).data
        for c in cases
    ]
