"""The one guarded outbound client: what it refuses, that it pins what it checked, and that
nothing the far side says comes back to the person who chose the URL.

Tests run with private targets refused, as production does (the test settings allow them
for the loopback receivers). The outside world is played by real servers on 127.0.0.1 and,
where a public address is needed, by a resolver and a connect function that send
"93.184.216.34" to one of those servers: nothing leaves the machine.
"""

from __future__ import annotations

import ipaddress
import socket
import uuid
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from pytest_django import Settings

from notifications import outbound
from notifications.models import Channel, Delivery, DeliveryStatus, Endpoint, OutboxEvent
from notifications.services import delivery_attempt, endpoint_create, event_relay
from notifications.transports import (
    NotifyTarget,
    NotifyTransport,
    TransportError,
    WebhookTarget,
    WebhookTransport,
)
from partners.models import Agency
from tests.notifications.conftest import closed_port
from tests.personas import raise_referral
from tests.support import FakeNotify, WebhookReceiver
from tests.support.reply_server import ReplyServer

PUBLIC = "93.184.216.34"  # stands for a partner's server; connections to it are redirected
TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
IDVA = "idva@refuge.example.org.uk"
# Text a hostile or internal server answers with, hoping to read it back.
LEAK = "INTERNAL-SECRET-db-password=hunter2"


@pytest.fixture(autouse=True)
def guard_as_in_production(settings: Settings) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False


class FakeDns:
    """Stands in for ``socket.getaddrinfo``: answers names from ``records`` (a list of
    answers per name, one per lookup, the last repeating) and records every lookup.
    Address literals are passed to the real function: parsing one is not a DNS lookup,
    but it is still recorded."""

    def __init__(self) -> None:
        self.records: dict[str, list[list[str]]] = {}
        self.lookups: list[str] = []
        self._real = socket.getaddrinfo

    def __call__(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        self.lookups.append(name)
        try:
            ipaddress.ip_address(name)
        except ValueError:
            pass
        else:
            return self._real(host, port, *args, **kwargs)
        answers = self.records.get(name)
        if not answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        current = answers.pop(0) if len(answers) > 1 else answers[0]
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, int(port or 0), 0, 0) if ":" in address else (address, int(port or 0)),
            )
            for address in current
        ]

    def names_looked_up(self) -> list[str]:
        return [name for name in self.lookups if not _is_address(name)]


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    fake = FakeDns()
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


