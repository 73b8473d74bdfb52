"""Personal duties on a case (the FGM report, FGM Act 2003 s5B): the list, FGM discovered on
an open case, and the report or its s5B(6) exemption, recorded by the person who owes it."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.api import visible_case_or_404
from cases.models import DiscoveredHow, PersonalDuty, ReportMethod
from web.api import StrictSerializer
from web.idempotency import IdempotentCreateMixin
from workflows.actions import (
    FgmDiscovery,
    case_fgm_discovery_record,
    duty_not_owed_record,
    duty_report_record,
)
from workflows.selectors import duties_visible, duty_last_day


class PersonalDutySerializer(serializers.ModelSerializer[PersonalDuty]):
    owed_by = serializers.CharField(source="owed_by.username", help_text="Who owes it.")
    agency = serializers.CharField(source="agency.code", help_text="The agency they work for.")
    last_day = serializers.SerializerMethodField(
        help_text="The last London day to report: one month from the discovery (s5B(5)(c))."
    )

    class Meta:
        model = PersonalDuty
        fields = [
            "id",
            "duty",
            "owed_by",
            "agency",
            "profession",
            "discovered_on",
            "discovered_how",
            "age_at_discovery",
            "recorded_at",
            "last_day",
            "status",
            "reported_at",
            "report_method",
            "police_force",
            "police_reference",
            "exemption_notified_by",
            "exemption_reason",
        ]
        read_only_fields = fields

    def get_last_day(self, duty: PersonalDuty) -> str:
        return duty_last_day(duty).isoformat()


class PersonalDutyListSerializer(serializers.Serializer[Any]):
    results = PersonalDutySerializer(many=True)


class FgmDiscoverySerializer(StrictSerializer):
    discovered_on = serializers.DateField(help_text="The day you first discovered it.")
    discovered_how = serializers.ChoiceField(
        choices=DiscoveredHow.choices,
        help_text="disclosed: she told you; observed: you saw physical signs (s5B(3)-(4)).",
    )
    known = serializers.BooleanField(help_text="Known (disclosed or seen), not suspected.")
    age_at_discovery = serializers.IntegerField(
        min_value=0, max_value=120, help_text="Her age when you discovered it."
    )


class FgmDiscoveryResultSerializer(serializers.Serializer[Any]):
    duty = PersonalDutySerializer(
        allow_null=True, help_text="The duty it put on you, or null when it puts none on you."
    )


class DutyReportSerializer(StrictSerializer):
    reported_at = serializers.DateTimeField(help_text="When you made the report.")
    method = serializers.ChoiceField(choices=ReportMethod.choices)
    police_force = serializers.CharField(
        max_length=100, help_text="The force for the area where the girl lives (s5B(5)(a))."
    )
    police_reference = serializers.CharField(max_length=50)


class DutyNotOwedSerializer(StrictSerializer):
    notified_by = serializers.CharField(
        max_length=200, help_text="Who in your profession already notified the police."
    )
    reason = serializers.CharField(max_length=5000)


class CaseDutiesView(APIView):
    @extend_schema(
        responses={200: PersonalDutyListSerializer},
        description="The personal duties on the case: every one when you see the case in "
        "full, else only your own (a referrer who owes the FGM report sees only the outline "
        "of a VAWG case, and still owes it).",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, _ = visible_case_or_404(request.user, pk)
        duties = duties_visible(case=case, user=request.user)
        return Response({"results": PersonalDutySerializer(duties, many=True).data})


class CaseFgmDiscoveryView(IdempotentCreateMixin, APIView):
    @extend_schema(
        request=FgmDiscoverySerializer,
        responses={
            201: FgmDiscoveryResultSerializer,
            409: OpenApiResponse(description="The case is closed or is not a VAWG case."),
        },
        description="Record FGM discovered on an open VAWG case. A health or social care "
        "professional or teacher who discovered known FGM in a girl under 18 owes the police "
        "report from that day (FGM Act 2003 s5B); the duty is returned, with its last day.",
    )
    def post(self, request: Request, pk: int) -> Response:
        case, _ = visible_case_or_404(request.user, pk)
        body = FgmDiscoverySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        duty = case_fgm_discovery_record(
            case_id=case.pk,
            discovery=FgmDiscovery(
                discovered_on=data["discovered_on"],
                how=data["discovered_how"],
                known=data["known"],
                age_at_discovery=data["age_at_discovery"],
            ),
            by=request.user,
        )
        result = {"duty": PersonalDutySerializer(duty).data if duty else None}
        return Response(result, status=status.HTTP_201_CREATED)


def _own_duty(request: Request, pk: int, duty_id: int) -> PersonalDuty:
    case, _ = visible_case_or_404(request.user, pk)
    # Someone else's duty is not found: its owner's name is not the caller's to learn.
    return get_object_or_404(PersonalDuty, pk=duty_id, case=case, owed_by=request.user)


class DutyReportView(IdempotentCreateMixin, APIView):
    @extend_schema(
        request=DutyReportSerializer,
        responses={
            200: PersonalDutySerializer,
            409: OpenApiResponse(description="Already reported, or recorded as not owed."),
        },
        description="Record that you made the FGM report to the police: only the person who "
        "owes the duty may, on an open or a closed case. It meets the duty's deadlines.",
    )
    def post(self, request: Request, pk: int, duty_id: int) -> Response:
        duty = _own_duty(request, pk, duty_id)
        body = DutyReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duty = duty_report_record(duty_id=duty.pk, by=request.user, **body.validated_data)
        return Response(PersonalDutySerializer(duty).data)


class DutyNotOwedView(IdempotentCreateMixin, APIView):
    @extend_schema(
        request=DutyNotOwedSerializer,
        responses={
            200: PersonalDutySerializer,
            409: OpenApiResponse(description="Already reported, or recorded as not owed."),
        },
        description="Record that the duty is not owed: you have reason to believe that "
        "another person in your profession already notified the police of the same act "
        "(FGM Act 2003 s5B(6)). Its deadlines are cancelled, not met.",
    )
    def post(self, request: Request, pk: int, duty_id: int) -> Response:
        duty = _own_duty(request, pk, duty_id)
        body = DutyNotOwedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duty = duty_not_owed_record(duty_id=duty.pk, by=request.user, **body.validated_data)
        return Response(PersonalDutySerializer(duty).data)
