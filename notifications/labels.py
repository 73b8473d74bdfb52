"""Words for people: event types, delivery channels and statuses as the pages show them."""

from __future__ import annotations

from notifications.models import DeliveryStatus

EVENT_LABELS = {
    "referral.raised": "Referral raised",
    "case.transitioned": "Case status changed",
    "case.assigned": "Case assigned",
    "case.risk_changed": "Risk level changed",
    "case.review_threshold_met": "ASB case review threshold may be met",
    "case_review.received": "ASB case review application received",
    "case_review.threshold_decided": "ASB case review threshold decided",
    "case_review.applicant_told": "ASB case review applicant told",
    "case_review.meeting_held": "ASB case review meeting held",
    "case_review.outcome_recorded": "ASB case review outcome recorded",
    "case.marac_repeat": "Repeat MARAC referral due",
    "case.child_safeguarding_referred": "Referred to children's social care",
    "case.operation_encompass": "Operation Encompass: notify the school",
    "case.milestone_recorded": "Milestone recorded",
    "duty.recorded": "Reporting duty recorded",
    "duty.reported": "Reporting duty met",
    "duty.not_owed": "Reporting duty not owed",
    "case.fgm_discovery_recorded": "Discovery recorded",
    "deadline.approaching": "Deadline approaching",
    "deadline.breached": "Deadline breached",
    "deadline.escalated": "Deadline breach escalated",
}

# GOV.UK tag colours for delivery statuses; the tag's text always says the status too.
DELIVERY_STATUS_COLOURS: dict[str, str] = {
    DeliveryStatus.PENDING: "grey",
    DeliveryStatus.SENDING: "",  # GOV.UK's default tag colour is blue
    DeliveryStatus.DELIVERED: "green",
    DeliveryStatus.FAILED: "orange",
    DeliveryStatus.DEAD: "red",
}


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(
        event_type, event_type.replace(".", ": ").replace("_", " ").capitalize()
    )


def delivery_status_colour(status: str) -> str:
    return DELIVERY_STATUS_COLOURS.get(status, "grey")
