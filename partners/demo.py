"""The fictional demo partnership: one unitary authority, its wards, agencies and users.

Names are invented (the ward codes use the 9xxxxx range so they cannot be mistaken
for real ONS codes). Idempotent: running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from partners.models import Agency, AgencyKind, Membership, Role, Ward

LOCAL_AUTHORITY = ("E06099901", "Borough of Kestrel Vale")

WARDS = [
    "Abbey Fields",
    "Brookmead",
    "Castle Quay",
    "Dunmore",
    "Elmstead",
    "Fenwick Green",
    "Gallows Hill",
    "Harbour",
    "Ivybridge Park",
    "Kestrel Town Centre",
    "Larkrise",
    "Millbank",
    "Northgate",
    "Orchard Lea",
    "Priory",
    "Queensway",
    "Riverside",
    "St Aldate's",
    "Thornbury",
    "Westcliff",
]

AGENCIES = [
    ("kestrel-police", "Kestrel Vale Police", AgencyKind.POLICE),
    ("council-asb", "Kestrel Vale Council ASB Team", AgencyKind.COUNCIL),
    ("council-licensing", "Kestrel Vale Council Licensing", AgencyKind.COUNCIL),
    ("victim-services", "Kestrel Vale Victim Services (IDVA)", AgencyKind.VICTIM_SERVICES),
    ("probation", "Probation Service, Kestrel Vale PDU", AgencyKind.PROBATION),
    ("housing", "Kestrel Vale Housing Options", AgencyKind.HOUSING),
    ("public-health", "Kestrel Vale Public Health", AgencyKind.HEALTH),
    ("fire-rescue", "Kestrel Vale Fire and Rescue", AgencyKind.FIRE),
    ("childrens-social-care", "Kestrel Vale Children's Social Care", AgencyKind.SOCIAL_CARE),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency: str
    roles: tuple[str, ...]
    persona: str


DEMO_USERS = [
    DemoUser(
        "officer",
        "Priya Shah",
        "kestrel-police",
        (Role.OFFICER,),
        "Neighbourhood police officer: raises ASB and VAWG referrals",
    ),
    DemoUser(
        "asb_coordinator",
        "Tom Hughes",
        "council-asb",
        (Role.ASB_COORDINATOR,),
        "Council ASB coordinator: triages and assigns ASB cases, runs case reviews",
    ),
    DemoUser(
        "idva",
        "Grace Okafor",
        "victim-services",
        (Role.SAFEGUARDING_LEAD,),
        "IDVA / safeguarding lead: DASH risk assessment, MARAC, safety plans",
    ),
    DemoUser(
        "probation",
        "Daniel Reid",
        "probation",
        (Role.PROBATION_PRACTITIONER,),
        "Probation practitioner: early-release plans and support",
    ),
    DemoUser(
        "caseworker",
        "Aisha Begum",
        "housing",
        (Role.CASE_WORKER,),
        "Housing case worker: accepts referrals for a need and records actions",
    ),
    DemoUser(
        "nurse",
        "Nadia Hussain",
        "public-health",
        (Role.CASE_WORKER,),
        "School nurse: raises VAWG referrals, and owes the FGM reporting duty personally",
    ),
    DemoUser(
        "manager",
        "Helen Price",
        "council-asb",
        (Role.MANAGER,),
        "Manager: caseloads, SLA breaches, audit trail, committee reports",
    ),
    DemoUser(
        "auditor",
        "Martin Cole",
        "council-asb",
        (Role.AUDITOR,),
        "Auditor: reads the whole audit trail",
    ),
    DemoUser(
        "social_worker",
        "Joy Mensah",
        "childrens-social-care",
        (Role.SAFEGUARDING_LEAD,),
        "Children's social worker: leads under-16 VAWG cases, decides on child safeguarding "
        "referrals, considers FGM and forced marriage protection orders",
    ),
    DemoUser(
        "outsider",
        "Sam Fletcher",
        "fire-rescue",
        (Role.OFFICER,),
        "Fire and rescue officer: sees nothing outside their agency's cases",
    ),
]


def ward_code(index: int) -> str:
    return f"E05{990001 + index:06d}"


@transaction.atomic
def seed_partnership(*, password: str) -> dict[str, int]:
    """Create (or leave alone) the demo wards, agencies and users. Returns counts created."""
    created = {"wards": 0, "agencies": 0, "users": 0, "memberships": 0}
    for i, name in enumerate(WARDS):
        _, was_created = Ward.objects.get_or_create(
            code=ward_code(i),
            defaults={
                "name": name,
                "local_authority_code": LOCAL_AUTHORITY[0],
                "local_authority_name": LOCAL_AUTHORITY[1],
            },
        )
        created["wards"] += was_created
    agencies = {}
    for code, name, kind in AGENCIES:
        agency, was_created = Agency.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": kind, "email": f"{code}@kestrelvale.example"},
        )
        agencies[code] = agency
        created["agencies"] += was_created
    user_model = get_user_model()
    for demo in DEMO_USERS:
        first, last = demo.full_name.split(" ", 1)
        user, was_created = user_model.objects.get_or_create(
            username=demo.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{demo.username}@kestrelvale.example",
            },
        )
        if was_created:
            user.set_password(password)
            user.save(update_fields=["password"])
        created["users"] += was_created
        for role in demo.roles:
            _, was_created = Membership.objects.get_or_create(
                user=user, agency=agencies[demo.agency], role=role
            )
            created["memberships"] += was_created
    return created


# The demo's admin-site account. Development only: with DEBUG on it signs in without a
# second factor (settings.SIGN_IN_TWO_FACTOR_DEMO_EXEMPT); with DEBUG off it needs one
# like any admin user.
DEMO_ADMIN = "admin"


@transaction.atomic
def seed_demo_admin(*, password: str) -> dict[str, int]:
    """Create the demo's superuser (``admin``) if there is none; a password or details
    changed since are left alone. Returns counts created."""
    user_model = get_user_model()
    if user_model.objects.filter(username=DEMO_ADMIN).exists():
        return {"admins": 0}
    user_model.objects.create_superuser(
        username=DEMO_ADMIN,
        email=f"{DEMO_ADMIN}@kestrelvale.example",
        password=password,
        first_name="Demo",
        last_name="Administrator",
    )
    return {"admins": 1}