class Network:
    """Stands in for ``socket.create_connection``: records every address connected to,
    sends connections for PUBLIC to ``public_port`` on loopback, lets the rest through."""

    def __init__(self) -> None:
        self.connections: list[tuple[str, int]] = []
        self.public_port: int | None = None
        self._real = socket.create_connection

    def __call__(self, address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        host, port = str(address[0]), int(address[1])
        self.connections.append((host, port))
        if host == PUBLIC:
            if self.public_port is None:
                raise ConnectionRefusedError(111, "Connection refused")
            return self._real(("127.0.0.1", self.public_port), *args, **kwargs)
        return self._real(address, *args, **kwargs)


@pytest.fixture
def network(monkeypatch: pytest.MonkeyPatch) -> Network:
    fake = Network()
    monkeypatch.setattr(socket, "create_connection", fake)
    return fake


@pytest.fixture
def seam_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every call of the outbound client's resolver seam."""
    calls: list[str] = []
    real = outbound.resolve_host

    def counting(host: str, port: int) -> list[outbound.Address]:
        calls.append(host)
        return real(host, port)

    monkeypatch.setattr(outbound, "resolve_host", counting)
    return calls


# --- The address ranges --------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "label"),
    [
        ("127.0.0.1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.0.10", "private"),
        ("100.64.0.1", "shared (carrier-grade NAT)"),
        ("169.254.169.254", "link-local"),
        ("0.0.0.0", "unspecified"),
        ("224.0.0.1", "multicast"),
        ("255.255.255.255", "reserved"),
        ("240.0.0.1", "reserved"),
        ("198.18.0.1", "reserved"),
        ("192.0.2.1", "documentation"),
        ("::1", "loopback"),
        ("::", "unspecified"),
        ("fe80::1", "link-local"),
        ("fd12:3456::1", "private"),
        ("ff02::1", "multicast"),
        ("2001:db8::1", "documentation"),
        ("::ffff:127.0.0.1", "IPv4-mapped form of a loopback"),
        ("::ffff:10.0.0.1", "IPv4-mapped form of a private"),
        ("::127.0.0.1", "IPv4-compatible"),
        ("2002:7f00:1::", "6to4 form of a loopback"),  # 6to4 of 127.0.0.1
        ("2002:a9fe:a9fe::1", "6to4 form of a link-local"),  # 169.254.169.254
        ("2002:c0a8:1::", "6to4 form of a private"),  # 192.168.0.1
        ("64:ff9b::7f00:1", "NAT64 form of a loopback"),
        ("64:ff9b::a00:1", "NAT64 form of a private"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"),
        ("fd00:ec2::254", "cloud metadata"),
        ("100::1", "reserved"),
        ("4000::1", "reserved"),  # outside 2000::/3, where IANA allocates unicast
    ],
)
def test_special_addresses_are_refused_with_what_they_are(address: str, label: str) -> None:
    assert outbound.address_refusal(ipaddress.ip_address(address)) == label


@pytest.mark.parametrize(
    "address",
    ["8.8.8.8", PUBLIC, "2606:4700:4700::1111", "2002:808:808::1", "64:ff9b::808:808"],
)
def test_public_addresses_pass_embedded_ones_included(address: str) -> None:
    assert outbound.address_refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("127.0.0.1", True),
        ("10.1.2.3", True),
        ("2002:7f00:1::", True),
        ("169.254.169.254", False),  # the cloud metadata service stays out of reach
        ("fd00:ec2::254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("64:ff9b::a9fe:a9fe", False),
    ],
)
def test_an_approval_of_private_addresses_never_opens_link_local_or_multicast(
    address: str, allowed: bool
) -> None:
    refusal = outbound.address_refusal(ipaddress.ip_address(address), allow_private=True)
    assert (refusal is None) is allowed


# --- Refused before any lookup ---------------------------------------------------------


REFUSED_WITHOUT_LOOKUP = [
    ("http://127.0.0.1:8000/hooks", "127.0.0.1 is a loopback address"),
    ("http://2130706433/hooks", "2130706433 is a loopback address"),  # 127.0.0.1 as a number
    ("http://127.1/hooks", "127.1 is a loopback address"),
    ("http://0x7f.0.0.1/hooks", "0x7f.0.0.1 is a loopback address"),
    ("http://0x0a.1/hooks", "0x0a.1 is a private address"),
    ("http://10.1.2.3/hooks", "private address"),
    ("http://169.254.169.254/latest/meta-data/", "link-local address"),
    ("http://[::1]:8080/hooks", "loopback address"),
    ("http://[::ffff:127.0.0.1]/hooks", "IPv4-mapped form of a loopback address"),
    ("http://[2002:7f00:1::]/hooks", "6to4 form of a loopback address"),
    ("http://[64:ff9b::7f00:1]/hooks", "NAT64 form of a loopback address"),
    ("http://[fe80::1%25eth0]/hooks", "link-local address"),
    ("http://0.0.0.0/hooks", "unspecified address"),
    ("http://localhost/hooks", "not a public internet host name"),
    ("http://api.localhost/hooks", "not a public internet host name"),
    ("http://intranet/hooks", "not a public internet host name"),
    ("http://1.2.3.4.5/hooks", "not a valid IPv4 address"),
    ("http://hooks.example.999/", "not a valid IPv4 address"),
    ("http://exa_mple.com/hooks", "not a valid host name"),
    ("http://a..b.example/hooks", "not a valid host name"),
    ("http://%6c%6fcalhost/hooks", "not a valid host name"),
    ("file:///etc/passwd", "must start with https://"),
    ("ftp://files.example.com/hooks", "must start with https://"),
    ("gopher://example.com:70/_", "must start with https://"),
    ("https:///hooks", "no host"),
    ("not a url", "must start with https://"),
    ("", "Give a URL"),
]


