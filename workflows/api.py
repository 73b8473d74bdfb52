"""Case endpoints: list, detail, transitions, history; and the audit trail.

Thin: need-to-know comes from ``Case.objects.for_user()`` (via ``cases.api``), state changes
from ``workflows.services.case_transition``, history from ``workflows.history``.
"""

from __future__ import annotations

import re
from typing import Any

import django_filters
from auditlog.models import LogEntry
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import path
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, audit_scope, case_visibility, is_auditor
from cases.api import (
    AgencyRefSerializer,
    BoundedIsoDateTimeFilter,
    CanReadAuditTrail,
    CaseRefSerializer,
    CaseSummarySerializer,
    StrictSerializer,
    case_rows,
    visible_case_or_404,
)
from cases.models import MEMBER_ROLES, Case, CaseAgency, CaseKind, Subject, SupportNeed
from partners.models import Agency
from workflows.errors import ConcurrentChange
from workflows.history import (
    CaseHistory,
    action_name,
    audit_entries_for_user,
    audit_filter_case,
    case_history,
)
from workflows.machines import MACHINES, as_machine
from workflows.services import available_transitions, case_transition

ALL_STATES = sorted({code for machine in MACHINES.values() for code, _ in machine.STATES})
ETAG_RE = re.compile(r'\s*(?:W/)?"?([0-9]{1,9})"?\s*')


class PreconditionFailed(exceptions.APIException):
    status_code = 412
    default_detail = "The case has changed since you read it; fetch it again."
    default_code = "precondition_failed"


def etag(case: Case) -> str:
    # Weak: the body differs by caller (outline or full, their transitions); the version
    # alone says whether the case changed.
    return f'W/"{case.version}"'


# --- Serializers ----------------------------------------------------------------------


class CaseAgencySerializer(serializers.ModelSerializer[CaseAgency]):
    code = serializers.CharField(source="agency.code")
    name = serializers.CharField(source="agency.name")

    class Meta:
        model = CaseAgency
        fields = ["code", "name", "role", "added_at"]


class SubjectSerializer(serializers.ModelSerializer[Subject]):
    class Meta:
        model = Subject
        fields = ["id", "role", "full_name", "date_of_birth", "age", "identifiers", "safe_contact"]


