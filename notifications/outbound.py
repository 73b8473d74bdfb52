"""The server's one way out: every outbound HTTP request goes through ``post``.

Partners choose where some of our requests go (a webhook URL; an administrator may also set
an endpoint's Notify address), which would make the server a proxy into its own network
(server-side request forgery). So, for every request:

1. the URL's shape is checked, and a host written as an address (in any of the forms a
   resolver accepts: ``127.1``, ``2130706433``, ``0x7f.0.0.1``, ``[::ffff:127.0.0.1]``) is
   checked, before any DNS lookup: a refused URL never makes us query a name server;
2. the name is resolved once, through ``resolve_host``, and every address it has is
   checked against the special-purpose ranges, IPv4 hidden inside IPv6 included (mapped,
   compatible, 6to4, NAT64, Teredo);
3. the connection goes to the address just checked, never to a second lookup (DNS
   rebinding), while the Host header, TLS SNI and the certificate check keep the name;
4. redirects are not followed, proxy variables and other environment settings are ignored,
   every step has a timeout, and a reply is read, raw, only up to a byte cap and a deadline;
5. callers get the status code and, if they ask, the capped body. Everything below HTTP
   (no such host, refused, reset, TLS, timeout) is one ``OutboundUnreachable`` with one
   fixed message: telling "refused" from "timed out" would make a webhook URL a port
   scanner for whoever may set one. Details go to the server log only.

Callers decide what a status means and never show a reply's text to the person who chose
the URL.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

CONNECT_TIMEOUT = 3.0
# Enough for any JSON answer we parse (GOV.UK Notify's is under 2 KB); a reply larger than
# this is cut off, not stored.
MAX_REPLY_BYTES = 64 * 1024
MAX_URL_CHARS = 2000
UNREACHABLE = "no HTTP answer (could not connect, or no reply in time)"


class OutboundRefused(ValueError):
    """The destination is not allowed. The message suits the person who typed the URL: it
    names only what they wrote (the host, or the kind of address they wrote), never an
    address a name resolved to, so the check does not map our internal DNS for them."""


class OutboundUnreachable(Exception):
    """No usable HTTP answer. ``str()`` is always ``UNREACHABLE``, whatever went wrong."""

    def __init__(self) -> None:
        super().__init__(UNREACHABLE)


@dataclass(frozen=True, slots=True)
class Reply:
    """What came back: the status and, when asked for, at most ``MAX_REPLY_BYTES`` of body.

    ``complete`` is False when the body was cut off at the cap or the deadline."""

    status: int
    body: bytes = b""
    complete: bool = True


@dataclass(frozen=True, slots=True)
class Destination:
    url: httpx.URL
    host: str  # the ASCII (IDNA) name, or the address as written
    port: int
    literal: Address | None  # the host is an address: no lookup needed


# --- The address ranges ------------------------------------------------------------------
# From IANA's IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890 and successors).
# "Always" ranges are refused even where private targets are allowed (an administrator's
# approval, or development settings): nothing legitimate listens there, and link-local
# holds the cloud metadata service.
_ALWAYS, _PRIVATE = True, False
_IPV4_RANGES = [
    (ipaddress.ip_network(net), label, always)
    for net, label, always in [
        ("0.0.0.0/8", "unspecified", _ALWAYS),
        ("10.0.0.0/8", "private", _PRIVATE),
        ("100.100.100.200/32", "cloud metadata", _ALWAYS),
        ("100.64.0.0/10", "shared (carrier-grade NAT)", _PRIVATE),
        ("127.0.0.0/8", "loopback", _PRIVATE),
        ("169.254.0.0/16", "link-local", _ALWAYS),
        ("172.16.0.0/12", "private", _PRIVATE),
        ("192.0.0.0/24", "reserved", _ALWAYS),
        ("192.0.2.0/24", "documentation", _ALWAYS),
        ("192.88.99.0/24", "reserved", _ALWAYS),
        ("192.168.0.0/16", "private", _PRIVATE),
        ("198.18.0.0/15", "reserved", _ALWAYS),
        ("198.51.100.0/24", "documentation", _ALWAYS),
        ("203.0.113.0/24", "documentation", _ALWAYS),
        ("224.0.0.0/4", "multicast", _ALWAYS),
        ("240.0.0.0/4", "reserved", _ALWAYS),
    ]
]
_IPV6_RANGES = [
    (ipaddress.ip_network(net), label, always)
    for net, label, always in [
        ("::/128", "unspecified", _ALWAYS),
        ("::1/128", "loopback", _PRIVATE),
        ("::/96", "IPv4-compatible", _ALWAYS),
        ("64:ff9b:1::/48", "local-use NAT64", _ALWAYS),
        ("100::/64", "reserved", _ALWAYS),
        ("2001::/32", "Teredo", _ALWAYS),
        ("2001::/23", "reserved", _ALWAYS),
        ("2001:db8::/32", "documentation", _ALWAYS),
        ("3fff::/20", "documentation", _ALWAYS),
        ("5f00::/16", "reserved", _ALWAYS),
        ("fd00:ec2::254/128", "cloud metadata", _ALWAYS),
        ("fc00::/7", "private", _PRIVATE),
        ("fe80::/10", "link-local", _ALWAYS),
        ("fec0::/10", "private", _PRIVATE),
        ("ff00::/8", "multicast", _ALWAYS),
    ]
]
_GLOBAL_UNICAST = ipaddress.ip_network("2000::/3")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> tuple[str, ipaddress.IPv4Address] | None:
    """The IPv4 address an IPv6 address carries to an IPv4 host, and how, if it does."""
    if address in _MAPPED:
        return "IPv4-mapped", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _NAT64:
        return "NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return "6to4", address.sixtofour
    return None


def _classify(address: Address) -> tuple[str, bool] | None:
    """(label, refused even when private targets are allowed), or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return "link-local", _ALWAYS  # a zone names an interface on this machine
        embedded = _embedded_ipv4(address)
        if embedded:
            how, inner = embedded
            found = _classify(inner)
            return (f"{how} form of a {found[0]}", found[1]) if found else None
        ranges = _IPV6_RANGES
    else:
        ranges = _IPV4_RANGES
    for network, label, always in ranges:
        if address in network:
            return label, always
    if isinstance(address, ipaddress.IPv6Address) and address not in _GLOBAL_UNICAST:
        return "reserved", _ALWAYS  # IANA has allocated nothing else for unicast use
    if not address.is_global:
        return "non-public", _PRIVATE  # a range registered after this table was written
    return None


