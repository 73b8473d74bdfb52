"""Referral endpoints, the form metadata clients build from, and the crime-types report.

Input is validated by ``referrals.validation.validate_referral`` (the same code the web form
uses), and written by ``referrals.services.referral_raise``; the serializers here describe
the shapes for the OpenAPI document and render responses.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.urls import path, reverse
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, people_disclosed
from cases.api import (
    AgencyRefSerializer,
    CanRaiseReferrals,
    CanReadReports,
    CaseRefSerializer,
    CaseSummarySerializer,
    SubjectSerializer,
    WardRefSerializer,
    case_rows,
)
from cases.catalogue import (
    CATEGORIES,
    DASH_ANSWERS,
    DASH_MEDIUM_NOTE,
    DASH_QUESTIONS,
    MARAC_THRESHOLD,
    dash_medium_from,
)
from cases.models import (
    REFERENCE_PREFIX,
    Case,
    CaseKind,
    NeedStatus,
    NeedType,
    RiskLevel,
)
from cases.services import case_viewed
from partners.models import Agency, Ward
from referrals.case_review import CaseReviewsView
from referrals.duties import personal_duties_recorded
from referrals.models import Referral
from referrals.reports import (
    REPORT_KINDS,
    VAWG_FIGURES_REFUSED,
    CrimeTypeRow,
    WardTotal,
    crime_types_by_ward,
    report_kinds,
)
from referrals.selectors import (
    duplicates_visible,
    referrals_for_user,
    referrals_readable_in_full,
)
from referrals.services import ReferralAlreadySent, referral_raise
from referrals.shape import DETAILS, SUBJECT_ROLES, TOP_LEVEL
from referrals.validation import validate_referral
from web.api import CsvRenderer, constant_field, valid_query
from web.idempotency import IdempotentCreateMixin
from web.reports import report_period
from web.shapes import serializer_for
from workflows.machines import MACHINES
from workflows.models import PauseReason
from workflows.sla.names import MILESTONES
from workflows.transition_data import ACCEPTED

MAX_DUPLICATES = 20

# --- Serializers ----------------------------------------------------------------------

# The request body as ``referrals.shape`` declares it: ``details`` is one of three shapes,
# chosen by ``kind``.
DETAILS_SERIALIZERS = {
    kind: serializer_for(kind.title().replace("_", "") + "Details", fields)
    for kind, fields in DETAILS.items()
}


class DetailsField(serializers.DictField):
    """``details``: its shape follows ``kind`` (see /api/v1/meta/)."""


class DetailsFieldSchema(OpenApiSerializerFieldExtension):
    """``details`` is any of the kinds' shapes (anyOf, not oneOf: an ASB body also fits
    the VAWG shape, whose fields are all optional)."""

    target_class = DetailsField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "anyOf": [
                auto_schema.resolve_serializer(s, direction).ref
                for s in DETAILS_SERIALIZERS.values()
            ]
        }


ReferralInputSerializer = serializer_for(
    "ReferralInput",
    TOP_LEVEL,
    overrides={"details": DetailsField(required=False, help_text="Shape per kind: /api/v1/meta/.")},
)


class CaseStateSerializer(serializers.ModelSerializer[Case]):
    class Meta:
        model = Case
        fields = ["id", "reference", "state"]


class ReferralCreatedSerializer(serializers.ModelSerializer[Referral]):
    case = CaseStateSerializer()
    personal_duties = serializers.SerializerMethodField(
        help_text="Personal legal duties this referral put on you, e.g. "
        '["fgm_mandatory_report"] (FGM Act 2003 s5B) when you raise known FGM in a girl '
        "under 18 for a health, education or social-care agency; else empty."
    )

    class Meta:
        model = Referral
        fields = ["id", "reference", "case", "personal_duties"]

    def get_personal_duties(self, referral: Referral) -> list[str]:
        return personal_duties_recorded(referral)


class ReferralSerializer(serializers.ModelSerializer[Referral]):
    ward = WardRefSerializer()
    raising_agency = AgencyRefSerializer()
    raised_by = serializers.SlugRelatedField[User](slug_field="username", read_only=True)
    subjects = SubjectSerializer(many=True)  # withholds as context["disclosed"] says
    case = CaseStateSerializer()
    visibility = constant_field(Visibility.FULL.value)

    class Meta:
        model = Referral
        fields = [
            "id",
            "reference",
            "kind",
            "category",
            "summary",
            "occurred_at",
            "reported_at",
            "ward",
            "location_text",
            "postcode",
            "latitude",
            "longitude",
            "raising_agency",
            "raised_by",
            "subjects",
            "details",
            "case",
            "created_at",
            "visibility",
        ]


class ReferralOutlineSerializer(serializers.ModelSerializer[Referral]):
    """A VAWG referral as its raiser sees it once it has gone to the safeguarding team."""

    case = CaseStateSerializer()
    visibility = constant_field(Visibility.OUTLINE.value)

    class Meta:
        model = Referral
        fields = ["id", "reference", "kind", "created_at", "case", "visibility"]


REFERRAL_ITEM = PolymorphicProxySerializer(
    component_name="ReferralOrOutline",
    serializers=[ReferralSerializer, ReferralOutlineSerializer],
    resource_type_field_name=None,
)


def referral_rows(
    user: Any, referrals: list[Referral], *, listing: bool = False
) -> list[dict[str, Any]]:
    """Each referral in full or in outline, by what the caller may read. A list gives
    VAWG referrals in outline whoever asks: victims' names, safe-contact details and DASH
    answers are read one referral at a time, and each such read is logged."""
    full = referrals_readable_in_full(user, referrals)
    if listing:
        full = {r.pk for r in referrals if r.pk in full and r.kind != CaseKind.VAWG}
    rows: list[dict[str, Any]] = []
    people = [s for r in referrals if r.pk in full for s in r.subjects.all()]
    context = {"disclosed": people_disclosed(people, to=user)}
    for r in referrals:
        if r.pk in full:
            case_viewed(case=r.case, by=user)  # logs a VAWG read; other kinds pass
            rows.append(ReferralSerializer(r, context=context).data)
        else:
            rows.append(ReferralOutlineSerializer(r).data)
    return rows


# --- Referrals ------------------------------------------------------------------------


class ReferralFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)

    class Meta:
        model = Referral
        fields = ["kind"]


class ReferralListCreateView(IdempotentCreateMixin, generics.ListAPIView[Referral]):
    """Referrals the caller raised, and those of cases they see in full; newest first."""

    permission_classes = [CanRaiseReferrals]
    filterset_class = ReferralFilter

    def get_queryset(self) -> QuerySet[Referral]:
        return (
            referrals_for_user(self.request.user)
            .select_related("ward", "raising_agency", "raised_by", "case")
            .prefetch_related("subjects")
            .order_by("-created_at", "-id")
        )

    @extend_schema(
        responses=REFERRAL_ITEM,
        description="VAWG referrals are listed in outline; read one at "
        "/api/v1/referrals/{id}/ (each read in full is recorded in its case's audit trail).",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        return self.get_paginated_response(referral_rows(request.user, list(page), listing=True))

    @extend_schema(request=ReferralInputSerializer, responses={201: ReferralCreatedSerializer})
    def post(self, request: Request) -> Response:
        try:
            referral = referral_raise(clean=validate_referral(request.data), raised_by=request.user)
        except ReferralAlreadySent as exc:
            raise AlreadySent(exc.referral) from exc
        location = reverse("api-referral", kwargs={"pk": referral.pk})
        body = ReferralCreatedSerializer(referral).data
        return Response(body, status=201, headers={"Location": location})


class AlreadySent(exceptions.APIException):
    """409: the same referral from the same person a moment ago (a double submission)."""

    status_code = 409

    def __init__(self, referral: Referral) -> None:
        location = reverse("api-referral", kwargs={"pk": referral.pk})
        super().__init__(
            f"You sent this referral a moment ago as {referral.reference} ({location}); "
            "it was not raised again. Send an Idempotency-Key to retry a create safely."
        )


class ReferralDetailView(APIView):
    @extend_schema(
        responses={200: REFERRAL_ITEM},
        description="Reading a VAWG referral in full is recorded in its case's audit trail.",
    )
    def get(self, request: Request, pk: int) -> Response:
        referral = (
            referrals_for_user(request.user)
            .select_related("ward", "raising_agency", "raised_by", "case")
            .filter(pk=pk)
            .first()
        )
        if referral is None:
            raise exceptions.NotFound()
        return Response(referral_rows(request.user, [referral])[0])


class DuplicatesSerializer(serializers.Serializer[Any]):
    results = PolymorphicProxySerializer(
        component_name="DuplicateCase",
        serializers=[CaseSummarySerializer, CaseRefSerializer],
        resource_type_field_name=None,
        many=True,
    )


class ReferralDuplicatesView(APIView):
    permission_classes = [CanRaiseReferrals]

    @extend_schema(
        request=ReferralInputSerializer,
        responses={200: DuplicatesSerializer},
        description="Open cases of the same kind about the same person or place that you see "
        "in full: offer to add the referral to one of them with join_case.",
    )
    def post(self, request: Request) -> Response:
        clean = validate_referral(request.data)
        cases = list(duplicates_visible(clean=clean, user=request.user)[:MAX_DUPLICATES])
        return Response({"results": case_rows(cases, full_ids={c.pk for c in cases})})


# --- Form metadata --------------------------------------------------------------------


class CodeLabelSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]


class CategoryMetaSerializer(CodeLabelSerializer):
    group = serializers.CharField()
    police_uk = serializers.CharField(help_text="The police.uk crime category it maps to.")


class DetailFieldSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["boolean", "string", "integer", "date", "object", "array"]
    )
    required = serializers.BooleanField()  # type: ignore[assignment]
    description = serializers.CharField()
    choices = serializers.ListField(child=serializers.CharField(), required=False)


class TransitionMetaSerializer(serializers.Serializer[Any]):
    name = serializers.CharField()
    sources = serializers.ListField(child=serializers.CharField())
    target = serializers.CharField(
        allow_null=True, help_text="null: the case stays in its state (a reassessment)."
    )
    data = serializers.ListField(  # type: ignore[assignment]
        child=serializers.CharField(), help_text="Accepted data keys."
    )
    conditions = serializers.ListField(child=serializers.CharField())
    who = serializers.CharField()


class KindMetaSerializer(CodeLabelSerializer):
    reference_prefix = serializers.CharField()
    categories = CategoryMetaSerializer(many=True)
    subject_roles = serializers.ListField(child=serializers.CharField())
    details = DetailFieldSerializer(many=True)
    states = CodeLabelSerializer(many=True)
    transitions = TransitionMetaSerializer(many=True)
    milestones = CodeLabelSerializer(
        many=True, help_text="Steps recorded with POST /api/v1/cases/{id}/milestones/."
    )


class AgencyMetaSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(help_text="As in /api/v1/agencies/{id}/...")
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField()


class DashMetaSerializer(serializers.Serializer[Any]):
    questions = CodeLabelSerializer(many=True)
    answers = serializers.ListField(child=serializers.CharField())
    marac_threshold = serializers.IntegerField(help_text="SafeLives' MARAC threshold.")
    medium_from = serializers.IntegerField(
        help_text="Where the local medium band starts (setting DASH_MEDIUM_FROM)."
    )
    medium_note = serializers.CharField(help_text="Says that the medium band is local.")


class MetaSerializer(serializers.Serializer[Any]):
    kinds = KindMetaSerializer(many=True)
    wards = WardRefSerializer(many=True)
    agencies = AgencyMetaSerializer(many=True)
    dash = DashMetaSerializer()
    need_types = CodeLabelSerializer(many=True)
    need_statuses = CodeLabelSerializer(many=True)
    risk_levels = CodeLabelSerializer(many=True)
    pause_reasons = CodeLabelSerializer(
        many=True, help_text="reason_code values for pausing an SLA deadline."
    )


def _transitions(kind: str) -> list[dict[str, Any]]:
    machine = MACHINES[kind]
    by_name: dict[str, dict[str, Any]] = {}
    for t in machine._meta.get_field("state").get_all_transitions(machine):
        entry = by_name.setdefault(
            t.name,
            {
                "name": t.name,
                "sources": [],
                "target": t.target,
                "data": sorted(ACCEPTED.get(t.name, set())),
                "conditions": [c.__name__ for c in t.conditions],
                "who": (getattr(t.permission, "__doc__", None) or "").strip(),
            },
        )
        entry["sources"].append(t.source)
    return [{**e, "sources": sorted(e["sources"])} for _, e in sorted(by_name.items())]


def _choices(choices: Any) -> list[dict[str, str]]:
    return [{"code": str(code), "label": str(label)} for code, label in choices]


def form_metadata() -> dict[str, Any]:
    kinds = [
        {
            "code": kind.value,
            "label": kind.label,
            "reference_prefix": REFERENCE_PREFIX[kind],
            "categories": [
                {"code": c.code, "label": c.label, "group": c.group, "police_uk": c.police_uk}
                for c in CATEGORIES[kind]
            ],
            "subject_roles": sorted(SUBJECT_ROLES[kind]),
            "details": [f.meta() for f in DETAILS[kind]],
            "states": _choices(MACHINES[kind].STATES),
            "transitions": _transitions(kind),
            "milestones": [
                {"code": m.name, "label": m.label} for m in MILESTONES.get(kind, {}).values()
            ],
        }
        for kind in CaseKind
    ]
    return {
        "kinds": kinds,
        "wards": list(Ward.objects.order_by("code").values("code", "name")),
        "agencies": list(
            Agency.objects.filter(is_active=True)
            .order_by("code")
            .values("id", "code", "name", "kind")
        ),
        "dash": {
            "questions": [{"code": code, "label": text} for code, text in DASH_QUESTIONS],
            "answers": list(DASH_ANSWERS),
            "marac_threshold": MARAC_THRESHOLD,
            "medium_from": dash_medium_from(),
            "medium_note": DASH_MEDIUM_NOTE,
        },
        "need_types": _choices(NeedType.choices),
        "need_statuses": _choices(NeedStatus.choices),
        "risk_levels": _choices(RiskLevel.choices),
        "pause_reasons": _choices(PauseReason.choices),
    }


class MetaView(APIView):
    @extend_schema(
        responses={200: MetaSerializer},
        description="Everything a client needs to build the referral form and show a case: "
        "kinds with their categories (and police.uk mapping), the shape of `details`, states "
        "and transitions; wards, agencies, the DASH checklist.",
    )
    def get(self, request: Request) -> Response:
        return Response(form_metadata())


# --- Crime types by ward --------------------------------------------------------------


class CrimeTypesQuery(forms.Form):
    kind = forms.ChoiceField(choices=REPORT_KINDS, required=False)


class CrimeTypeRowSerializer(serializers.Serializer[CrimeTypeRow]):
    ward_code = serializers.CharField(help_text='"" for a category published for all wards.')
    ward_name = serializers.CharField()
    kind = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    police_uk_category = serializers.CharField()
    count = serializers.IntegerField(help_text="Rounded to a multiple of rounding_base.")


class WardTotalSerializer(serializers.Serializer[WardTotal]):
    ward_code = serializers.CharField()
    ward_name = serializers.CharField()
    count = serializers.IntegerField(help_text="The ward's true total, rounded on its own.")


class CrimeTypesReportSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(help_text="YYYY-MM or YYYY-Qn.")
    kind = serializers.CharField(allow_null=True)
    kinds = serializers.ListField(child=serializers.CharField(), help_text="Kinds counted.")
    rounding_base = serializers.IntegerField()
    rows = CrimeTypeRowSerializer(many=True)
    ward_totals = WardTotalSerializer(many=True)
    total = serializers.IntegerField(help_text="Every referral counted, rounded on its own.")

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword, so these two cannot be declared as attributes.
        return {
            **super().get_fields(),
            "from": serializers.DateField(help_text="The period's first day."),
            "to": serializers.DateField(help_text="The period's last day."),
        }


CSV_COLUMNS = [
    "ward_code",
    "ward_name",
    "kind",
    "category",
    "category_label",
    "police_uk_category",
    "count",
]


class CrimeTypesCsvRenderer(CsvRenderer):
    columns = CSV_COLUMNS


class CrimeTypesByWardView(APIView):
    permission_classes = [CanReadReports]
    renderer_classes = [JSONRenderer, CrimeTypesCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "period",
                str,
                description="A whole month (YYYY-MM) or quarter (YYYY-Qn) that has ended; "
                "the last whole month when left out. from and to are refused (400).",
            ),
            OpenApiParameter("kind", str, enum=[k for k, _ in REPORT_KINDS]),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv downloads."),
        ],
        responses={
            (200, "application/json"): CrimeTypesReportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows."),
        },
        description="ASB and VAWG referrals per ward and category by when they occurred, for "
        "one whole month or quarter (Europe/London). Every figure is rounded to a multiple "
        "of rounding_base (5) and figures that round to 0 are left out (docs/reports.md). "
        "VAWG figures only for auditors and managers of agencies VAWG referrals go to; "
        "FGM is published for all wards together, never by ward.",
    )
    def get(self, request: Request) -> Response:
        period = report_period(request.query_params)
        params = valid_query(CrimeTypesQuery(request.query_params))
        allowed = [k for k, _ in report_kinds(request.user)]
        if params["kind"] and params["kind"] not in allowed:
            raise exceptions.PermissionDenied(VAWG_FIGURES_REFUSED)
        report = crime_types_by_ward(
            period=period, kinds=[params["kind"]] if params["kind"] else allowed
        )
        body = {
            "period": period.code,
            "from": period.first,
            "to": period.last,
            "kind": params["kind"] or None,
            "kinds": report.kinds,
            "rounding_base": report.rounding_base,
            "rows": [asdict(r) for r in report.rows],
            "ward_totals": [asdict(t) for t in report.ward_totals],
            "total": report.total,
        }
        data = CrimeTypesReportSerializer(body).data
        headers = {}
        if request.accepted_renderer.format == "csv":
            headers["Content-Disposition"] = (
                f'attachment; filename="crime-types-by-ward-{period.code}.csv"'
            )
        return Response(data, headers=headers)


urlpatterns = [
    path("meta/", MetaView.as_view(), name="api-meta"),
    path("referrals/", ReferralListCreateView.as_view(), name="api-referrals"),
    path("referrals/duplicates/", ReferralDuplicatesView.as_view(), name="api-duplicates"),
    path("referrals/<id:pk>/", ReferralDetailView.as_view(), name="api-referral"),
    path("cases/<id:pk>/case-reviews/", CaseReviewsView.as_view(), name="api-case-reviews"),
    path(
        "reports/crime-types-by-ward/",
        CrimeTypesByWardView.as_view(),
        name="api-report-crime-types",
    ),
]
