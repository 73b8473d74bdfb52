"""Pages for notifications: each person's inbox, and the failed and dead deliveries that
managers retry (auditors read the list; they retry nothing)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cases.access import can_read_audit_trail
from notifications.labels import event_label
from notifications.models import DeliveryStatus, InboxItem
from notifications.selectors import (
    deliveries_failing_for_user,
    inbox_items,
    inbox_unread_count,
)
from notifications.services import delivery_retry, inbox_mark_all_read, inbox_mark_read
from notifications.services.permissions import may_manage
from notifications.wording import event_text

INBOX_PAGE_SIZE = 25
FAILING_PAGE_SIZE = 50


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The signed-in person's notifications, newest first, unread ones marked."""
    paginator = Paginator(
        inbox_items(user=request.user).order_by("-created_at", "-id"), INBOX_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "items": [
                {"item": i, "label": event_label(i.event.type), "text": event_text(i.event)}
                for i in page
            ],
            "unread": inbox_unread_count(request.user),
        },
    )


@login_required
@require_POST
def inbox_item_read(request: HttpRequest, item_id: int) -> HttpResponse:
    try:
        item = inbox_mark_read(item_id=item_id, user=request.user)
    except InboxItem.DoesNotExist as exc:
        raise Http404("No such item in your inbox") from exc
    messages.success(request, f"Marked as read: {event_label(item.event.type)}")
    return redirect("notifications:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    changed = inbox_mark_all_read(user=request.user)
    messages.success(request, f"Marked {changed} notification{'' if changed == 1 else 's'} as read")
    return redirect("notifications:inbox")


def _require_reader(request: HttpRequest) -> None:
    # The failed-notification list sits with the other manager pages: managers see their
    # agencies' endpoints, auditors every endpoint (read only).
    if not can_read_audit_trail(request.user):
        raise PermissionDenied("Failed notifications are for managers and auditors.")


@login_required
def failing_deliveries(request: HttpRequest) -> HttpResponse:
    """Failed (will retry) and dead (gave up) deliveries, with Retry on the dead ones."""
    _require_reader(request)
    deliveries = deliveries_failing_for_user(user=request.user)
    status = request.GET.get("status", "")
    if status in (DeliveryStatus.FAILED, DeliveryStatus.DEAD):
        deliveries = deliveries.filter(status=status)
    else:
        status = ""
    page = Paginator(deliveries, FAILING_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "delivery": d,
            "label": event_label(d.event.type),
            "can_retry": d.status == DeliveryStatus.DEAD
            and d.endpoint is not None
            and d.endpoint.is_active
            and may_manage(request.user, agency_id=d.endpoint.agency_id, perm="change_delivery"),
        }
        for d in page
    ]
    return render(
        request,
        "notifications/failing.html",
        {
            "page": page,
            "rows": rows,
            "status": status,
            "status_query": f"status={status}" if status else "",
        },
    )


@login_required
@require_POST
def delivery_retry_view(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Send a dead delivery again from its first attempt, through ``delivery_retry``."""
    _require_reader(request)
    # Only a delivery the person can see in the list may be retried; others do not exist.
    delivery = deliveries_failing_for_user(user=request.user).filter(pk=delivery_id).first()
    if delivery is None:
        raise Http404("No such failed notification")
    try:
        delivery_retry(delivery_id=delivery.pk, by=request.user)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("notifications:failing")
    messages.success(
        request,
        f"Sending again: {event_label(delivery.event.type)} for "
        f"{delivery.event.case_reference or 'no case'} to {delivery.endpoint}",
    )
    return redirect("notifications:failing")
