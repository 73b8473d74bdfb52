"""Case endpoints: list, detail, transitions, history, SLA deadlines and milestones; the
deadlines list, the SLA breaches report and the audit trail.

Thin: need-to-know comes from ``Case.objects.for_user()`` (via ``cases.api``) and
``workflows.selectors``, state changes from ``workflows.services.case_transition`` and
``workflows.sla``, history from ``workflows.history``. Every read of a VAWG case in full is
logged (``cases.services.case_viewed``).
"""

from __future__ import annotations

import re
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import django_filters
from auditlog.models import LogEntry
from django import forms
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, QuerySet
from django.urls import path
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, audit_scope, case_visibility, is_auditor
from cases.api import (
    AgencyRefSerializer,
    BoundedIsoDateTimeFilter,
    CanReadAuditTrail,
    CanReadReports,
    CaseRefSerializer,
    CaseSummarySerializer,
    CsvRenderer,
    DateRangeQuery,
    StrictSerializer,
    case_rows,
    valid_query,
    visible_case_or_404,
)
from cases.models import MEMBER_ROLES, Case, CaseAgency, CaseKind, Subject, SupportNeed
from cases.services import case_viewed
from notifications.api import CaseDeliverySerializer
from notifications.models import Delivery
from notifications.selectors import deliveries_by_event
from partners.models import Agency, Role
from partners.selectors import user_agency_ids
from workflows.errors import ConcurrentChange, UnknownTransition
from workflows.history import (
    CaseHistory,
    action_name,
    audit_entries_for_user,
    audit_filter_case,
    case_history,
)
from workflows.machines import MACHINES, as_machine
from workflows.models import Deadline, DeadlineStatus, PauseReason
from workflows.selectors import (
    Rag,
    RatedDeadline,
    case_running_deadlines,
    cases_filter_open_breach,
    deadline_visible_to,
    deadlines_visible_to,
    rate_deadlines,
    sla_breaches_by_agency_and_kind,
)
from workflows.services import available_transitions, case_transition
from workflows.sla import case_milestone_record, deadline_pause, deadline_resume
from workflows.sla.names import MILESTONES

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


class PolicyRefSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    name = serializers.CharField()


class DeadlineSerializer(serializers.Serializer[Any]):
    """An SLA clock on a case, with its RAG status: red when breached or past due, amber
    past the warning point, green before it; null once met or cancelled."""

    id = serializers.IntegerField(source="deadline.pk")
    policy = PolicyRefSerializer(source="deadline.policy")
    status = serializers.ChoiceField(choices=DeadlineStatus.choices, source="deadline.status")
    rag = serializers.ChoiceField(choices=[(r.value, r.value) for r in Rag], allow_null=True)
    due_at = serializers.DateTimeField(source="deadline.due_at")
    warn_at = serializers.DateTimeField(source="deadline.warn_at")
    breached_at = serializers.DateTimeField(source="deadline.breached_at", allow_null=True)
    escalation_level = serializers.IntegerField(source="deadline.escalation_level")
    responsible_agency = AgencyRefSerializer(source="deadline.responsible_agency")
    responsible_person = PersonSerializer(
        source="deadline.responsible_user",
        allow_null=True,
        help_text="The person who owes a personal duty (e.g. the FGM report); else null.",
    )
    paused = serializers.SerializerMethodField()
    pause_reason = serializers.CharField(source="deadline.pause_reason")
    pause_expires_at = serializers.DateTimeField(
        source="deadline.pause_expires_at", allow_null=True
    )

    def get_paused(self, row: RatedDeadline) -> bool:
        return row.deadline.paused_at is not None


class DeadlineCaseSerializer(serializers.ModelSerializer[Case]):
    class Meta:
        model = Case
        fields = ["id", "reference", "kind", "state"]


class DeadlineListItemSerializer(DeadlineSerializer):
    case = DeadlineCaseSerializer(source="deadline.case")
    met_at = serializers.DateTimeField(source="deadline.met_at", allow_null=True)
    cancelled_at = serializers.DateTimeField(source="deadline.cancelled_at", allow_null=True)