def address_refusal(address: Address, *, allow_private: bool = False) -> str | None:
    """Why the server may not connect to ``address`` (a label such as "loopback"), or None.

    ``allow_private`` (an administrator's approval for one endpoint, or the
    ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` setting) lets private and loopback addresses through,
    but never unspecified, link-local, multicast, reserved or documentation ones.
    """
    found = _classify(address)
    if found is None:
        return None
    label, always = found
    if allow_private and not always:
        return None
    return label


# --- Parsing, before any lookup ----------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_NUMERIC_LABEL = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)$")
_DIGITS = {16: re.compile(r"^[0-9a-f]*$"), 10: re.compile(r"^[0-9]+$"), 8: re.compile(r"^[0-7]*$")}


def _ipv4_part(part: str) -> int:
    if part.startswith("0x"):
        base, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        base, digits = 8, part[1:]
    else:
        base, digits = 10, part
    if not _DIGITS[base].match(digits):
        raise ValueError(part)
    return int(digits, base) if digits else 0


def _ipv4_literal(host: str) -> ipaddress.IPv4Address:
    """A host whose last label is a number, read as the WHATWG URL standard (and the C
    resolver's inet_aton) read it: one to four parts, each decimal, octal or hex."""
    numbers = [_ipv4_part(part) for part in host.split(".")]
    if len(numbers) > 4 or any(n > 255 for n in numbers[:-1]):
        raise ValueError(host)
    if numbers[-1] >= 256 ** (5 - len(numbers)):
        raise ValueError(host)
    value = numbers[-1] + sum(n << (8 * (3 - i)) for i, n in enumerate(numbers[:-1]))
    return ipaddress.IPv4Address(value)


