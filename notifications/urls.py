from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/<int:item_id>/read/", views.inbox_item_read, name="inbox_read"),
    path("inbox/read-all/", views.inbox_read_all, name="inbox_read_all"),
    path("manage/notifications/", views.failing_deliveries, name="failing"),
    path(
        "manage/notifications/<int:delivery_id>/retry/",
        views.delivery_retry_view,
        name="retry",
    ),
]
