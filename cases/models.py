"""The multi-agency case record: who it concerns, who leads, who takes part.

Knows nothing of workflows, referrals or notifications: the state machines that move
``Case.state`` live in ``workflows/`` as proxy models, one per kind.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django_fsm import FSMField, FSMModelMixin

from partners.models import Agency, Role, Ward
from partners.selectors import user_agency_ids, user_has_role


class CaseKind(models.TextChoices):
    ASB = "asb", "Anti-social behaviour"
    VAWG = "vawg", "Violence against women and girls"
    EARLY_RELEASE = "early_release", "Early release"


REFERENCE_PREFIX = {CaseKind.ASB: "ASB", CaseKind.VAWG: "VAWG", CaseKind.EARLY_RELEASE: "ERO"}


class RiskLevel(models.TextChoices):
    STANDARD = "standard", "Standard"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_ORDER = {RiskLevel.STANDARD: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}

# Terminal states of every workflow: a case in one of these is no longer open.
CLOSED_STATES = ("closed", "no_further_action")


class ReferenceCounter(models.Model):
    """Last number given out for ``<PREFIX>-<YEAR>-<NNNNNN>`` references (London's year).

    Advanced by one upsert (``workflows.references.references_reserve``): numbers are unique
    and increase, but one reserved for a write that then failed is not reused (a gap).
    """

    prefix = models.CharField(max_length=10)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="reference_counter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


# Roles that may see a VAWG case in full at a lead or participating agency (need-to-know).
VAWG_FULL_ROLES = (Role.SAFEGUARDING_LEAD, Role.MANAGER)
MEMBER_ROLES = ("lead", "participant")


class CaseQuerySet(models.QuerySet["Case"]):
    def _linked(self, agency_ids: set[int], roles: tuple[str, ...] = MEMBER_ROLES) -> Exists:
        return Exists(
            CaseAgency.objects.filter(case=OuterRef("pk"), agency_id__in=agency_ids, role__in=roles)
        )

    def _referred(self, user: Any) -> Q:
        """The user referred the case: opened it, or raised a referral that joined it. The
        link is personal, so it holds whichever agency they are in now."""
        return Q(opened_by=user) | Q(
            Exists(CaseReferrer.objects.filter(case=OuterRef("pk"), user=user))
        )

    def open(self) -> CaseQuerySet:
        return self.exclude(state__in=CLOSED_STATES)

    def for_user(self, user: Any) -> CaseQuerySet:
        """Cases the user may open at all (in full or, for a VAWG referrer, in outline)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user_has_role(user, Role.AUDITOR):
            return self.all()
        return self.filter(self._full_q(user) | self._referred(user))

    def for_user_full(self, user: Any) -> CaseQuerySet:
        """Cases the user may see in full: people, narrative, history."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user_has_role(user, Role.AUDITOR):
            return self.all()
        return self.filter(self._full_q(user))

    def for_member(self, user: Any) -> CaseQuerySet:
        """Cases the user sees through their agency (a lead or participating agency, in a
        role that may see the kind) or as an auditor: not those they only referred. Facts
        the coordinating agencies hold about *other* cases (the ASB case review flag) are
        shown only here."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user_has_role(user, Role.AUDITOR):
            return self.all()
        return self.filter(self._member_q(user))

    def for_agencies(self, agency_ids: set[int]) -> CaseQuerySet:
        """Cases any of the agencies may hear of at all: those they lead or take part in,
        and the ASB and early-release cases they referred (in outline). Never a VAWG case
        they only referred: their staff cannot open it (``for_user``)."""
        return self.filter(
            Q(self._linked(agency_ids))
            | (~Q(kind=CaseKind.VAWG) & Q(self._linked(agency_ids, (CaseAgencyRole.REFERRER,))))
        )

    def for_agencies_full(self, agency_ids: set[int]) -> CaseQuerySet:
        """Cases the agencies lead or take part in: they may hear every event of them."""
        return self.filter(self._linked(agency_ids))

    def _member_q(self, user: Any) -> Q:
        not_vawg = ~Q(kind=CaseKind.VAWG) & Q(self._linked(user_agency_ids(user)))
        vawg = Q(kind=CaseKind.VAWG) & Q(self._linked(user_agency_ids(user, VAWG_FULL_ROLES)))
        return not_vawg | vawg

    def _full_q(self, user: Any) -> Q:
        # A referrer follows an ASB or early-release case in full; a VAWG case's referrers
        # see only its outline (for_user), unless their agency and role let them see more.
        return self._member_q(user) | (~Q(kind=CaseKind.VAWG) & self._referred(user))


class Case(FSMModelMixin, models.Model):
    reference = models.CharField(max_length=24, unique=True)
    kind = models.CharField(max_length=20, choices=CaseKind.choices)
    category = models.CharField(max_length=50, help_text="Category code from the kind's catalogue.")
    # Only workflows' @transition methods change this (STYLE rule 5).
    state = FSMField(max_length=40, protected=True)
    risk = models.CharField(max_length=10, choices=RiskLevel.choices, default=RiskLevel.STANDARD)
    ward = models.ForeignKey(Ward, on_delete=models.PROTECT, related_name="cases")
    location_text = models.CharField(max_length=200, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    latitude = models.DecimalField(max_digits=8, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    responsible_agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="responsible_cases"
    )
    assigned_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    agencies = models.ManyToManyField(Agency, through="CaseAgency", related_name="cases")
    # Optimistic concurrency: bumped by every transition; API clients send it as If-Match.
    version = models.PositiveIntegerField(default=1)
    case_review_flagged_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the ASB case review (Community Trigger) threshold was met.",
    )
    details = models.JSONField(default=dict, blank=True, help_text="Kind-specific facts.")
    expected_release_date = models.DateField(null=True, blank=True)
    released_on = models.DateField(null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="opened_cases"
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.TextField(blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            models.Index(fields=["kind", "state"], name="case_kind_state"),
            models.Index(fields=["responsible_agency", "state"], name="case_agency_state"),
            models.Index(fields=["ward", "kind"], name="case_ward_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(version__gte=1), name="case_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_case_review_flagged(self) -> bool:
        return self.case_review_flagged_at is not None


class CaseAgencyRole(models.TextChoices):
    LEAD = "lead", "Lead (responsible)"
    PARTICIPANT = "participant", "Participating"
    REFERRER = "referrer", "Referring"


class CaseAgency(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="case_agencies")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(max_length=20, choices=CaseAgencyRole.choices)
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "agency", "role"], name="case_agency_unique")
        ]
        indexes = [models.Index(fields=["agency", "case"], name="case_agency_by_agency")]

    def __str__(self) -> str:
        return f"{self.agency} ({self.role}) on {self.case}"


class CaseReferrer(models.Model):
    """A person who referred the case: its opener, and whoever raised a referral that
    joined it. Each follows the case as a referrer (``CaseQuerySet.for_user``).

    Not registered with django-auditlog: each row restates an audited fact, the case's
    opening or a referral's creation with its ``referral_joined`` transition log entry.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="referrer_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="referred_case_links"
    )
    added_at = models.DateTimeField()

    class Meta:
        constraints = [
            # Also the index for_user's "did this user refer it?" subquery uses.
            models.UniqueConstraint(fields=["case", "user"], name="case_referrer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} referred {self.case}"


class SubjectRole(models.TextChoices):
    VICTIM = "victim", "Victim"
    COMPLAINANT = "complainant", "Complainant"
    PERPETRATOR = "perpetrator", "Alleged perpetrator"
    PERSON_OF_CONCERN = "person_of_concern", "Person of concern"
    OFFENDER = "offender", "Person on licence"
    WITNESS = "witness", "Witness"
    # A child in the household (VAWG): a victim in their own right when they see, hear or
    # experience the effects of the abuse (Domestic Abuse Act 2021 s3).
    CHILD = "child", "Child in the household"


class Subject(models.Model):
    """A person involved in a case: the minimum personal data needed, nothing more."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="subjects")
    role = models.CharField(max_length=20, choices=SubjectRole.choices)
    full_name = models.CharField(max_length=200)
    # Lower-cased, whitespace-collapsed name for duplicate detection.
    name_key = models.CharField(max_length=200, db_index=True, editable=False)
    date_of_birth = models.DateField(null=True, blank=True)
    age = models.PositiveSmallIntegerField(null=True, blank=True)
    identifiers = models.JSONField(
        default=dict, blank=True, help_text="e.g. prison_number, probation_case_reference, pnc_id."
    )
    safe_contact = models.JSONField(
        default=dict, blank=True, help_text="VAWG victims: how and when it is safe to make contact."
    )
    school = models.CharField(
        max_length=200,
        blank=True,
        help_text="A child's school (VAWG): personal data, shown only with the person.",
    )
    # Do not disclose to the other party: who may still see the person is the need-to-know
    # gate's rule (cases.access.people_disclosed); only workflows.actions changes it.
    withhold_from_other_party = models.BooleanField(
        default=False,
        help_text="Do not disclose to the other party: name, age, date of birth, identifiers "
        "and safe contact are shown only to the lead agency, the agency that recorded the "
        "person and the safeguarding team (victim services) on the case.",
    )
    recorded_by_agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The agency whose referral named the person: it may always see them.",
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age__isnull=True) | models.Q(age__lte=130),
                name="subject_age_sane",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} on {self.case}"


