"""The people on a case: a victim's safe-contact details, read apart from the list of people
and logged, and the lead agency's "do not disclose to the other party" decision."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, people_disclosed
from cases.api import visible_case_or_404
from cases.models import Case
from cases.services import case_viewed, safe_contact_viewed
from web.api import StrictSerializer
from workflows.actions import case_subject_disclosure_set
from workflows.api.cases import CASE_DETAIL, PreconditionFailed, case_response, expected_version
from workflows.errors import ConcurrentChange

SAFE_CONTACT_KEYS = ("safe_to_call", "safe_phone", "safe_times", "safe_to_email", "notes")


class SafeContactSerializer(serializers.Serializer[Any]):
    subject = serializers.IntegerField(help_text="The person's id in the case's subjects.")
    role = serializers.CharField()
    safe_to_call = serializers.BooleanField(allow_null=True)
    safe_phone = serializers.CharField(allow_null=True)
    safe_times = serializers.CharField(allow_null=True)
    safe_to_email = serializers.BooleanField(allow_null=True)
    notes = serializers.CharField(allow_null=True)


class SafeContactListSerializer(serializers.Serializer[Any]):
    results = SafeContactSerializer(many=True)


class CaseSafeContactView(APIView):
    @extend_schema(
        responses={200: SafeContactListSerializer},
        description="How to contact the case's victims safely: only the people you may see "
        "in full (never one withheld from you as the other party's side). Kept out of the "
        "case's list of people, which names the alleged perpetrator; every read is recorded "
        "in the case's audit trail, one entry per person.",
    )
    def get(self, request: Request, pk: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        if visibility is not Visibility.FULL:
            raise exceptions.PermissionDenied("You see only the outline of this case.")
        people = [s for s in case.subjects.all() if s.safe_contact]
        disclosed = people_disclosed(people, to=request.user)
        rows = []
        case_viewed(case=case, by=request.user)
        for subject in people:
            if subject.pk in disclosed:
                safe_contact_viewed(subject=subject, by=request.user)
                rows.append(
                    {
                        "subject": subject.pk,
                        "role": subject.role,
                        **{key: subject.safe_contact.get(key) for key in SAFE_CONTACT_KEYS},
                    }
                )
        return Response({"results": SafeContactSerializer(rows, many=True).data})


class DisclosureSerializer(StrictSerializer):
    withhold = serializers.BooleanField(
        help_text="true: do not disclose the person to the other party; false: every agency "
        "on the case may be told who they are (never for a VAWG victim)."
    )
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseSubjectDisclosureView(APIView):
    @extend_schema(
        request=DisclosureSerializer,
        responses={
            200: CASE_DETAIL,
            409: OpenApiResponse(description="Someone else changed the case first."),
            412: OpenApiResponse(description="If-Match does not match the current version."),
        },
        parameters=[
            OpenApiParameter(
                "If-Match",
                str,
                OpenApiParameter.HEADER,
                description='The ETag from GET (e.g. W/"3"); refused with 412 if stale.',
            )
        ],
        description='Mark a person on the case "do not disclose to the other party", or lift '
        "the mark: the lead agency's decision (its ASB coordinators, safeguarding leads, "
        "probation practitioners and managers; for a VAWG case, its safeguarding leads and "
        "managers). A VAWG victim's mark is never lifted. The reason goes in the case's "
        "history, which every agency on the case reads: do not name the person in it.",
    )
    def post(self, request: Request, pk: int, subject_id: int) -> Response:
        case, visibility = visible_case_or_404(request.user, pk)
        if visibility is not Visibility.FULL:
            raise exceptions.PermissionDenied("You see only the outline of this case.")
        if not people_disclosed(case.subjects.filter(pk=subject_id), to=request.user):
            raise exceptions.NotFound()
        body = DisclosureSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            case_subject_disclosure_set(
                case_id=case.pk,
                subject_id=subject_id,
                withhold=body.validated_data["withhold"],
                by=request.user,
                reason=body.validated_data["reason"],
                expected_version=expected_version(request, case),
            )
        except ConcurrentChange as exc:
            raise PreconditionFailed(str(exc)) from exc
        return case_response(Case.objects.get(pk=case.pk), request)