@pytest.mark.parametrize(("url", "refusal"), REFUSED_WITHOUT_LOOKUP)
def test_bad_urls_and_address_literals_are_refused_before_any_dns_lookup(
    dns: FakeDns, seam_calls: list[str], url: str, refusal: str
) -> None:
    with pytest.raises(outbound.OutboundRefused, match=refusal):
        outbound.validate_url(url)

    assert seam_calls == []
    assert dns.lookups == []


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "refusal"), REFUSED_WITHOUT_LOOKUP[:6])
def test_an_endpoint_with_a_refused_url_is_refused_before_any_dns_lookup(
    people: Any, dns: FakeDns, seam_calls: list[str], url: str, refusal: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        endpoint_create(
            agency=Agency.objects.get(code="council-asb"),
            channel=Channel.WEBHOOK,
            name="Hook",
            by=people.manager,
            url=url,
        )

    assert list(exc.value.message_dict) == ["url"]
    assert refusal in exc.value.message_dict["url"][0]
    assert (seam_calls, dns.lookups) == ([], [])


@pytest.mark.parametrize("url", [u for u, _ in REFUSED_WITHOUT_LOOKUP[:14]])
def test_the_webhook_transport_refuses_the_same_urls_without_a_lookup_or_a_connection(
    dns: FakeDns, network: Network, envelope: dict[str, Any], webhook_secret: str, url: str
) -> None:
    with pytest.raises(TransportError) as exc:
        WebhookTransport().send(envelope=envelope, target=WebhookTarget(url, webhook_secret))

    assert exc.value.permanent
    assert (dns.lookups, network.connections) == ([], [])


# --- Names ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "answer",
    [["10.1.2.3"], ["127.0.0.1"], [PUBLIC, "10.1.2.3"], ["2002:7f00:1::"], ["64:ff9b::a00:1"]],
)
def test_a_name_leading_to_any_internal_address_is_refused_without_saying_where(
    dns: FakeDns, answer: list[str]
) -> None:
    dns.records["hooks.partner.example"] = [answer]

    with pytest.raises(outbound.OutboundRefused) as exc:
        outbound.validate_url("https://hooks.partner.example/csp")

    # Word for word what an unknown name gets: the guard is no map of our internal DNS.
    assert str(exc.value) == (
        "The host hooks.partner.example could not be found on the public internet."
    )
    with pytest.raises(outbound.OutboundRefused) as unknown:
        outbound.validate_url("https://nowhere.partner.example/csp")
    assert str(unknown.value) == str(exc.value).replace("hooks.", "nowhere.")


def test_a_name_with_public_addresses_only_passes(dns: FakeDns) -> None:
    dns.records["hooks.partner.example"] = [[PUBLIC, "2606:4700:4700::1111"]]

    addresses = outbound.validate_url("https://hooks.partner.example/csp")

    assert [str(a) for a in addresses] == [PUBLIC, "2606:4700:4700::1111"]
    assert dns.lookups == ["hooks.partner.example"]


# --- Pinning -------------------------------------------------------------------------


def test_the_connection_goes_to_the_checked_address_not_a_rebound_one(
    dns: FakeDns, network: Network, envelope: dict[str, Any], webhook_secret: str
) -> None:
    """DNS rebinding: the first answer is public, every later one is loopback, where an
    internal service listens on the webhook's port."""
    with (
        WebhookReceiver(webhook_secret) as partner,
        ReplyServer(body=LEAK.encode()) as internal,
    ):
        network.public_port = partner.port
        dns.records["rebind.partner.example"] = [[PUBLIC], ["127.0.0.1"]]
        url = f"http://rebind.partner.example:{internal.port}/hooks/csp"

        receipt = WebhookTransport().send(
            envelope=envelope, target=WebhookTarget(url, webhook_secret)
        )

        [received] = partner.wait_for(1)
    assert receipt.status_code == 200
    assert received.valid
    assert received.headers["host"] == f"rebind.partner.example:{internal.port}"
    assert internal.requests == []
    assert network.connections == [(PUBLIC, internal.port)]
    assert dns.names_looked_up() == ["rebind.partner.example"]


