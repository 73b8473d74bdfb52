"""Case endpoints: list, detail (with running deadlines), transitions, milestones, history.

Thin: need-to-know comes from ``Case.objects.for_user()`` (via ``cases.api``), state changes
from ``workflows.actions``, history from
``workflows.history``. Every read of a VAWG case in full is logged
(``cases.services.case_viewed``).
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, case_visibility, people_disclosed, sees_as_member
from cases.api import (
    AgencyRefSerializer,
    CaseRefSerializer,
    CaseSummarySerializer,
    PersonSerializer,
    SubjectSerializer,
    case_rows,
    visible_case_or_404,
)
from cases.models import Case, CaseAgency, SupportNeed
from cases.services import case_viewed
from notifications.api.public import NotificationEventSerializer, case_notification_rows
from partners.models import Agency
from web.api import StrictSerializer
from web.idempotency import IdempotentCreateMixin
from web.rest import Pagination
from workflows.actions import case_milestone_record, case_transition
from workflows.api.audit import AuditEntrySerializer
from workflows.api.sla import DeadlineSerializer
from workflows.caselist import CaseListFilter
from workflows.errors import ConcurrentChange, UnknownTransition
from workflows.history import CaseHistory, case_history
from workflows.machines import as_machine
from workflows.policy import available_transitions
from workflows.prompts import case_prompts
from workflows.selectors import case_running_deadlines
from workflows.sla.names import MILESTONES

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


class SupportNeedSerializer(serializers.ModelSerializer[SupportNeed]):
    agency = serializers.SlugRelatedField[Agency](
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = SupportNeed
        fields = ["need", "status", "agency", "notes", "updated_at"]


class PromptSerializer(serializers.Serializer[Any]):
    """What the law asks of an agency on the case, and whether it has been recorded."""

    code = serializers.ChoiceField(
        choices=["child_safeguarding", "protection_order", "operation_encompass"]
    )
    text = serializers.CharField()
    answered_by = serializers.ListField(
        child=serializers.CharField(), help_text="The milestones that answer it."
    )
    done = serializers.BooleanField()
    outcome = serializers.CharField(allow_null=True, help_text="The milestone recorded.")
    outcome_at = serializers.DateTimeField(allow_null=True)


class CaseDetailSerializer(CaseSummarySerializer):
    """A case in full, with what the caller may do to it now and its running deadlines."""

    agencies = CaseAgencySerializer(source="case_agencies", many=True)
    assigned_officer = PersonSerializer(allow_null=True)
    subjects = SubjectSerializer(
        many=True, help_text="People marked do_not_disclose are withheld from some readers."
    )
    needs = SupportNeedSerializer(many=True)
    available_transitions = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    prompts = serializers.SerializerMethodField()

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
            "prompts",
        ]

    def to_representation(self, case: Case) -> Any:
        data = super().to_representation(case)
        if not sees_as_member(self.context["request"].user, case):
            data["case_review_flagged_at"] = None  # members only (issue 12 item 8)
        return data

    def get_available_transitions(self, case: Case) -> list[str]:
        return available_transitions(case=as_machine(case), user=self.context["request"].user)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, case: Case) -> Any:
        """Open deadlines and unresolved breaches, soonest due first."""
        rows = case_running_deadlines(
            case_id=case.pk, now=self.context["now"], seen_by=self.context["request"].user
        )
        return DeadlineSerializer(rows, many=True).data

    @extend_schema_field(PromptSerializer(many=True))
    def get_prompts(self, case: Case) -> Any:
        """Children's social care's decision, a protection order to consider, Operation
        Encompass: each with whether its milestone is recorded."""
        prompts = case_prompts(case, full=True, user=self.context["request"].user)
        return PromptSerializer([p.as_dict() for p in prompts], many=True).data


class CaseOutlineSerializer(CaseRefSerializer):
    """A case in outline, with the prompts its reader may answer (the referring officer's
    Operation Encompass notification): nothing else of the case."""

    prompts = serializers.SerializerMethodField(
        help_text="Present only when there is one for you: the outline stays reference and "
        "state for everyone else."
    )

    class Meta(CaseRefSerializer.Meta):
        fields = [*CaseRefSerializer.Meta.fields, "prompts"]

    @extend_schema_field(PromptSerializer(many=True))
    def get_prompts(self, case: Case) -> Any:
        prompts = case_prompts(case, full=False, user=self.context["request"].user)
        return PromptSerializer([p.as_dict() for p in prompts], many=True).data

    def to_representation(self, case: Case) -> Any:
        data = super().to_representation(case)
        if not data["prompts"]:
            del data["prompts"]
        return data


CASE_ITEM = PolymorphicProxySerializer(
    component_name="CaseListItem",
    serializers=[CaseSummarySerializer, CaseRefSerializer],
    resource_type_field_name=None,
)
CASE_DETAIL = PolymorphicProxySerializer(
    component_name="CaseDetailOrOutline",
    serializers=[CaseDetailSerializer, CaseOutlineSerializer],
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
        detail = full.get(pk=case.pk)
        context = {
            "request": request,
            "now": timezone.now(),
            "disclosed": people_disclosed(detail.subjects.all(), to=request.user),
        }
        body: dict[str, Any] = CaseDetailSerializer(detail, context=context).data
    else:
        body = CaseOutlineSerializer(case, context={"request": request}).data
    return Response(body, status=status, headers={"ETag": etag(case)})


# --- Cases ----------------------------------------------------------------------------


class CaseListPagination(Pagination):
    """Pages of the case list. A page number or size that is not a whole number answers
    400 naming it (DRF would answer 404 for the one and ignore the other); a page past the
    end stays a 404, as on every list."""

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> Any:
        for name in ("page", "page_size"):
            raw = request.query_params.get(name)
            if raw is not None and not (raw.isdigit() and int(raw) >= 1):
                raise exceptions.ValidationError({name: "Give a whole number, 1 or more."})
        return super().paginate_queryset(queryset, request, view)


class CaseListView(generics.ListAPIView[Case]):
    """Cases the caller may see: in full, or in outline (reference and state) for the
    referrer of a VAWG case. Search, filters and sorting as on the /cases/ page
    (``workflows.caselist``); an invalid parameter answers 400 naming it."""

    filterset_class = CaseListFilter
    pagination_class = CaseListPagination

    def get_queryset(self) -> QuerySet[Case]:
        return (
            Case.objects.for_user(self.request.user)
            .select_related("ward", "responsible_agency")
            .order_by("-opened_at", "-id")  # CaseListFilter orders it (default -opened)
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
        expected = expected_version(request, case)
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


def expected_version(request: Request, case: Case) -> int | None:
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


class CaseHistorySerializer(serializers.Serializer[CaseHistory]):
    case = CaseRefSerializer()
    transitions = serializers.SerializerMethodField()
    audit = AuditEntrySerializer(many=True)
    notifications = serializers.SerializerMethodField()

    def get_transitions(self, history: CaseHistory) -> list[dict[str, Any]]:
        serializer = (
            TransitionLogFullSerializer if self.context["full"] else TransitionLogSerializer
        )
        return serializer(history.transitions, many=True).data  # type: ignore[return-value]

    @extend_schema_field(NotificationEventSerializer(many=True))
    def get_notifications(self, history: CaseHistory) -> list[dict[str, Any]]:
        # notifications asks the gate itself: none for an outline, members-only for members.
        return case_notification_rows(case=history.case, user=self.context["user"])


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
        history = case_history(case=case, full=full, member=sees_as_member(request.user, case))
        context = {"full": full, "user": request.user}
        return Response(CaseHistorySerializer(history, context=context).data)


# --- Milestones ---------------------------------------------------------------------


class MilestoneSerializer(StrictSerializer):
    milestone = serializers.CharField(
        max_length=50,
        help_text="One of the case kind's milestones: "
        + "; ".join(f"{kind}: {', '.join(names)}" for kind, names in MILESTONES.items()),
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseMilestoneView(IdempotentCreateMixin, APIView):
    @extend_schema(
        request=MilestoneSerializer,
        responses={
            200: CASE_DETAIL,
            409: OpenApiResponse(
                description="The case is closed (and this is not a personal duty still owed)."
            ),
        },
        description="Record a step that is not a state change (a risk review held, the FGM "
        "report made) on the case's log; it meets the deadlines waiting for it. A personal "
        "duty can be recorded only by the person who owes it, and outlives the case: its "
        "owner may record it after the case has closed.",
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
