"""Who is in the partnership: agencies, the people in them and their roles, and wards."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class AgencyKind(models.TextChoices):
    POLICE = "police", "Police"
    # A council team that is not social care: ASB, licensing, community safety.
    COUNCIL = "council", "Council"
    # Children's or adults' social care (a council's, or a trust's), kept apart from the
    # council's other teams because its social workers are under the FGM reporting duty.
    SOCIAL_CARE = "social_care", "Social care"
    FIRE = "fire", "Fire and rescue"
    PROBATION = "probation", "Probation"
    HEALTH = "health", "Health"
    HOUSING = "housing", "Housing"
    VICTIM_SERVICES = "victim_services", "Victim services"
    EDUCATION = "education", "Education"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    ASB_COORDINATOR = "asb_coordinator", "ASB coordinator"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    PROBATION_PRACTITIONER = "probation_practitioner", "Probation practitioner"
    CASE_WORKER = "case_worker", "Case worker"
    MANAGER = "manager", "Manager"
    AUDITOR = "auditor", "Auditor"


class Agency(models.Model):
    """A partner organisation (or a team within one, such as the council's ASB team)."""

    code = models.SlugField(max_length=50, unique=True, help_text="Stable short identifier.")
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=20, choices=AgencyKind.choices)
    email = models.EmailField(blank=True, help_text="Team inbox for notifications.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role in an agency. A user may hold several roles and several agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "agency", "role"], name="membership_unique_role"
            ),
        ]
        ordering = ["agency__name", "role"]

    def __str__(self) -> str:
        return f"{self.user}: {self.get_role_display()} at {self.agency}"


class Ward(models.Model):
    """An electoral ward, identified as the ONS does (E05xxxxxx in England)."""

    code = models.CharField(max_length=9, unique=True, help_text="ONS ward code, e.g. E05012345.")
    name = models.CharField(max_length=120)
    local_authority_code = models.CharField(max_length=9, help_text="ONS LAD code.")
    local_authority_name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[EWSN][0-9]{8}$"),
                name="ward_code_ons_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ApiToken(models.Model):
    """A person's API token. One per person: each sign-in replaces the key.

    Only a SHA-256 digest of the key is stored (the key itself is shown once, in the
    sign-in response), so a copy of the database gives no working key. The token stands
    only while the password it was issued under stands (``password_fingerprint``, an HMAC
    of the password hash), so any password change revokes it, an admin's included.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token"
    )
    digest = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the key.")
    prefix = models.CharField(
        max_length=8, help_text="The key's first characters, to tell keys apart."
    )
    password_fingerprint = models.CharField(max_length=128)
    two_factor = models.BooleanField(
        help_text="Issued after a second factor (TOTP code) as well as the password."
    )
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField()

    class Meta:
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
