from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("new/", views.start, name="start"),
    path("new/<slug:kind>/", views.details, name="details"),
    path("new/<slug:kind>/check/", views.check, name="check"),
    path("new/<slug:kind>/possible-duplicates/", views.duplicates, name="duplicates"),
    path("<str:reference>/confirmation/", views.confirmation, name="confirmation"),
]