def parse_url(url: str) -> Destination:
    """The URL's destination, checked for shape only; raises OutboundRefused."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_CHARS:
        raise OutboundRefused("Give a URL of at most 2000 characters.")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise OutboundRefused(f"This is not a valid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https"):
        raise OutboundRefused("The URL must start with https:// (or http://).")
    if not parsed.host:
        raise OutboundRefused("The URL has no host name.")
    port = parsed.port if parsed.port is not None else (443 if parsed.scheme == "https" else 80)
    if not 0 < port < 65536:
        raise OutboundRefused("The URL's port must be between 1 and 65535.")
    host = parsed.raw_host.decode("ascii").lower()
    literal: Address | None = None
    if ":" in host:
        try:
            literal = ipaddress.IPv6Address(host.replace("%25", "%"))
        except ValueError as exc:
            raise OutboundRefused(f"{host} is not a valid IPv6 address.") from exc
    else:
        labels = host.removesuffix(".").split(".")
        if _NUMERIC_LABEL.match(labels[-1]):
            try:
                literal = _ipv4_literal(host.removesuffix("."))
            except ValueError as exc:
                raise OutboundRefused(f"{host} is not a valid IPv4 address.") from exc
        elif len(host) > 253 or not all(_LABEL.match(label) for label in labels):
            raise OutboundRefused(f"{host} is not a valid host name.")
    return Destination(url=parsed, host=host, port=port, literal=literal)


def _is_local_name(host: str) -> bool:
    """Names that never lead to the public internet: one label (the resolver's search
    domains complete it inside our network) or localhost (RFC 6761)."""
    name = host.removesuffix(".")
    return "." not in name or name == "localhost" or name.endswith(".localhost")


def _private_allowed(allow_private: bool) -> bool:
    return allow_private or bool(settings.WEBHOOK_ALLOW_PRIVATE_TARGETS)


def _refuse_before_lookup(destination: Destination, *, allow_private: bool) -> None:
    if destination.literal is not None:
        reason = address_refusal(destination.literal, allow_private=allow_private)
        if reason:
            article = "an" if reason[0] in "aeiouAEIOU" else "a"
            raise OutboundRefused(
                f"{destination.host} is {article} {reason} address; the server connects only "
                "to public internet addresses."
            )
    elif not allow_private and _is_local_name(destination.host):
        raise OutboundRefused(
            f"{destination.host} is not a public internet host name; the server connects "
            "only to public internet addresses."
        )


def _not_public(destination: Destination) -> OutboundRefused:
    # One message for "no such name" and "a name for an internal address": telling them
    # apart would let whoever types URLs test which internal names exist.
    return OutboundRefused(
        f"The host {destination.host} could not be found on the public internet."
    )


# --- Resolving ---------------------------------------------------------------------------


def resolve_host(host: str, port: int) -> list[Address]:
    """Every address ``host`` has, in the resolver's order: the one DNS lookup the outbound
    client makes (tests replace it). Raises OSError, or UnicodeError for a name the IDNA
    codec refuses."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]))
        if address not in addresses:
            addresses.append(address)
    return addresses


def _checked_addresses(destination: Destination, *, allow_private: bool) -> list[Address]:
    """The addresses to connect to, each one allowed. Raises OutboundRefused, or OSError
    when the lookup fails."""
    if destination.literal is not None:
        return [destination.literal]
    try:
        addresses = resolve_host(destination.host, destination.port)
    except UnicodeError as exc:
        raise OutboundRefused(f"{destination.host} is not a valid host name.") from exc
    # Every address, not only the first: a name with one public and one internal record
    # would otherwise reach the internal one whenever the resolver reorders them.
    if not addresses or any(
        address_refusal(address, allow_private=allow_private) for address in addresses
    ):
        raise _not_public(destination)
    return addresses