@pytest.mark.django_db
def test_a_name_that_turns_internal_after_it_was_saved_is_refused_at_send_time(
    people: Any, dns: FakeDns, network: Network
) -> None:
    with ReplyServer(body=LEAK.encode()) as internal:
        dns.records["hooks.partner.example"] = [[PUBLIC], ["127.0.0.1"]]
        hook = endpoint_create(
            agency=Agency.objects.get(code="council-asb"),
            channel=Channel.WEBHOOK,
            name="Case system",
            by=people.manager,
            url=f"http://hooks.partner.example:{internal.port}/csp",
        )
        delivery = _one_delivery(people, hook)

        attempt = delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert attempt.status == DeliveryStatus.DEAD
    assert delivery.last_error == (
        "The webhook URL is refused: The host hooks.partner.example could not be found on "
        "the public internet."
    )
    assert internal.requests == []
    assert network.connections == []


# --- What comes back -------------------------------------------------------------------


def _one_delivery(people: Any, endpoint: Endpoint) -> Delivery:
    raise_referral(people.officer, "asb")
    event = OutboxEvent.objects.get(type="referral.raised")
    event_relay(event_id=event.pk)
    return Delivery.objects.get(event=event, endpoint=endpoint)


@pytest.mark.django_db
@pytest.mark.parametrize(("status", "expected"), [(500, DeliveryStatus.FAILED), (404, "dead")])
def test_a_receivers_reply_text_never_reaches_last_error(
    people: Any, settings: Settings, status: int, expected: str
) -> None:
    with ReplyServer(status=status, body=LEAK.encode()) as receiver:
        hook = endpoint_create(
            agency=Agency.objects.get(code="council-asb"),
            channel=Channel.WEBHOOK,
            name="Approved internal hook",
            by=None,
            url=receiver.url + "/hooks",
            allow_private=True,  # an administrator's approval
        )
        delivery = _one_delivery(people, hook)

        delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == expected
    assert delivery.last_error == f"HTTP {status} from the receiver"


def _port_that_accepts_and_never_answers() -> tuple[socket.socket, int]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock, int(sock.getsockname()[1])


def test_refused_reset_silent_and_tls_failures_all_read_the_same(
    settings: Settings, envelope: dict[str, Any], webhook_secret: str
) -> None:
    """Otherwise a manager could tell closed from filtered from open ports through
    last_error: a port scanner with our server's address."""
    settings.WEBHOOK_TIMEOUT = 0.3
    silent, silent_port = _port_that_accepts_and_never_answers()
    messages = set()
    with silent, ReplyServer() as plain_http:
        for url in (
            f"http://127.0.0.1:{closed_port()}/",  # refused
            f"http://127.0.0.1:{silent_port}/",  # accepts, never answers
            f"https://127.0.0.1:{plain_http.port}/",  # TLS to a plain HTTP server
        ):
            target = WebhookTarget(url, webhook_secret, allow_private=True)
            with pytest.raises(TransportError) as exc:
                WebhookTransport().send(envelope=envelope, target=target)
            assert not exc.value.permanent
            messages.add(exc.value.message)

    assert messages == {"Could not reach the webhook receiver: " + outbound.UNREACHABLE}


def test_redirects_are_not_followed(envelope: dict[str, Any], webhook_secret: str) -> None:
    with ReplyServer() as elsewhere, ReplyServer(status=307) as redirecting:
        redirecting.headers = {"location": elsewhere.url + "/stolen"}
        target = WebhookTarget(redirecting.url + "/hooks", webhook_secret, allow_private=True)
        with pytest.raises(TransportError) as exc:
            WebhookTransport().send(envelope=envelope, target=target)

    assert exc.value.permanent
    assert exc.value.message.startswith("HTTP 307 from the receiver: redirects are not followed")
    assert "/stolen" not in exc.value.message
    assert [r.path for r in redirecting.requests] == ["/hooks"]
    assert elsewhere.requests == []


PROXY_VARIABLES = ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"]


