"""The case pages served under a prefix: a notification's link must follow the workflows'
own route to the case, wherever it is mounted."""

from django.urls import include, path

urlpatterns = [path("casework/", include("workflows.urls"))]
