"""Bare endpoints that write without a service, to show whose name the entry bears."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partners.api_auth import ApiTokenAuthentication
from referrals.models import RoutingRule


class Reprioritise(APIView):
    authentication_classes = [ApiTokenAuthentication]

    def post(self, request: Request, pk: int) -> Response:
        rule = RoutingRule.objects.get(pk=pk)
        data: Any = request.data
        rule.priority = int(data["priority"])
        rule.save()
        return Response({"priority": rule.priority})


@login_required
@require_POST
def reprioritise_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in page (session cookie), as the pages will be."""
    rule = RoutingRule.objects.get(pk=pk)
    rule.priority = int(request.POST["priority"])
    rule.save()
    return HttpResponse(str(rule.priority))


urlpatterns = [
    path("rules/<int:pk>/priority", Reprioritise.as_view()),
    path("pages/rules/<int:pk>/priority", reprioritise_page),
]
