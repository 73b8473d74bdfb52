from django.urls import path

from referrals import views

app_name = "reports"

urlpatterns = [
    path("crime-types-by-ward/", views.crime_types_report, name="crime_types"),
]
