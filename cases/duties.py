"""Who owes the FGM mandatory reporting duty, and from when (FGM Act 2003 s5B).

s5B(1): a person who works in a regulated profession in England and Wales must notify the
police if, in the course of that work, they *discover* that FGM appears to have been
carried out on a girl aged under 18. s5B(2): the professions are healthcare professionals,
teachers and (in Wales) social care workers; in England, social workers are registered
health and care professionals. s5B(3)-(4): she tells them, or they see physical signs.
s5B(5)(c): before the end of one month from when *they* first discover it; the age that
counts is hers at that discovery. s5B(6): not owed by someone who has reason to believe
that another person in the same profession has already notified the police of the same
act. The duty is personal: it cannot be handed to a colleague or a safeguarding lead, and
it does not end when the case closes. Suspected FGM, and FGM in adults, go through local
safeguarding instead.

The service does not know people's professions, so it goes by the agency they act for:
staff of a health, education or social-care agency are taken to be in the matching
profession. Police officers are the ones such reports are made to; victim services,
housing, probation, fire and the council's other teams are not regulated professions
under s5B: what they record goes to the VAWG lead for safeguarding and puts no personal
duty on them.
"""

from __future__ import annotations

from datetime import date

from cases.models import DutyKind, Profession
from partners.models import AgencyKind

FGM_DUTY = DutyKind.FGM_REPORT
FGM_DUTY_BASIS = (
    "FGM Act 2003 s5B: known FGM in a girl under 18 must be reported to the police within "
    "one month of its discovery"
)
# The profession the service takes staff of each kind of agency to be in (s5B(2)).
PROFESSION_OF_AGENCY_KIND = {
    AgencyKind.HEALTH: Profession.HEALTHCARE,
    AgencyKind.EDUCATION: Profession.TEACHER,
    AgencyKind.SOCIAL_CARE: Profession.SOCIAL_CARE,
}


def fgm_duty_profession(
    *, known: bool, age_at_discovery: int | None, agency_kind: str
) -> Profession | None:
    """The profession under which someone acting for an agency of ``agency_kind`` owes the
    duty for FGM they discovered, or None when they owe none: it was suspected, not known
    (s5B(3)-(4)); she was 18 or over when they discovered it (s5B(1)); or their agency is
    not one of the regulated professions (s5B(2))."""
    if not known or age_at_discovery is None or age_at_discovery >= 18:
        return None
    return PROFESSION_OF_AGENCY_KIND.get(AgencyKind(agency_kind))


def age_on(date_of_birth: date, day: date) -> int:
    """Whole years from ``date_of_birth`` to ``day`` (a 29 February birthday falls on 1 March
    in other years, as in English law)."""
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
