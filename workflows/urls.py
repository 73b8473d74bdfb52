from django.urls import path

from workflows import views

app_name = "workflows"

urlpatterns = [
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path(
        "cases/<str:reference>/actions/<slug:name>/",
        views.case_transition_form,
        name="transition",
    ),
    path("early-release/", views.early_release_tracker, name="early_release"),
]
