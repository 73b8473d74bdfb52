"""The product's URLs, with the baseline app's bare DRF viewset mounted under /bench/."""

from django.urls import include, path

from bench.baseline.api import router
from config.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    *product_urlpatterns,
    path("bench/baseline/", include(router.urls)),
]