def test_proxy_variables_in_the_environment_are_ignored(
    monkeypatch: pytest.MonkeyPatch, envelope: dict[str, Any], webhook_secret: str
) -> None:
    with ReplyServer() as proxy, WebhookReceiver(webhook_secret) as receiver:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)

        WebhookTransport().send(
            envelope=envelope, target=WebhookTarget(receiver.url, webhook_secret, True)
        )

        assert len(receiver.wait_for(1)) == 1
    assert proxy.requests == []


def test_a_reply_is_read_only_up_to_the_cap_and_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(outbound, "MAX_REPLY_BYTES", 4096)
    flood = ReplyServer(status=201, body=b"x" * 65536, repeat=160)  # 10 MiB on offer
    with flood:
        reply = outbound.post(
            flood.url + "/v2/notifications/email",
            content=b"{}",
            headers={},
            allow_private=True,
            timeout=5,
            read_body=True,
        )

    assert reply.status == 201
    assert not reply.complete
    assert len(reply.body) == 4096
    assert flood.requests[0].headers["accept-encoding"] == "identity"


# --- GOV.UK Notify ---------------------------------------------------------------------


def notify_target(base_url: str, api_key: str, *, allow_private: bool = False) -> NotifyTarget:
    return NotifyTarget(
        api_key=api_key,
        template_id=TEMPLATE,
        email_address=IDVA,
        base_url=base_url,
        allow_private=allow_private,
    )


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "[::1]",
        "[::ffff:127.0.0.1]",
        "[2002:7f00:1::]",
        "[64:ff9b::7f00:1]",
        "10.0.0.7",
        "169.254.169.254",
    ],
)
def test_notify_to_an_internal_address_is_refused_before_any_connection(
    fake_notify: FakeNotify,
    network: Network,
    envelope: dict[str, Any],
    host: str,
) -> None:
    port = fake_notify.base_url.rsplit(":", 1)[1]
    target = notify_target(f"http://{host}:{port}", fake_notify.api_key)

    with pytest.raises(TransportError) as exc:
        NotifyTransport().send(envelope=envelope, target=target)

    assert exc.value.permanent
    assert exc.value.message.startswith("The GOV.UK Notify address is refused:")
    assert fake_notify.requests == []
    assert network.connections == []


def test_the_operators_notify_setting_may_be_a_private_address(
    settings: Settings, fake_notify: FakeNotify, envelope: dict[str, Any]
) -> None:
    """NOTIFY_BASE_URL is the operator's own configuration (a local fake, a proxy)."""
    settings.NOTIFY_BASE_URL = fake_notify.base_url
    target = NotifyTarget(api_key=fake_notify.api_key, template_id=TEMPLATE, email_address=IDVA)

    receipt = NotifyTransport().send(envelope=envelope, target=target)

    assert uuid.UUID(receipt.reference)
    assert fake_notify.wait_for(1)[0].auth_error == ""


@pytest.mark.django_db
def test_a_notify_endpoint_at_an_internal_address_dies_without_reply_text_or_a_connection(
    people: Any, settings: Settings, fake_notify: FakeNotify, network: Network
) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True  # how such a row was saved before the fix
    endpoint = endpoint_create(
        agency=Agency.objects.get(code="council-asb"),
        channel=Channel.NOTIFY,
        name="Notify",
        by=None,
        email_address=IDVA,
        notify_api_key=fake_notify.api_key,
        notify_template_id=TEMPLATE,
        notify_base_url=fake_notify.base_url,
    )
    delivery = _one_delivery(people, endpoint)
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False

    attempt = delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert attempt.status == DeliveryStatus.DEAD
    assert delivery.last_error == (
        "The GOV.UK Notify address is refused: 127.0.0.1 is a loopback address; the server "
        "connects only to public internet addresses."
    )
    assert fake_notify.requests == []
    assert network.connections == []


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (400, True), (403, True)])
def test_notify_errors_say_the_status_and_a_known_error_name_only(
    envelope: dict[str, Any], status: int, permanent: bool
) -> None:
    reply = (
        b'{"status_code": %d, "errors": [{"error": "BadRequestError", "message": "%s"},'
        b' {"error": "%s", "message": "x"}]}' % (status, LEAK.encode(), LEAK.encode())
    )
    api_key = f"csp_test-{uuid.uuid4()}-{uuid.uuid4()}"
    with ReplyServer(status=status, body=reply) as server, pytest.raises(TransportError) as exc:
        NotifyTransport().send(
            envelope=envelope, target=notify_target(server.url, api_key, allow_private=True)
        )

    assert exc.value.permanent is permanent
    assert exc.value.message == f"GOV.UK Notify answered {status} (BadRequestError)"


