"""SLA endpoints: the deadlines list, pausing and resuming a clock, the breaches report.

Thin: reads through ``workflows.selectors`` (need-to-know, RAG status, the report's
counts), writes through ``workflows.sla``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import is_auditor
from cases.api import (
    AgencyRefSerializer,
    CanReadReports,
    PersonSerializer,
    visible_case_or_404,
)
from cases.models import Case, CaseKind
from partners.models import Role
from partners.selectors import user_agency_ids
from web.api import CsvRenderer, StrictSerializer, valid_query
from web.reports import PERIOD_PARAMETER_HELP, breach_rows, period_bounds
from workflows.actions import deadline_pause, deadline_resume
from workflows.models import Deadline, DeadlineStatus, PauseReason
from workflows.selectors import (
    Rag,
    RatedDeadline,
    deadline_visible_to,
    deadlines_visible_to,
    rate_deadlines,
    sla_breaches_by_agency_and_kind,
)


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
            OpenApiParameter("period", str, description=PERIOD_PARAMETER_HELP),
            OpenApiParameter("format", str, enum=["json", "csv"], description="csv downloads."),
        ],
        responses={
            (200, "application/json"): SlaBreachesReportSerializer,
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The same rows."),
        },
        description="Per responsible agency and kind of case: deadlines due in the period "
        "(Europe/London days) whose outcome is known, and how many breached, of the cases "
        "the caller may open in full. Managers see their agency's rows, auditors every "
        "agency's.",
    )
    def get(self, request: Request) -> Response:
        params = period_bounds(request.query_params)  # a whole month or quarter (web.reports)
        start, end = params["from"], params["to"]
        user = request.user
        scope = None if is_auditor(user) else user_agency_ids(user, [Role.MANAGER])
        rows = sla_breaches_by_agency_and_kind(
            since=start,
            until=end + timedelta(days=1) if end else None,
            agency_ids=scope,
            seen_by=user,
        )
        body = {
            "from": start,
            "to": end,
            "rows": breach_rows(rows),  # rounded to base 5 (web.reports, docs/reports.md)
        }
        data = SlaBreachesReportSerializer(body).data
        headers = {}
        if request.accepted_renderer.format == "csv":
            span = f"{start or 'start'}-to-{end or 'now'}"
            headers["Content-Disposition"] = f'attachment; filename="sla-breaches-{span}.csv"'
        return Response(data, headers=headers)
