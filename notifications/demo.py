"""Demo notification set-up: every agency gets its team mailbox and a local webhook.

Called by ``seed_demo``. Idempotent: endpoints that exist (by agency and name) are left as
they are. Under ``make run`` emails print in the worker's output (the console email
backend) and webhooks reach ``python manage.py webhook_receiver``.
"""

from __future__ import annotations

from django.db import transaction

from notifications.models import Channel, Endpoint, Subscription
from notifications.services import endpoint_create, subscription_create
from partners.models import Agency

MAILBOX = "Team mailbox"
WEBHOOK = "Demo webhook"


@transaction.atomic
def seed_demo_endpoints(*, webhook_base_url: str) -> dict[str, int]:
    """Create the demo endpoints; webhooks go to ``<webhook_base_url>/<agency code>``.

    The police webhook also subscribes to ASB transitions, so the referring force hears how
    the council handles the cases its officers raise. Returns counts created.
    """
    created = {"endpoints": 0, "subscriptions": 0}
    for agency in Agency.objects.filter(is_active=True).order_by("code"):
        existing = set(Endpoint.objects.filter(agency=agency).values_list("name", flat=True))
        if MAILBOX not in existing:
            endpoint_create(
                agency=agency,
                channel=Channel.EMAIL,
                name=MAILBOX,
                by=None,
                email_address=agency.email or f"{agency.code}@kestrelvale.example",
            )
            created["endpoints"] += 1
        if WEBHOOK not in existing:
            endpoint_create(
                agency=agency,
                channel=Channel.WEBHOOK,
                name=WEBHOOK,
                by=None,
                url=f"{webhook_base_url.rstrip('/')}/{agency.code}",
                # A local demo receiver: the admin's explicit exception to the SSRF guard.
                allow_private=True,
            )
            created["endpoints"] += 1
    police_hook = Endpoint.objects.filter(agency__code="kestrel-police", name=WEBHOOK).first()
    if police_hook and not Subscription.objects.filter(endpoint=police_hook).exists():
        subscription_create(
            endpoint=police_hook, by=None, event_types=["case.transitioned"], kinds=["asb"]
        )
        created["subscriptions"] += 1
    return created
