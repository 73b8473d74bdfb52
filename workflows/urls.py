from django.urls import path

from workflows import views

app_name = "workflows"

urlpatterns = [
    path("cases/", views.case_list, name="cases"),
    # Before the reference route. Notifications link here by this name (their detail_url).
    path("cases/<int:pk>/", views.case_by_id, name="case_by_id"),
    path("cases/<str:reference>/", views.case_detail, name="case"),
    path(
        "cases/<str:reference>/actions/<slug:name>/",
        views.case_transition_form,
        name="transition",
    ),
    path(
        "cases/<str:reference>/deadlines/<int:deadline_id>/pause/",
        views.deadline_pause_form,
        name="deadline_pause",
    ),
    path(
        "cases/<str:reference>/deadlines/<int:deadline_id>/resume/",
        views.deadline_resume_form,
        name="deadline_resume",
    ),
    path(
        "cases/<str:reference>/milestones/<slug:name>/",
        views.milestone_form,
        name="milestone",
    ),
    path(
        "cases/<str:reference>/fgm-discovery/",
        views.fgm_discovery_form,
        name="fgm_discovery",
    ),
    path(
        "cases/<str:reference>/duties/<int:duty_id>/report/",
        views.duty_report_form,
        name="duty_report",
    ),
    path(
        "cases/<str:reference>/duties/<int:duty_id>/not-owed/",
        views.duty_not_owed_form,
        name="duty_not_owed",
    ),
    path(
        "cases/<str:reference>/people/<int:subject_id>/safe-contact/",
        views.safe_contact,
        name="safe_contact",
    ),
    path(
        "cases/<str:reference>/people/<int:subject_id>/disclosure/",
        views.disclosure_form,
        name="disclosure",
    ),
    path(
        "cases/<str:reference>/case-reviews/<int:application_id>/<slug:step>/",
        views.case_review_step,
        name="case_review_step",
    ),
    path("early-release/", views.early_release_tracker, name="early_release"),
    path("manage/breaches/", views.sla_breaches, name="breaches"),
    path("manage/audit/", views.audit_trail, name="audit"),
    path("manage/audit/export/", views.audit_trail_csv, name="audit_csv"),
]
