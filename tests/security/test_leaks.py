"""Leak hunt: VAWG cases raised with unique marker names are driven through their workflow
and their SLA clocks (warning, breach, escalation) with a real worker delivering to real
local webhook receivers, an SMTP sink, a fake GOV.UK Notify and the ``csp.events``
exchange. Then, for every persona who may not see those cases in full, every page (walked
from the URL conf) and every API endpoint (walked from the OpenAPI schema), with CSV and
filter variants, and every message sent to their agency: no marker, no reference they may
not see, no ward, no category and no count of those cases appears (issue 12).

Walking the URL conf and the schema, not a hand-written list, means an endpoint added
later is hunted too. The crime-types report's small-number suppression is checked
elsewhere (tests/api/test_reports.py); here reports are checked for markers and references.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, quote

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from cases.catalogue import category
from cases.models import Case, CaseKind
from notifications.models import (
    UNFINISHED_STATUSES,
    Channel,
    Delivery,
    Endpoint,
    InboxItem,
    OutboxEvent,
    Subscription,
)
from notifications.services import endpoint_create, subscription_create
from partners.models import Agency, Ward
from referrals.models import Referral
from tests.notifications.conftest import (
    ExchangeTap,
    WorkerProcess,
    email_worker,
    wait_until,
)
from tests.personas import dash, fgm_found_today, payload, raise_referral
from tests.security.conftest import api_client, manager_of, page_client
from tests.support import FakeNotify, SmtpSink, WebhookReceiver
from workflows.actions import case_transition, deadlines_scan
from workflows.models import Deadline
from workflows.sla.names import MILESTONES

pytestmark = [pytest.mark.broker, pytest.mark.django_db(transaction=True)]

WARD_CODE, WARD_NAME = "E05999991", "Quillby Marsh"
MARKERS = [
    "Zephyrine Quillfeather",  # victim
    "Barnaby Thistlewood",  # perpetrator
    "Marigold Pennywhistle",  # safe contact
    "07700 900461",  # safe contact phone
    "lantern room behind the chapel",  # narrative
    "KV7 7QZ",  # postcode
    "Ottoline Brackenbury",  # the FGM case's victim
    "Ms Pennyroyal at Orchard Lea school",  # its narrative
    "Peregrine Quillfeather",  # a child in the first case's household (issue 13 item 3)
    "Saltmarsh Cove Academy",  # the child's school
]
CATEGORIES = {"domestic_abuse", "fgm"}
# Agencies that lead or take part in the cases: the IDVA service, and children's social
# care, told of the FGM case because its victim is a child. Every other agency's messages
# are hunted.
LEAD = "victim-services"
CHILDRENS_SOCIAL_CARE = "childrens-social-care"
# The personas who may not see the marker cases in full (the auditor reads everything).
PERSONAS = [
    "officer",  # referred the first case: its outline only
    "nurse",  # referred the FGM case and owes its report: its outline only
    "asb_coordinator",
    "probation",
    "caseworker",
    "manager",  # of the council ASB team
    "outsider",
    "manager-kestrel-police",  # of the agency that referred the first case
    "manager-public-health",  # of the agency that owes the FGM report
]


# --- The scenario ----------------------------------------------------------------------


@dataclass
class Scenario:
    cases: list[Case]
    referrals: list[Referral]
    outline: dict[str, set[str]]  # persona -> references they may see (in outline)

    @property
    def references(self) -> set[str]:
        return {c.reference for c in self.cases} | {r.reference for r in self.referrals}


def raise_marker_cases(people: Any) -> Scenario:
    victim = {
        "role": "victim",
        "full_name": MARKERS[0],
        "age": 29,
        "safe_contact": {
            "safe_to_call": True,
            "safe_phone": MARKERS[3],
            "notes": f"Ask for {MARKERS[2]}",
        },
    }
    first = raise_referral(
        people.officer,
        "vawg",
        ward=WARD_CODE,
        postcode=MARKERS[5],
        summary=f"Threats made in the {MARKERS[4]}.",
        subjects=[
            victim,
            {"role": "perpetrator", "full_name": MARKERS[1]},
            {"role": "child", "full_name": MARKERS[8], "age": 9, "school": MARKERS[9]},
        ],
        details={"dash": dash(16), "children_in_household": True},
    )
    fgm = raise_referral(
        people.nurse,
        "vawg",
        ward=WARD_CODE,
        category="fgm",
        summary=f"FGM disclosed to {MARKERS[7]}.",
        # 17: the FGM duty and children's social care (under 18); the IDVA service leads.
        subjects=[{"role": "victim", "full_name": MARKERS[6], "age": 17}],
        details={"dash": dash(3), "fgm_known": True, "victim_age": 17, **fgm_found_today()},
    )
    idva = people.idva
    for name in ("assess_risk", "refer_to_marac", "record_marac_hearing"):
        case_transition(case_id=first.case_id, name=name, by=idva, reason=f"{name}: {MARKERS[4]}")
    for name in ("assess_risk", "offer_support"):
        case_transition(case_id=fgm.case_id, name=name, by=idva, reason=f"{name}: {MARKERS[6]}")
    # The clocks: a warning at the first warning point (a fixed number of days on would
    # land past some due time on some days of the week), then breaches and escalations.
    running = Deadline.objects.filter(case_id__in=[first.case_id, fgm.case_id], status="open")
    warning = min(d.warn_at for d in running if d.warn_at < d.due_at)
    now = timezone.now()
    for at in (warning + timedelta(minutes=1), *(now + timedelta(days=d) for d in (3, 12, 40))):
        with time_machine.travel(at, tick=False):
            deadlines_scan()
    return Scenario(
        cases=[Case.objects.get(pk=first.case_id), Case.objects.get(pk=fgm.case_id)],
        referrals=[first, fgm],
        outline={
            "officer": {first.reference, first.case.reference},
            "nurse": {fgm.reference, fgm.case.reference},
        },
    )


def every_agency_listens(receiver: WebhookReceiver, notify: FakeNotify) -> None:
    """A webhook, a mailbox and a Notify endpoint per agency; every agency but the lead
    subscribes each of them to everything."""
    for agency in Agency.objects.all():
        endpoints = [
            endpoint_create(
                agency=agency,
                channel=Channel.WEBHOOK,
                name="Hook",
                by=None,
                url=f"{receiver.url}/{agency.code}",
                allow_private=True,
            ),
            endpoint_create(
                agency=agency,
                channel=Channel.EMAIL,
                name="Mailbox",
                by=None,
                email_address=f"{agency.code}@leak.example",
            ),
            endpoint_create(
                agency=agency,
                channel=Channel.NOTIFY,
                name="Notify",
                by=None,
                email_address=f"{agency.code}.notify@leak.example",
                notify_api_key=notify.api_key,
                notify_template_id=uuid.UUID("f33517ff-2a88-4f6e-b855-c550268ce08a"),
                notify_base_url=notify.base_url,
            ),
        ]
        Endpoint.objects.filter(channel=Channel.WEBHOOK, agency=agency).update(
            secret=receiver.secret
        )
        if agency.code != LEAD:
            for endpoint in endpoints:
                subscription_create(endpoint=endpoint, by=None)


@pytest.fixture
def worker(
    request: pytest.FixtureRequest, smtp_email: SmtpSink, worker_processes: list[WorkerProcess]
) -> Iterator[None]:
    """A real worker that is quick on the configured broker, sending email to the sink
    (Some hundred tasks run here: see ``email_worker``)."""
    with email_worker(request, smtp_email, worker_processes, suffix="leaks"):
        yield


# --- What a response may not contain ---------------------------------------------------

OPTION = re.compile(r"<option\b[^>]*>.*?</option>", re.S)
# Reference data, not case data: every ward and category is listed in forms and in meta.
REFERENCE_DATA_PAGES = ("/referrals/new/", "/api/v1/meta/", "/api/schema/", "/api/docs/")
# Item 7 (another change) owns the crime-types report's small numbers: markers only here.
REPORTS = ("/reports/crime-types-by-ward/", "/api/v1/reports/crime-types-by-ward/")


@dataclass
class Hunt:
    persona: str
    allowed: set[str]
    scenario: Scenario
    findings: list[str] = field(default_factory=list)

    def check(self, where: str, text: str, *, data: Any = None, query: str = "") -> None:
        # What the person typed comes back to them (a search box, a paging link): an
        # echo, not a finding. Whatever else the page says is still hunted.
        for name, value in parse_qsl(query.lstrip("?")):
            for echo in (f'value="{value}"', f"{name}={value}", f"{name}={quote(value)}"):
                text = text.replace(echo, "")
            if data is not None and value not in self.allowed:
                data = _without_echo(data, value)
        lowered = text.lower()
        for marker in MARKERS:
            if marker.lower() in lowered:
                self.findings.append(f"{where}: marker {marker!r}")
        for reference in self.scenario.references - self.allowed:
            if reference.lower() in lowered:
                self.findings.append(f"{where}: reference {reference}")
        path = where.split(" ", 1)[-1]
        if path.startswith(REFERENCE_DATA_PAGES + REPORTS):
            return
        visible = OPTION.sub("", text)
        for ward in (WARD_NAME, WARD_CODE):
            if ward in visible:
                self.findings.append(f"{where}: ward {ward}")
        if data is not None:
            self._check_json(where, data)
        elif CaseKind.VAWG.label in visible and not any(ref in text for ref in self.allowed):
            # Kind and category labels say "a VAWG case exists here"; an outline (the
            # referrer's own case) may say its kind, never its category.
            self.findings.append(f"{where}: kind label (a count)")
        for code in CATEGORIES:
            cat = category(CaseKind.VAWG, code)
            if cat is not None and cat.label in visible and data is None:
                self.findings.append(f"{where}: category {cat.label}")

    def _check_json(self, where: str, data: Any) -> None:
        for obj in _objects(data):
            if obj.get("category") in CATEGORIES:
                self.findings.append(f"{where}: category {obj['category']}")
            reference = obj.get("reference") or obj.get("case_reference")
            if obj.get("kind") == "vawg" and reference not in self.allowed:
                self.findings.append(f"{where}: a VAWG row {obj}")


def _without_echo(data: Any, value: str) -> Any:
    """``data`` less the string values equal to ``value`` (a filter the API repeats)."""
    if isinstance(data, dict):
        return {k: _without_echo(v, value) for k, v in data.items() if v != value}
    if isinstance(data, list):
        return [_without_echo(v, value) for v in data if v != value]
    return data


def _objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, dict):
        yield data
        for value in data.values():
            yield from _objects(value)
    elif isinstance(data, list):
        for value in data:
            yield from _objects(value)


def _response_text(response: Any) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return body.decode(errors="replace") + "\n" + response.get("Location", "")


def _json(response: Any, text: str) -> Any:
    if "json" not in response.get("Content-Type", ""):
        return None
    try:
        return json.loads(text.rsplit("\n", 1)[0])
    except ValueError:
        return None


# --- Walking the pages and the API -----------------------------------------------------


def page_routes() -> list[str]:
    """Every page route in the URL conf (not the admin or the API), as a pattern."""

    def walk(patterns: list[Any], prefix: str) -> Iterator[str]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    skip = ("admin/", "api/", "sign-out/", "healthz", "readyz", "favicon")
    return ["/" + r for r in walk(get_resolver().url_patterns, "") if not r.startswith(skip)]


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")


def fill(route: str, values: dict[str, list[str]]) -> list[str]:
    """Every URL the route gives with the candidate values for its parameters."""
    names = [m.group(2) or m.group(3) for m in PARAM.finditer(route)]
    urls = []
    for combination in itertools.product(*(values.get(n, ["1"]) for n in names)):
        chosen = iter(combination)
        urls.append(PARAM.sub(lambda m, chosen=chosen: str(next(chosen)), route))  # type: ignore[misc]
    return urls


def candidates(scenario: Scenario) -> dict[str, list[str]]:
    case_ids = [str(c.pk) for c in scenario.cases]
    refs = sorted(scenario.references)
    return {
        "reference": refs,
        "pk": case_ids + [str(r.pk) for r in scenario.referrals] + _ids(Agency),
        "id": case_ids + [str(r.pk) for r in scenario.referrals] + _ids(Agency),
        "kind": ["vawg"],
        "name": ["assess_risk", "refer_to_marac", *MILESTONES.get("vawg", {})],
        "deadline_id": _ids(Deadline),
        "item_id": _ids(InboxItem),
        "delivery_id": _ids(Delivery),
        "endpoint_id": _ids(Endpoint)[:6],
        "subscription_id": _ids(Subscription)[:6],
    }


def _ids(model: Any) -> list[str]:
    return [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)]


def queries(scenario: Scenario) -> list[str]:
    """Filters every list may take: the marker cases' kind, ward, categories, references."""
    refs = [c.reference for c in scenario.cases]
    return [
        "",
        "?format=csv",
        f"?kind=vawg&ward={WARD_CODE}",
        *(f"?case={r}" for r in refs),
        *(f"?q={r}" for r in refs),
        "?kind=vawg&format=csv",
    ]


