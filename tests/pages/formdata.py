"""What a person would type into each referral form, as POST data."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cases.catalogue import DASH_QUESTIONS
from tests.personas import WARD


def _when(prefix: str, *, hours_ago: int = 2, with_time: bool = True) -> dict[str, str]:
    at = timezone.localtime() - timedelta(hours=hours_ago)
    data = {
        f"{prefix}_day": str(at.day),
        f"{prefix}_month": str(at.month),
        f"{prefix}_year": str(at.year),
    }
    if with_time:
        data |= {f"{prefix}_hour": f"{at.hour:02d}", f"{prefix}_minute": f"{at.minute:02d}"}
    return data


def asb(**overrides: str) -> dict[str, str]:
    data = {
        "category": "noise",
        "ward": WARD,
        **_when("occurred_at"),
        "location_text": "14 Quay Street",
        "postcode": "KV1 2AB",
        "summary": "Loud music every night after midnight from the flat above.",
        "person_0_role": "complainant",
        "person_0_full_name": "Jane Resident",
        "person_0_age": "41",
        "victim_vulnerable": "no",
        "repeat_incident": "yes",
    }
    return data | overrides


def dash_answers(yes: int) -> dict[str, str]:
    return {
        f"dash_{code}": "yes" if i < yes else "no" for i, (code, _) in enumerate(DASH_QUESTIONS)
    }


def vawg(yes: int = 15, **overrides: str) -> dict[str, str]:
    data = {
        "category": "domestic_abuse",
        "ward": WARD,
        **_when("occurred_at"),
        "summary": "Victim disclosed controlling behaviour and threats from partner.",
        "victim_full_name": "Alice Victim",
        "victim_age": "34",
        "safe_to_call": "yes",
        "safe_phone": "07700 900123",
        "safe_times": "Weekdays 10am to 12pm",
        "perpetrator_full_name": "Bob Partner",
        **dash_answers(yes),
    }
    return data | overrides


def early_release(**overrides: str) -> dict[str, str]:
    release = timezone.localdate() + timedelta(days=10)
    data = {
        "offender_full_name": "Carl Released",
        "offender_dob_day": "1",
        "offender_dob_month": "4",
        "offender_dob_year": "1990",
        "prison_number": "a1234bc",
        "probation_case_reference": "X123456",
        "category": "sds40",
        "ward": WARD,
        **_when("occurred_at"),
        "expected_release_date_day": str(release.day),
        "expected_release_date_month": str(release.month),
        "expected_release_date_year": str(release.year),
        "mappa_category": "2",
        "mappa_level": "1",
        "summary": "SDS40 release; no fixed abode on release.",
        "need_accommodation_status": "referred",
        "need_accommodation_agency": "housing",
        "need_substance_misuse_status": "identified",
    }
    return data | overrides
