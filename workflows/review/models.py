"""An application for an ASB case review and the complaints it relies on."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from cases.models import Case
from partners.models import Agency


class ReviewState(models.TextChoices):
    RECEIVED = "received", "Received"
    THRESHOLD_MET = "threshold_met", "Threshold met"
    THRESHOLD_NOT_MET = "threshold_not_met", "Threshold not met"
    MEETING_HELD = "meeting_held", "Review meeting held"
    OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"


# An application still under way: one at a time per case (a second request while one runs
# is the same request, and the clocks are per case).
UNDER_WAY = (ReviewState.RECEIVED, ReviewState.THRESHOLD_MET, ReviewState.MEETING_HELD)


class CaseReviewApplication(FSMModelMixin, models.Model):
    """A victim's (or, with their consent, someone else's) application for an ASB case
    review. Its ``state`` moves only by ``workflows.actions.review``; the case's own state
    is untouched (a review is available after closure or no further action, s104)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="review_applications")
    state = FSMField(
        max_length=30, default=ReviewState.RECEIVED, choices=ReviewState.choices, protected=True
    )
    # Personal data: shown only to the lead and receiving agencies (workflows.policy).
    applicant_name = models.CharField(max_length=200)
    applicant_is_victim = models.BooleanField()
    victim_consent_recorded_at = models.DateTimeField(
        null=True, blank=True, help_text="When applying on the victim's behalf: their consent."
    )
    received_at = models.DateTimeField()
    received_by = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="review_applications_received"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
    # What the calculator said when the application was recorded (the complaints say why).
    calculated_met = models.BooleanField(default=False)
    calculation = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reasons = models.TextField(blank=True)
    decision_told_at = models.DateTimeField(null=True, blank=True)
    meeting_on = models.DateField(null=True, blank=True)
    meeting_agencies = models.ManyToManyField(Agency, blank=True, related_name="+")
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    recommendations = models.TextField(blank=True)
    outcome_told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=UNDER_WAY),
                name="case_review_one_under_way",
                violation_error_message="An application for a case review is already under way.",
            ),
            models.CheckConstraint(
                condition=Q(applicant_is_victim=True) | Q(victim_consent_recorded_at__isnull=False),
                name="case_review_consent_when_on_behalf",
                violation_error_message="Record the victim's consent to an application made "
                "on their behalf.",
            ),
        ]
        indexes = [
            # Serves the annual publication counts (selectors.case_review_counts).
            models.Index(fields=["received_at"], name="case_review_received"),
        ]

    def __str__(self) -> str:
        return f"Case review application {self.pk} on {self.case_id}"

    @property
    def has_recommendations(self) -> bool:
        return bool(self.recommendations.strip())

    # Transitions: only workflows.actions.review calls these, inside the case's unit of work.
    @transition(field=state, source=ReviewState.RECEIVED, target=ReviewState.THRESHOLD_MET)
    def find_threshold_met(self) -> None:
        pass

    @transition(field=state, source=ReviewState.RECEIVED, target=ReviewState.THRESHOLD_NOT_MET)
    def find_threshold_not_met(self) -> None:
        pass

    @transition(field=state, source=ReviewState.THRESHOLD_MET, target=ReviewState.MEETING_HELD)
    def hold_meeting(self) -> None:
        pass

    @transition(field=state, source=ReviewState.MEETING_HELD, target=ReviewState.OUTCOME_RECORDED)
    def record_outcome(self) -> None:
        pass


class ComplaintSource(models.TextChoices):
    REFERRAL = "referral", "A referral in this service"
    OTHER_BODY = "other_body", "A complaint held by another body"


class CaseReviewComplaint(models.Model):
    """A complaint the application relies on, as it stood when the application was
    recorded, with whether it counted towards the threshold and why (or why not)."""

    application = models.ForeignKey(
        CaseReviewApplication, on_delete=models.CASCADE, related_name="complaints"
    )
    source = models.CharField(max_length=20, choices=ComplaintSource.choices)
    # A referral's reference, or the other body's own reference.
    reference = models.CharField(max_length=60, blank=True)
    body = models.CharField(max_length=200, help_text="Who the complaint was made to.")
    complained_on = models.DateField()
    behaviour_on = models.DateField()
    behaviour_at = models.DateTimeField(null=True, blank=True)
    category = models.CharField(max_length=50, blank=True)
    description = models.CharField(max_length=500, blank=True)
    same_incident_as = models.CharField(
        max_length=60, blank=True, help_text="The reference of a complaint about the same incident."
    )
    counted = models.BooleanField()
    why = models.CharField(max_length=300)

    class Meta:
        ordering = ["behaviour_on", "pk"]

    def __str__(self) -> str:
        return f"{self.body} {self.reference or self.complained_on}"