def api_gets(schema: dict[str, Any]) -> list[str]:
    return [path for path, ops in schema["paths"].items() if "get" in ops]


def hunt(persona: str, user: User, scenario: Scenario, schema: dict[str, Any]) -> list[str]:
    found = Hunt(persona, scenario.outline.get(persona, set()), scenario)
    values = candidates(scenario)
    browser, api = page_client(user), api_client(user)
    for route in page_routes():
        for url in fill(route, values):
            for query in queries(scenario) if "<" not in route else [""]:
                cache.clear()  # rate limits
                page = browser.get(url + query)
                found.check(f"page {url}{query}", _response_text(page), query=query)
    for path in api_gets(schema):
        for url in fill(path, values):
            for query in queries(scenario):
                cache.clear()
                response = api.get(url + query)
                text = _response_text(response)
                found.check(f"api {url}{query}", text, data=_json(response, text), query=query)
    # The duplicates check (a POST that writes nothing), with the markers' own details.
    probe = payload("vawg", ward=WARD_CODE, postcode=MARKERS[5])
    probe["subjects"] = [{"role": "victim", "full_name": n} for n in (MARKERS[0], MARKERS[6])]
    response = api.post("/api/v1/referrals/duplicates/", probe, format="json")
    text = _response_text(response)
    found.check("api POST /api/v1/referrals/duplicates/", text, data=_json(response, text))
    return found.findings