class NeedType(models.TextChoices):
    ACCOMMODATION = "accommodation", "Accommodation"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    EMPLOYMENT_TRAINING = "employment_training", "Employment and training"
    HEALTH = "health", "Health"
    FINANCE = "finance", "Finance, benefits and debt"
    FAMILY = "family", "Family and relationships"


class NeedStatus(models.TextChoices):
    IDENTIFIED = "identified", "Identified"
    REFERRED = "referred", "Referred"
    IN_PROGRESS = "in_progress", "In progress"
    MET = "met", "Met"
    DECLINED = "declined", "Declined"
    NOT_NEEDED = "not_needed", "Not needed"


class SupportNeed(models.Model):
    """An early-release support need, with the partner agency it was referred to."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="needs")
    need = models.CharField(max_length=30, choices=NeedType.choices)
    status = models.CharField(max_length=20, choices=NeedStatus.choices)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="support_needs"
    )
    notes = models.TextField(blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["need"]
        constraints = [models.UniqueConstraint(fields=["case", "need"], name="support_need_unique")]

    def __str__(self) -> str:
        return f"{self.get_need_display()}: {self.get_status_display()}"


class DutyKind(models.TextChoices):
    FGM_REPORT = "fgm_mandatory_report", "Report known FGM in a girl under 18 to the police"


class DutyStatus(models.TextChoices):
    OWED = "owed", "Owed"
    REPORTED = "reported", "Reported to the police"
    EXEMPT = "exempt", "Not owed: already notified by the same profession"


class Profession(models.TextChoices):
    """The regulated professions under the FGM duty (FGM Act 2003 s5B(2)(a))."""

    HEALTHCARE = "healthcare", "Healthcare professional"
    TEACHER = "teacher", "Teacher"
    SOCIAL_CARE = "social_care", "Social worker or social care worker"


class DiscoveredHow(models.TextChoices):
    """How a professional "discovers" FGM (FGM Act 2003 s5B(3)-(4))."""

    DISCLOSED = "disclosed", "She told them (disclosed)"
    OBSERVED = "observed", "They saw physical signs (observed)"


class ReportMethod(models.TextChoices):
    """An FGM notification "may be made orally or in writing" (s5B(5)(d))."""

    ORAL = "oral", "Orally (for example by calling 101)"
    WRITING = "writing", "In writing"


class PersonalDuty(models.Model):
    """A duty the law puts on one person, not on an agency: the FGM report (FGM Act 2003
    s5B). Each professional who discovers the FGM owes their own, anchored on when *they*
    first discovered it (s5B(5)(c)); it outlives the case and only its owner discharges it.
    Written only by ``workflows.actions``."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="duties")
    duty = models.CharField(max_length=30, choices=DutyKind.choices)
    owed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="personal_duties"
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", help_text="The agency they work for."
    )
    profession = models.CharField(max_length=20, choices=Profession.choices)
    basis = models.TextField(help_text="The law that puts the duty on them.")
    referral = models.CharField(
        max_length=30, blank=True, help_text="The referral that recorded it, if one did."
    )
    discovered_on = models.DateField(help_text="When they first discovered it (London date).")
    discovered_how = models.CharField(max_length=10, choices=DiscoveredHow.choices)
    age_at_discovery = models.PositiveSmallIntegerField(
        help_text="The girl's age when they discovered it (s5B(1): under 18)."
    )
    recorded_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=DutyStatus.choices, default=DutyStatus.OWED)
    reported_at = models.DateTimeField(null=True, blank=True)
    report_method = models.CharField(max_length=10, choices=ReportMethod.choices, blank=True)
    police_force = models.CharField(
        max_length=100, blank=True, help_text="The force for the area where the girl lives."
    )
    police_reference = models.CharField(max_length=50, blank=True)
    exemption_notified_by = models.CharField(
        max_length=200,
        blank=True,
        help_text="s5B(6): who in the same profession already notified the police.",
    )
    exemption_reason = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["recorded_at", "id"]
        verbose_name_plural = "personal duties"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(age_at_discovery__lt=18), name="personal_duty_under_18"
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DutyStatus.REPORTED)
                | (models.Q(reported_at__isnull=False) & ~models.Q(police_reference="")),
                name="personal_duty_report_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=DutyStatus.EXEMPT)
                | (~models.Q(exemption_notified_by="") & ~models.Q(exemption_reason="")),
                name="personal_duty_exemption_recorded",
            ),
            # One duty per person per case: the same act discovered twice by the same
            # person is the same duty (the first discovery anchors it).
            models.UniqueConstraint(
                fields=["case", "duty", "owed_by"], name="personal_duty_once_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_duty_display()}: {self.owed_by} on {self.case}"