class CaseDetailSerializer(CaseSummarySerializer):
    """A case in full, with what the caller may do to it now and its running deadlines."""

    agencies = CaseAgencySerializer(source="case_agencies", many=True)
    assigned_officer = PersonSerializer(allow_null=True)
    subjects = SubjectSerializer(many=True)
    needs = SupportNeedSerializer(many=True)
    available_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()

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
            "deadlines",
        ]

    def get_available_transitions(self, case: Case) -> list[str]:
        return available_transitions(case=as_machine(case), user=self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, case: Case) -> Any:
        """Open deadlines and unresolved breaches, soonest due first."""
        rows = case_running_deadlines(case_id=case.pk, now=self.context["now"])
        return DeadlineSerializer(rows, many=True).data


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
        context = {"request": request, "now": timezone.now()}
        body = CaseDetailSerializer(full.get(pk=case.pk), context=context).data
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
    breached = django_filters.BooleanFilter(
        method="filter_breached",
        help_text="true: cases with an unresolved breached deadline; false: without one",
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

    def filter_breached(
        self, queryset: QuerySet[Case], name: str, value: bool | None
    ) -> QuerySet[Case]:
        if value is None:
            return queryset
        # How a case's clocks stand is a detail, like its ward: outlines are not found by it.
        return self._full_only(cases_filter_open_breach(queryset, breached=value))


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
        description="The case in full (or in outline for a VAWG referrer), with its running "
        "deadlines. The ETag header carries the version; send it back as If-Match when you "
        "change the case. Reading a VAWG case in full is recorded in its audit trail.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        if visibility is Visibility.FULL:
            case_viewed(case=case, by=request.user)  # logs VAWG reads; other kinds pass
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
    deliveries = serializers.SerializerMethodField()

    @extend_schema_field(CaseDeliverySerializer(many=True))
    def get_deliveries(self, event: Any) -> Any:
        """Who was told, how, and when: one row per endpoint or inbox."""
        rows: list[Delivery] = self.context["deliveries"].get(event.id, [])
        return CaseDeliverySerializer(rows, many=True).data


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
        description="Transitions, audit entries and notifications sent (each event with its "
        "deliveries: channel, endpoint and agency or inbox recipient, status, attempts, "
        "delivered_at, latency in seconds), oldest first. A VAWG referrer sees the state "
        "changes only: no names, reasons, audit entries or notifications. Reading a VAWG "
        "case's history in full is recorded in its audit trail.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        full = visibility is Visibility.FULL
        if full:
            case_viewed(case=case, by=request.user)  # logs VAWG reads; other kinds pass
        history = case_history(case=case, full=full)
        deliveries = deliveries_by_event(event_ids=[e.id for e in history.notifications])
        context = {"full": full, "deliveries": deliveries}
        return Response(CaseHistorySerializer(history, context=context).data)


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


# --- SLA deadlines: the list, pausing and resuming, milestones, the breaches report ------


def deadline_rows(deadlines: list[Deadline]) -> Any:
    """Deadlines as list items, each with its RAG status now."""
    rows = rate_deadlines(deadlines, now=timezone.now())
    return DeadlineListItemSerializer(rows, many=True).data


class DeadlineQuery(forms.Form):
    status = forms.ChoiceField(choices=DeadlineStatus.choices, required=False)
    agency = forms.CharField(max_length=50, required=False)
    kind = forms.ChoiceField(choices=CaseKind.choices, required=False)


class DeadlineListView(generics.GenericAPIView[Any]):
    """SLA deadlines of the cases the caller may see in full (a manager: those their agency
    leads or takes part in; an auditor: all), and personal duties the caller owes."""

    queryset = Deadline.objects.none()  # the schema's model; rows come from a selector
    serializer_class = DeadlineListItemSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=DeadlineStatus.values),
            OpenApiParameter("agency", str, description="Code of the responsible agency."),
            OpenApiParameter("kind", str, enum=CaseKind.values),
        ],
        responses=DeadlineListItemSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = valid_query(DeadlineQuery(request.query_params))
        deadlines = deadlines_visible_to(
            user=request.user,
            status=params["status"] or None,
            agency_code=params["agency"].strip() or None,
            kind=params["kind"] or None,
        )
        page = self.paginate_queryset(deadlines) or []
        return self.get_paginated_response(deadline_rows(page))


class DeadlinePauseSerializer(StrictSerializer):
    reason_code = serializers.ChoiceField(choices=PauseReason.choices)
    reason = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Free text for the case's log; the reason code's label when blank.",
    )


class DeadlineResumeSerializer(StrictSerializer):
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


SLA_ACTION_RESPONSES = {
    200: DeadlineListItemSerializer,
    409: OpenApiResponse(
        description="Not possible now: the clock is not open, is already (or not) paused, "
        "is past due, cannot be paused, or its pause allowance is used up."
    ),
}


def _visible_deadline(request: Request, pk: int, deadline_id: int) -> Deadline:
    case, _ = visible_case_or_404(request.user, pk)
    deadline = deadline_visible_to(user=request.user, case_id=case.pk, deadline_id=deadline_id)
    if deadline is None:
        raise exceptions.NotFound()
    return deadline


class DeadlinePauseView(APIView):
    @extend_schema(
        request=DeadlinePauseSerializer,
        responses=SLA_ACTION_RESPONSES,
        description="Stop an open clock for a reason (the policy caps the pause). Staff of "
        "the responsible agency (not auditors) or the person who owes it.",
    )
    def post(self, request: Request, pk: int, deadline_id: int) -> Response:
        deadline = _visible_deadline(request, pk, deadline_id)
        body = DeadlinePauseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        paused = deadline_pause(
            deadline_id=deadline.pk,
            reason=body.validated_data["reason_code"],
            by=request.user,
            note=body.validated_data["reason"],
        )
        return Response(deadline_rows([paused])[0])