def validate_url(url: str, *, allow_private: bool = False) -> list[Address]:
    """Check a URL before it is saved; return the addresses it leads to.

    Raises OutboundRefused, with a message fit to show the person who typed it, for a bad
    shape, a refused address, or a name that is unknown or leads to a refused address.
    ``allow_private`` (or settings.WEBHOOK_ALLOW_PRIVATE_TARGETS) lets private and loopback
    addresses through. Shape and address literals are checked before any lookup.
    """
    destination = parse_url(url)
    allow = _private_allowed(allow_private)
    _refuse_before_lookup(destination, allow_private=allow)
    try:
        return _checked_addresses(destination, allow_private=allow)
    except OSError as exc:
        raise _not_public(destination) from exc


# --- Sending -----------------------------------------------------------------------------


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The CA bundle, loaded once per process: loading it takes longer than a local POST
    (about 14 ms here), and a context is safe to share between connections and threads."""
    return httpx.create_ssl_context()


def post(
    url: str,
    *,
    content: bytes,
    headers: Mapping[str, str],
    allow_private: bool = False,
    timeout: float,
    read_body: bool = False,
) -> Reply:
    """POST ``content`` to ``url`` through the guard; return the status (and body if asked).

    Raises OutboundRefused (permanent: the destination is not allowed, nothing was sent)
    or OutboundUnreachable (no HTTP answer; worth a retry). Connecting has CONNECT_TIMEOUT
    seconds and each read or write ``timeout``; a body being read is cut off once
    CONNECT_TIMEOUT + 2 * ``timeout`` have passed since the start. (Waiting for the status
    line is bounded per read only: the delivery task's time limit is the backstop there.)
    """
    destination = parse_url(url)
    allow = _private_allowed(allow_private)
    _refuse_before_lookup(destination, allow_private=allow)
    try:
        addresses = _checked_addresses(destination, allow_private=allow)
    except OSError as exc:
        logger.info("Outbound lookup of %s failed: %r", destination.host, exc)
        raise OutboundUnreachable() from exc

    target = destination.url
    # Connect to the address just checked, not whatever a second lookup would return.
    pinned = target.copy_with(host=str(addresses[0]))
    extensions = {}
    if target.scheme == "https":
        extensions["sni_hostname"] = target.raw_host.decode("ascii")
    request_headers = {
        **headers,
        "host": target.netloc.decode("ascii"),
        # Raw bytes only: a compressed reply could inflate far past the cap in one chunk.
        "accept-encoding": "identity",
    }
    deadline = time.monotonic() + CONNECT_TIMEOUT + 2 * timeout
    try:
        with (
            # trust_env=False: a proxy from the environment would connect by name and undo
            # the pinning; so would the platform's own resolver settings.
            httpx.Client(
                transport=httpx.HTTPTransport(verify=_tls_context(), trust_env=False, retries=0),
                timeout=httpx.Timeout(timeout, connect=CONNECT_TIMEOUT),
                follow_redirects=False,
                trust_env=False,
            ) as client,
            client.stream(
                "POST", pinned, content=content, headers=request_headers, extensions=extensions
            ) as response,
        ):
            if not read_body:
                return Reply(status=response.status_code)
            body, complete = _read_capped(response, deadline)
            return Reply(status=response.status_code, body=body, complete=complete)
    except httpx.HTTPError as exc:
        logger.info("Outbound POST to %s failed: %r", destination.host, exc)
        raise OutboundUnreachable() from exc


def _read_capped(response: httpx.Response, deadline: float) -> tuple[bytes, bool]:
    """At most MAX_REPLY_BYTES of the raw body; False when it was cut off or too slow."""
    body = bytearray()
    try:
        for chunk in response.iter_raw():
            body += chunk
            if len(body) > MAX_REPLY_BYTES or time.monotonic() > deadline:
                return bytes(body[:MAX_REPLY_BYTES]), False
    except httpx.HTTPError:
        return bytes(body[:MAX_REPLY_BYTES]), False
    return bytes(body), True
