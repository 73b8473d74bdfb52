from django.urls import path

from referrals import views
from referrals.case_review import case_review_new

app_name = "referrals"

urlpatterns = [
    path("new/", views.start, name="start"),
    path("new/<slug:kind>/", views.details, name="details"),
    path("new/<slug:kind>/check/", views.check, name="check"),
    path("new/<slug:kind>/possible-duplicates/", views.duplicates, name="duplicates"),
    path("<str:reference>/confirmation/", views.confirmation, name="confirmation"),
    # An application for an ASB case review relies on the referrals: intake records it.
    path("case-review/<str:reference>/new/", case_review_new, name="case_review_new"),
]