@pytest.mark.parametrize("body", [b"x" * 70_000, b"<html>not json</html>", b'{"no": "id"}'])
def test_a_notify_yes_with_an_unreadable_answer_is_not_sent_twice(
    envelope: dict[str, Any], body: bytes
) -> None:
    api_key = f"csp_test-{uuid.uuid4()}-{uuid.uuid4()}"
    with ReplyServer(status=201, body=body) as server, pytest.raises(TransportError) as exc:
        NotifyTransport().send(
            envelope=envelope, target=notify_target(server.url, api_key, allow_private=True)
        )

    assert exc.value.permanent
    assert exc.value.message == "GOV.UK Notify answered 201 but its answer was unreadable"


def test_notify_redirects_are_not_followed_and_the_token_goes_nowhere_else(
    envelope: dict[str, Any], fake_notify: FakeNotify
) -> None:
    with ReplyServer(status=302) as redirecting:
        redirecting.headers = {"location": fake_notify.base_url + "/v2/notifications/email"}
        target = notify_target(redirecting.url, fake_notify.api_key, allow_private=True)
        with pytest.raises(TransportError) as exc:
            NotifyTransport().send(envelope=envelope, target=target)

    assert exc.value.permanent
    assert "redirects are not followed" in exc.value.message
    assert len(redirecting.requests) == 1
    assert fake_notify.requests == []


def test_notify_ignores_proxy_variables(
    monkeypatch: pytest.MonkeyPatch, envelope: dict[str, Any], fake_notify: FakeNotify
) -> None:
    with ReplyServer() as proxy:
        for name in PROXY_VARIABLES:
            monkeypatch.setenv(name, proxy.url)
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)

        NotifyTransport().send(
            envelope=envelope,
            target=notify_target(fake_notify.base_url, fake_notify.api_key, allow_private=True),
        )

    assert fake_notify.wait_for(1)[0].status == 201
    assert proxy.requests == []


def test_the_seam_is_the_only_lookup(
    monkeypatch: pytest.MonkeyPatch, network: Network, envelope: dict[str, Any]
) -> None:
    """Tests (and anything else) can rely on replacing resolve_host: the client makes no
    lookup of its own, so a name the seam maps to a public address is connected by address."""
    seen: list[str] = []

    def resolver(host: str, port: int) -> list[outbound.Address]:
        seen.append(host)
        return [ipaddress.ip_address(PUBLIC)]

    real_getaddrinfo: Callable[..., Any] = socket.getaddrinfo
    names: list[str] = []

    def recording(host: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(outbound, "resolve_host", resolver)
    monkeypatch.setattr(socket, "getaddrinfo", recording)
    with WebhookReceiver("whsec_" + "QUJD" * 8) as partner:
        network.public_port = partner.port
        WebhookTransport().send(
            envelope=envelope,
            target=WebhookTarget("http://hooks.partner.example/csp", partner.secret),
        )
        partner.wait_for(1)

    assert seen == ["hooks.partner.example"]
    assert all(_is_address(name) for name in names)


@pytest.mark.django_db
def test_an_unexpected_errors_text_stays_in_the_server_log(
    people: Any, webhook_receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    hook = endpoint_create(
        agency=Agency.objects.get(code="council-asb"),
        channel=Channel.WEBHOOK,
        name="Hook",
        by=None,
        url=webhook_receiver.url,
        allow_private=True,
    )
    delivery = _one_delivery(people, hook)

    with mock.patch.object(
        WebhookTransport, "send", autospec=True, side_effect=RuntimeError(f"reply was {LEAK}")
    ):
        delivery_attempt(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.last_error == "RuntimeError (the details are in the server log)"
    assert LEAK in caplog.text