class SupportNeedSerializer(serializers.ModelSerializer[SupportNeed]):
    agency = serializers.SlugRelatedField[Agency](
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = SupportNeed
        fields = ["need", "status", "agency", "notes", "updated_at"]


class PersonSerializer(serializers.Serializer[Any]):
    username = serializers.CharField()
    name = serializers.CharField(source="get_full_name")


class CaseDetailSerializer(CaseSummarySerializer):
    """A case in full, with what the caller may do to it now."""

    agencies = CaseAgencySerializer(source="case_agencies", many=True)
    assigned_officer = PersonSerializer(allow_null=True)
    subjects = SubjectSerializer(many=True)
    needs = SupportNeedSerializer(many=True)
    available_transitions = serializers.SerializerMethodField()

    class Meta(CaseSummarySerializer.Meta):
        fields = [
            *CaseSummarySerializer.Meta.fields,
            "agencies",
            "assigned_officer",
            "location_text",
            "postcode",
            "latitude",
            "longitude",
            "details",
            "case_review_flagged_at",
            "expected_release_date",
            "released_on",
            "closure_reason",
            "subjects",
            "needs",
            "available_transitions",
        ]

    def get_available_transitions(self, case: Case) -> list[str]:
        return available_transitions(case=as_machine(case), user=self.context["request"].user)


CASE_ITEM = PolymorphicProxySerializer(
    component_name="CaseListItem",
    serializers=[CaseSummarySerializer, CaseRefSerializer],
    resource_type_field_name=None,
)
CASE_DETAIL = PolymorphicProxySerializer(
    component_name="CaseDetailOrOutline",
    serializers=[CaseDetailSerializer, CaseRefSerializer],
    resource_type_field_name=None,
)


class TransitionRequestSerializer(StrictSerializer):
    transition = serializers.CharField(max_length=50)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    data = serializers.DictField(required=False, default=dict)  # type: ignore[assignment]


def case_response(case: Case, request: Request, *, status: int = 200) -> Response:
    """The case as this caller may see it, with its ETag."""
    visibility = case_visibility(request.user, case)
    if visibility is Visibility.FULL:
        full = Case.objects.select_related(
            "ward", "responsible_agency", "assigned_officer"
        ).prefetch_related("case_agencies__agency", "subjects", "needs__agency")
        body = CaseDetailSerializer(full.get(pk=case.pk), context={"request": request}).data
    else:
        body = CaseRefSerializer(case).data
    return Response(body, status=status, headers={"ETag": etag(case)})


# --- Cases ----------------------------------------------------------------------------


class CaseFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=CaseKind.choices)
    state = django_filters.ChoiceFilter(choices=[(s, s) for s in ALL_STATES])
    ward = django_filters.CharFilter(method="filter_ward", max_length=9, help_text="ONS ward code")
    agency = django_filters.CharFilter(
        method="filter_agency",
        max_length=50,
        help_text="Agency code: cases it leads or takes part in",
    )
    q = django_filters.CharFilter(
        method="filter_q", max_length=24, help_text="Part of the case reference"
    )

    class Meta:
        model = Case
        fields = ["kind", "state"]

    def _full_only(self, queryset: QuerySet[Case]) -> QuerySet[Case]:
        # Where a case is and who handles it are details: an outline (a VAWG referrer's
        # view) must not be found by them.
        return queryset.filter(pk__in=Case.objects.for_user_full(self.request.user).values("pk"))

    def filter_ward(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return self._full_only(queryset.filter(ward__code=value.strip().upper()))

    def filter_agency(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        linked = CaseAgency.objects.filter(
            case=OuterRef("pk"), agency__code=value.strip(), role__in=MEMBER_ROLES
        )
        return self._full_only(queryset.filter(Exists(linked)))

    def filter_q(self, queryset: QuerySet[Case], name: str, value: str) -> QuerySet[Case]:
        return queryset.filter(reference__icontains=value.strip())


class CaseListView(generics.ListAPIView[Case]):
    """Cases the caller may see: in full, or in outline (reference and state) for the
    referrer of a VAWG case."""

    filterset_class = CaseFilter

    def get_queryset(self) -> QuerySet[Case]:
        return (
            Case.objects.for_user(self.request.user)
            .select_related("ward", "responsible_agency")
            .order_by("-opened_at", "-id")
        )

    @extend_schema(responses=CASE_ITEM)
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        full_ids = set(
            Case.objects.for_user_full(request.user)
            .filter(pk__in=[c.pk for c in page])
            .values_list("pk", flat=True)
        )
        return self.get_paginated_response(case_rows(page, full_ids=full_ids))


class CaseDetailView(APIView):
    @extend_schema(
        responses={200: CASE_DETAIL},
        description="The case in full (or in outline for a VAWG referrer). The ETag header "
        "carries the version; send it back as If-Match when you change the case.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, _ = visible_case_or_404(request.user, pk)
        return case_response(case, request)


class CaseTransitionView(APIView):
    @extend_schema(
        request=TransitionRequestSerializer,
        responses={
            200: CASE_DETAIL,
            409: OpenApiResponse(
                description="Not available from the current state, or "
                "someone else changed the case first."
            ),
            412: OpenApiResponse(description="If-Match does not match the current version."),
        },
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description='The ETag from GET (e.g. W/"3"); the change is refused with 412 '
                "if the case has moved on since.",
            )
        ],
    )
    def post(self, request: Request, pk: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        if visibility is not Visibility.FULL:
            raise exceptions.PermissionDenied("You see only the outline of this case.")
        body = TransitionRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        expected = _expected_version(request, case)
        try:
            updated = case_transition(
                case_id=case.pk,
                name=body.validated_data["transition"],
                by=request.user,
                reason=body.validated_data["reason"],
                data=body.validated_data["data"],
                expected_version=expected,
            )
        except ConcurrentChange as exc:
            # Raised only when a version was expected, i.e. If-Match was sent.
            raise PreconditionFailed(str(exc)) from exc
        return case_response(updated, request)


def _expected_version(request: Request, case: Case) -> int | None:
    """The version If-Match asks for (None without it or for ``*``); 412 if it is stale."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    versions = set()
    for tag in raw.split(","):
        match = ETAG_RE.fullmatch(tag)
        if match is None:
            raise exceptions.ValidationError(
                {"If-Match": 'Send the ETag from GET /api/v1/cases/{id}/, e.g. W/"3".'}
            )
        versions.add(int(match.group(1)))
    if case.version not in versions:
        raise PreconditionFailed(
            f"The case is at version {case.version}; fetch it again before changing it."
        )
    return case.version


# --- History and the audit trail ------------------------------------------------------


class TransitionLogSerializer(serializers.Serializer[Any]):
    seq = serializers.IntegerField()
    transition = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]
    target = serializers.CharField()
    at = serializers.DateTimeField()


class TransitionLogFullSerializer(TransitionLogSerializer):
    actor = PersonSerializer(allow_null=True)
    actor_agency = AgencyRefSerializer(allow_null=True)
    reason = serializers.CharField()
    data = serializers.JSONField()  # type: ignore[assignment]


class AuditEntrySerializer(serializers.ModelSerializer[LogEntry]):
    at = serializers.DateTimeField(source="timestamp")
    action = serializers.SerializerMethodField()
    object_type = serializers.SerializerMethodField()
    actor = serializers.SlugRelatedField[User](
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = LogEntry
        fields = [
            "id",
            "at",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "actor",
            "changes",
        ]

    def get_action(self, entry: LogEntry) -> str:
        return action_name(entry)

    def get_object_type(self, entry: LogEntry) -> str:
        return f"{entry.content_type.app_label}.{entry.content_type.model}"


class AuditTrailEntrySerializer(AuditEntrySerializer):
    class Meta(AuditEntrySerializer.Meta):
        fields = [*AuditEntrySerializer.Meta.fields, "remote_addr"]


class NotificationEventSerializer(serializers.Serializer[Any]):
    id = serializers.UUIDField()
    type = serializers.CharField()
    occurred_at = serializers.DateTimeField()
    agencies = serializers.ListField(child=serializers.CharField())
    data = serializers.JSONField()  # type: ignore[assignment]
    published_at = serializers.DateTimeField(allow_null=True)


class CaseHistorySerializer(serializers.Serializer[CaseHistory]):
    case = CaseRefSerializer()
    transitions = serializers.SerializerMethodField()
    audit = AuditEntrySerializer(many=True)
    notifications = NotificationEventSerializer(many=True)

    def get_transitions(self, history: CaseHistory) -> list[dict[str, Any]]:
        serializer = (
            TransitionLogFullSerializer if self.context["full"] else TransitionLogSerializer
        )
        return serializer(history.transitions, many=True).data  # type: ignore[return-value]


class CaseHistoryView(APIView):
    @extend_schema(
        responses={200: CaseHistorySerializer},
        description="Transitions, audit entries and notifications sent, oldest first. A VAWG "
        "referrer sees the state changes only: no names, reasons, audit entries or events.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        full = visibility is Visibility.FULL
        history = case_history(case=case, full=full)
        return Response(CaseHistorySerializer(history, context={"full": full}).data)


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor__username", max_length=150)
    case = django_filters.CharFilter(
        method="filter_case", max_length=24, help_text="id or reference"
    )
    since = BoundedIsoDateTimeFilter(field_name="timestamp", lookup_expr="gte")
    until = BoundedIsoDateTimeFilter(field_name="timestamp", lookup_expr="lte")

    class Meta:
        model = LogEntry
        fields = ["actor", "case", "since", "until"]

    def filter_case(
        self, queryset: QuerySet[LogEntry], name: str, value: str
    ) -> QuerySet[LogEntry]:
        return audit_filter_case(queryset, value)


class AuditTrailView(generics.ListAPIView[LogEntry]):
    """The audit trail: every entry for auditors; for managers, entries about the cases
    their agency leads or takes part in. Newest first."""

    permission_classes = [CanReadAuditTrail]
    serializer_class = AuditTrailEntrySerializer
    filterset_class = AuditFilter

    def get_queryset(self) -> QuerySet[LogEntry]:
        if getattr(self, "swagger_fake_view", False):  # drf-spectacular building the schema
            return LogEntry.objects.none()
        user = self.request.user
        return audit_entries_for_user(scope=audit_scope(user), everything=bool(is_auditor(user)))


urlpatterns = [
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<id:pk>/", CaseDetailView.as_view(), name="api-case"),
    path("cases/<id:pk>/transitions/", CaseTransitionView.as_view(), name="api-case-transitions"),
    path("cases/<id:pk>/history/", CaseHistoryView.as_view(), name="api-case-history"),
    path("audit/", AuditTrailView.as_view(), name="api-audit"),
]
