"""The bare DRF create the product's API is compared with: a ModelViewSet, nothing added.

Authentication and permissions are the project's REST_FRAMEWORK defaults (token or
session, authenticated users only), the same ones the product's API starts from.
"""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.routers import DefaultRouter

from bench.baseline.models import BaselineRecord


class BaselineRecordSerializer(serializers.ModelSerializer[BaselineRecord]):
    class Meta:
        model = BaselineRecord
        fields = "__all__"


class BaselineRecordViewSet(viewsets.ModelViewSet[BaselineRecord]):
    queryset = BaselineRecord.objects.order_by("id")
    serializer_class = BaselineRecordSerializer


router = DefaultRouter()
router.register("records", BaselineRecordViewSet, basename="baseline-record")