class DeadlineResumeView(APIView):
    @extend_schema(
        request=DeadlineResumeSerializer,
        responses=SLA_ACTION_RESPONSES,
        description="Restart a paused clock; its due and warning times move on by the "
        "pause credited.",
    )
    def post(self, request: Request, pk: int, deadline_id: int) -> Response:
        deadline = _visible_deadline(request, pk, deadline_id)
        body = DeadlineResumeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        resumed = deadline_resume(
            deadline_id=deadline.pk, by=request.user, note=body.validated_data["reason"]
        )
        return Response(deadline_rows([resumed])[0])


MILESTONE_NAMES = sorted({name for names in MILESTONES.values() for name in names})


class MilestoneSerializer(StrictSerializer):
    milestone = serializers.CharField(
        max_length=50,
        help_text="One of the case kind's milestones: "
        + "; ".join(f"{kind}: {', '.join(names)}" for kind, names in MILESTONES.items()),
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseMilestoneView(APIView):
    @extend_schema(
        request=MilestoneSerializer,
        responses={
            200: CASE_DETAIL,
            409: OpenApiResponse(description="The case is closed."),
        },
        description="Record a step that is not a state change (a risk review held, the FGM "
        "report made) on the case's log; it meets the deadlines waiting for it. A personal "
        "duty can be recorded only by the person who owes it.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case, _ = visible_case_or_404(request.user, pk)
        body = MilestoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            case_milestone_record(
                case_id=case.pk,
                milestone=body.validated_data["milestone"],
                by=request.user,
                reason=body.validated_data["reason"],
            )
        except UnknownTransition as exc:
            raise exceptions.ValidationError({"milestone": str(exc)}) from exc
        return case_response(Case.objects.get(pk=case.pk), request)


class SlaBreachRowSerializer(serializers.Serializer[Any]):
    agency_code = serializers.CharField()
    agency_name = serializers.CharField()
    kind = serializers.CharField()
    decided = serializers.IntegerField(help_text="Deadlines due in the period, outcome known.")
    breached = serializers.IntegerField()
    met_late = serializers.IntegerField(help_text="Breached, then met.")
    unresolved = serializers.IntegerField(help_text="Breached and still neither met nor cancelled.")
    breach_rate = serializers.FloatField(help_text="breached / decided")


class SlaBreachesReportSerializer(serializers.Serializer[Any]):
    rows = SlaBreachRowSerializer(many=True)

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword, so these two cannot be declared as attributes.
        return {
            "from": serializers.DateField(allow_null=True),
            "to": serializers.DateField(allow_null=True),
            **super().get_fields(),
        }


class SlaBreachesCsvRenderer(CsvRenderer):
    columns = list(SlaBreachRowSerializer().fields)


class SlaBreachesReportView(APIView):
    permission_classes = [CanReadReports]
    renderer_classes = [JSONRenderer, SlaBreachesCsvRenderer]

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day (inclusive)."),
            OpenApiParameter("to", OpenApiTypes.DATE, description="Last day (inclusive)."),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv downloads."),
        ],
        responses={
            (200, "application/json"): SlaBreachesReportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows."),
        },
        description="Per responsible agency and kind of case: deadlines due in the period "
        "(Europe/London days) whose outcome is known, and how many breached. Managers see "
        "their agency's rows, auditors every agency's.",
    )
    def get(self, request: Request) -> Response:
        params = valid_query(DateRangeQuery(request.query_params))
        start, end = params["from"], params["to"]
        user = request.user
        scope = None if is_auditor(user) else user_agency_ids(user, [Role.MANAGER])
        rows = sla_breaches_by_agency_and_kind(
            since=start, until=end + timedelta(days=1) if end else None, agency_ids=scope
        )
        body = {
            "from": start,
            "to": end,
            "rows": [{**asdict(r), "breach_rate": round(r.rate, 4)} for r in rows],
        }
        data = SlaBreachesReportSerializer(body).data
        headers = {}
        if request.accepted_renderer.format == "csv":
            span = f"{start or 'start'}-to-{end or 'now'}"
            headers["Content-Disposition"] = f'attachment; filename="sla-breaches-{span}.csv"'
        return Response(data, headers=headers)


urlpatterns = [
    path("cases/", CaseListView.as_view(), name="api-cases"),
    path("cases/<id:pk>/", CaseDetailView.as_view(), name="api-case"),
    path("cases/<id:pk>/transitions/", CaseTransitionView.as_view(), name="api-case-transitions"),
    path("cases/<id:pk>/history/", CaseHistoryView.as_view(), name="api-case-history"),
    path(
        "cases/<id:pk>/deadlines/<id:deadline_id>/pause/",
        DeadlinePauseView.as_view(),
        name="api-deadline-pause",
    ),
    path(
        "cases/<id:pk>/deadlines/<id:deadline_id>/resume/",
        DeadlineResumeView.as_view(),
        name="api-deadline-resume",
    ),
    path("cases/<id:pk>/milestones/", CaseMilestoneView.as_view(), name="api-case-milestones"),
    path("deadlines/", DeadlineListView.as_view(), name="api-deadlines"),
    path("audit/", AuditTrailView.as_view(), name="api-audit"),
    path("reports/sla-breaches/", SlaBreachesReportView.as_view(), name="api-report-sla-breaches"),
]
