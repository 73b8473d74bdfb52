"""The people on a case: a victim's safe-contact details, read apart from the list of people
and logged."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cases.access import Visibility, people_disclosed
from cases.api import visible_case_or_404
from cases.services import case_viewed, safe_contact_viewed

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