def messages_to(
    code: str, receiver: WebhookReceiver, sink: SmtpSink, notify: FakeNotify
) -> list[str]:
    texts = [r.body.decode() for r in receiver.requests if r.path.rstrip("/").endswith(code)]
    for message in sink.messages:
        if any(to.startswith(f"{code}@") for to in message.rcpt_tos):
            texts.append(
                "\n".join(f"{k}: {v}" for k, v in message.message.items())
                + "\n".join(
                    p.get_content()
                    for p in message.message.walk()
                    if p.get_content_maintype() == "text"
                )
            )
    texts += [
        json.dumps(r.json)
        for r in notify.requests
        if (r.json or {}).get("email_address") == f"{code}.notify@leak.example"
    ]
    return texts


def message_leaks(texts: list[str], scenario: Scenario) -> list[str]:
    """An agency that may not hear of the cases hears nothing of them at all."""
    forbidden = [*MARKERS, *scenario.references, WARD_NAME, WARD_CODE, *CATEGORIES, '"vawg"']
    return sorted({f for text in texts for f in forbidden if f.lower() in text.lower()})


# --- The test --------------------------------------------------------------------------


def test_no_persona_who_may_not_see_the_vawg_cases_finds_any_trace_of_them(
    people: Any,
    webhook_receiver: WebhookReceiver,
    smtp_email: SmtpSink,
    fake_notify: FakeNotify,
    exchange_tap: ExchangeTap,
    worker: None,
) -> None:
    Ward.objects.create(
        code=WARD_CODE,
        name=WARD_NAME,
        local_authority_code="E06099901",
        local_authority_name="Borough of Kestrel Vale",
    )
    for code in ("kestrel-police", "public-health"):
        manager_of(code)
    every_agency_listens(webhook_receiver, fake_notify)
    scenario = raise_marker_cases(people)
    wait_until(
        lambda: (
            not OutboxEvent.objects.filter(published_at__isnull=True).exists()
            and not Delivery.objects.filter(status__in=UNFINISHED_STATUSES).exists()
        ),
        timeout=180,
        what="every event to be relayed and delivered",
    )

    # The hunt would pass vacuously if the markers never went anywhere: the lead hears
    # every event, the IDVA reads the victim's name, the nurse is told of her duty.
    types = set(OutboxEvent.objects.values_list("type", flat=True))
    assert {"referral.raised", "case.transitioned", "duty.recorded"} <= types
    assert {"deadline.approaching", "deadline.breached", "deadline.escalated"} <= types
    to_lead = " ".join(messages_to(LEAD, webhook_receiver, smtp_email, fake_notify))
    assert all(c.reference in to_lead for c in scenario.cases)
    idva = api_client(people.idva).get(f"/api/v1/cases/{scenario.cases[0].pk}/").content
    assert MARKERS[0] in idva.decode()
    assert InboxItem.objects.filter(user=people.nurse, event__type="deadline.breached").exists()

    schema = api_client(people.auditor).get("/api/schema/?format=json").json()
    assert len(api_gets(schema)) >= 10  # the walk found the API
    findings = []
    for name in PERSONAS:
        user = User.objects.get(username=name)
        findings += [f"{name}: {f}" for f in hunt(name, user, scenario, schema)]
    for agency in Agency.objects.exclude(code__in=[LEAD, CHILDRENS_SOCIAL_CARE]):
        texts = messages_to(agency.code, webhook_receiver, smtp_email, fake_notify)
        findings += [f"message to {agency.code}: {f}" for f in message_leaks(texts, scenario)]
    published = [
        m.body if isinstance(m.body, str) else m.body.decode() for m in exchange_tap.drain()
    ]
    findings += [f"csp.events: {f}" for f in message_leaks(published, scenario)]
    assert findings == []
