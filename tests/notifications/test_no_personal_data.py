"""No personal data leaves the system: every event the real services produce, through every
channel and the csp.events exchange, carries no name, date of birth, place or narrative."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.events import EVENT_TYPES
from notifications.models import UNFINISHED_STATUSES, Delivery, DeliveryStatus, OutboxEvent
from notifications.services import emit, subscription_create
from partners.models import Role
from tests.factories import AgencyFactory, member
from tests.notifications.conftest import (
    ExchangeTap,
    WorkerProcess,
    email_endpoint,
    email_worker,
    notify_endpoint,
    wait_until,
    webhook_endpoint,
)
from tests.personas import fgm_found_today, payload, raise_referral
from tests.support import FakeNotify, SmtpSink, WebhookReceiver
from workflows.actions import (
    FgmDiscovery,
    case_fgm_discovery_record,
    case_milestone_record,
    case_review_application_record,
    case_review_decision_told,
    case_review_meeting_record,
    case_review_outcome_record,
    case_review_outcome_told,
    case_review_threshold_decide,
    case_set_risk,
    case_transition,
    duty_not_owed_record,
    duty_report_record,
)

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

# Everything personal the test puts in: people, birth dates, places, narrative, identifiers,
# safe-contact details, a reason that names someone, and the staff who acted.
PERSONAL = [
    "Jane Resident",
    "Alice Victim",
    "Bob Partner",
    "Carl Released",
    "Fatima Example",
    "1990-04-01",
    "Quay Street",
    "Loud music every night",
    "controlling behaviour",
    "no fixed abode",
    "disclosed at school",
    "FGM/4471",
    "Ms Example",
    "reported it on 101",
    "weekdays 10-12",
    "9434765919",
    "12/34567A",
    "A1234BC",
    "X123456",
    "spoke to the complainant at her door",
    "Priya Shah",
    "Tom Hughes",
    "Grace Okafor",
    "Daniel Reid",
    "Nadia Hussain",
    "Marigold Applicant",
    "she fears the upstairs tenant",
]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def produce_case_review(case: Any, people: Any) -> None:
    """An ASB case review application, every step (the case_review.* events)."""
    by = people.asb_coordinator
    secret = "Threshold met: she fears the upstairs tenant, Marigold Applicant"
    application = case_review_application_record(
        case_id=case.pk,
        by=by,
        applicant_name="Marigold Applicant",
        applicant_is_victim=True,
        victim_consent=False,
        received_at=timezone.now(),
        received_by=case.responsible_agency,
        relied_on=[],
    )
    pk = application.pk
    case_review_threshold_decide(application_id=pk, met=True, reasons=secret, by=by)
    case_review_decision_told(application_id=pk, by=by)
    case_review_meeting_record(
        application_id=pk,
        meeting_on=timezone.localdate(),
        agencies=[case.responsible_agency],
        by=by,
    )
    case_review_outcome_record(application_id=pk, recommendations=secret, by=by)
    case_review_outcome_told(application_id=pk, by=by)


def produce_every_event_type(people: Any) -> None:
    """Referrals of each kind, transitions, a risk change, a milestone, the FGM duty, a case
    review, and the deadline events the SLA scanner emits."""
    coordinator = people.asb_coordinator
    # Three incidents days apart (the same incident reported three times counts once): the
    # third prompts a case review, and the victim applies.
    asb = [
        raise_referral(
            people.officer,
            "asb",
            occurred_at=(timezone.now() - timedelta(days=days)).isoformat(),
        ).case
        for days in (6, 3, 0)
    ]
    produce_case_review(asb[2], people)
    case = asb[0]
    reason = "Triaged: spoke to the complainant at her door, Jane Resident, 14 Quay Street"
    case_transition(case_id=case.pk, name="triage", by=coordinator, reason=reason)
    case_transition(
        case_id=case.pk, name="assign", by=coordinator, reason=reason, data={"officer": "manager"}
    )
    case_set_risk(case_id=case.pk, risk="high", by=coordinator, reason=reason)
    case_milestone_record(case_id=case.pk, milestone="review_risk", by=coordinator, reason=reason)

    # A victim and perpetrator known by identifier, referred to MARAC; a further incident
    # between them is a repeat (case.marac_repeat).
    pair = [
        {
            "role": "victim",
            "full_name": "Alice Victim",
            "identifiers": {"nhs_number": "9434765919"},
        },
        {"role": "perpetrator", "full_name": "Bob Partner", "identifiers": {"pnc_id": "12/34567A"}},
    ]
    # Children in the household, reported by the police: Operation Encompass.
    vawg = raise_referral(
        people.officer,
        "vawg",
        subjects=pair,
        details={**payload("vawg")["details"], "children_in_household": True, "children_count": 2},
    ).case
    case_transition(case_id=vawg.pk, name="assess_risk", by=people.idva, reason=reason)
    case_transition(case_id=vawg.pk, name="refer_to_marac", by=people.idva, reason=reason)
    raise_referral(people.officer, "vawg", subjects=pair, summary="A further incident.")
    fgm = raise_referral(
        people.nurse,  # a school nurse: under the FGM reporting duty
        "vawg",
        category="fgm",
        summary="FGM disclosed at school by the pupil.",
        # 17: the IDVA service leads, children's social care is told (a child, under 18).
        subjects=[{"role": "victim", "full_name": "Fatima Example", "age": 17}],
        details={"fgm_known": True, "victim_age": 17, **fgm_found_today()},
    ).case
    duty = fgm.duties.get()
    duty_report_record(
        duty_id=duty.pk,
        by=people.nurse,
        reported_at=timezone.now(),
        method="oral",
        police_force="Kestrel Police",
        police_reference="FGM/4471",
    )
    # A second professional, a teacher at a school, finds it too: then learns of the report.
    school = AgencyFactory.create(code="test-school", kind="education")
    teacher = member(Role.CASE_WORKER, agency=school)
    found = FgmDiscovery(
        discovered_on=timezone.localdate(), how="observed", known=True, age_at_discovery=17
    )
    second = case_fgm_discovery_record(case_id=fgm.pk, discovery=found, by=teacher)
    assert second is not None
    duty_not_owed_record(
        duty_id=second.pk,
        by=teacher,
        notified_by="The school nurse, Ms Example",
        reason="She told me she had reported it on 101",
    )

    released = raise_referral(people.officer, "early_release").case
    case_transition(case_id=released.pk, name="start_planning", by=people.probation, reason=reason)

    now = timezone.now()
    with transaction.atomic():
        for type in ("deadline.approaching", "deadline.breached", "deadline.escalated"):
            emit(
                type=type,
                case=case,
                occurred_at=now,
                data={
                    "deadline": "first_contact",
                    "due_at": (now - timedelta(hours=1)).isoformat(),
                },
            )


@pytest.fixture
def worker(
    request: pytest.FixtureRequest, smtp_email: SmtpSink, worker_processes: list[WorkerProcess]
) -> Iterator[None]:
    """A real worker that is quick on the configured broker, sending email to the sink
    (Some hundred tasks run here: see ``email_worker``)."""
    with email_worker(request, smtp_email, worker_processes, suffix="privacy"):
        yield


def test_no_payload_email_or_notify_request_carries_personal_data(
    people: Any,
    webhook_receiver: WebhookReceiver,
    smtp_email: SmtpSink,
    fake_notify: FakeNotify,
    exchange_tap: ExchangeTap,
    worker: None,
) -> None:
    for code in ("council-asb", "victim-services", "probation"):
        webhook_endpoint(code, webhook_receiver)
        email_endpoint(code, f"{code}@kestrelvale.example")
        notify_endpoint(code, fake_notify, f"{code}.duty@kestrelvale.example")
    # The police referred every case: let them hear everything too, by webhook.
    subscription_create(endpoint=webhook_endpoint("kestrel-police", webhook_receiver), by=None)

    produce_every_event_type(people)
    wait_until(
        lambda: (
            not OutboxEvent.objects.filter(published_at__isnull=True).exists()
            and not Delivery.objects.filter(status__in=UNFINISHED_STATUSES).exists()
        ),
        timeout=180,
        what="every event to be relayed and delivered",
    )

    assert not Delivery.objects.filter(status=DeliveryStatus.DEAD).exists()
    types = {str(pk): type for pk, type in OutboxEvent.objects.values_list("id", "type")}
    assert set(types.values()) == set(EVENT_TYPES)  # every type was produced

    webhooks = [r.body.decode() + json.dumps(r.headers) for r in webhook_receiver.requests]
    emails = [
        "\n".join(f"{k}: {v}" for k, v in m.message.items())
        + "\n".join(
            part.get_content() for part in m.message.walk() if part.get_content_maintype() == "text"
        )
        for m in smtp_email.messages
    ]
    notify_calls = [json.dumps(r.json) + json.dumps(r.headers) for r in fake_notify.requests]
    published = [
        m.body if isinstance(m.body, str) else m.body.decode() for m in exchange_tap.drain()
    ]

    # VAWG events stay off the open exchange (the need-to-know gate's EVENT_BUS): the FGM
    # duty and a MARAC repeat are recorded only on VAWG cases, so the exchange carries
    # every other type.
    vawg_only = {
        "duty.recorded",
        "duty.reported",
        "duty.not_owed",
        "case.fgm_discovery_recorded",
        "case.marac_repeat",
        "case.child_safeguarding_referred",
        "case.operation_encompass",
    }
    for channel, texts, expected in [
        ("webhook", webhooks, set(EVENT_TYPES)),
        ("email", emails, set(EVENT_TYPES)),
        ("notify", notify_calls, set(EVENT_TYPES)),
        ("csp.events", published, set(EVENT_TYPES) - vawg_only),
    ]:
        seen = {types[uuid] for text in texts for uuid in UUID.findall(text) if uuid in types}
        assert seen == expected, f"{channel} did not carry every event type it may"
        leaks = {p for p in PERSONAL for text in texts if p.lower() in text.lower()}
        assert leaks == set(), f"{channel} leaked {sorted(leaks)}"
    assert all(r.valid for r in webhook_receiver.requests)
    assert all(r.auth_error == "" for r in fake_notify.requests)
