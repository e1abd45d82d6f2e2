"""Which addresses sources added from Telegram may reach: public ones only (an SSRF guard). Pure."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from typing import Literal

Address = IPv4Address | IPv6Address
Network = IPv4Network | IPv6Network

# Cloud metadata services answer on these; both are also link-local or unique-local.
METADATA = frozenset({ip_address("169.254.169.254"), ip_address("fd00:ec2::254")})
_NAT64 = ip_network("64:ff9b::/96")
_NUMERIC_LABEL = re.compile(r"0x[0-9a-f]*|[0-9]+", re.IGNORECASE)

# First matching rule names the refusal; `not global` catches what the others leave
# (shared address space, documentation ranges, benchmarking...).
_RULES: tuple[tuple[str, Callable[[Address], bool]], ...] = (
    ("cloud metadata", lambda a: a in METADATA),
    ("unspecified", lambda a: a.is_unspecified),
    ("loopback", lambda a: a.is_loopback),
    ("link-local", lambda a: a.is_link_local),
    ("multicast", lambda a: a.is_multicast),
    ("private", lambda a: a.is_private),
    ("site-local", lambda a: isinstance(a, IPv6Address) and a.is_site_local),
    ("reserved", lambda a: a.is_reserved),
    ("non-global", lambda a: not a.is_global),
)

RefusalKind = Literal["scheme", "numeric", "unresolved", "not_public"]


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a source URL may not be fetched; str() is one line for logs and /status."""

    kind: RefusalKind
    host: str = ""
    address: str = ""
    reason: str = ""

    def __str__(self) -> str:
        if self.kind == "scheme":
            return "refused: not an http(s) URL"
        if self.kind == "numeric":
            return f"refused: {self.host} is a numeric address spelled unusually"
        if self.kind == "unresolved":
            return f"refused: could not resolve {self.host}"
        where = self.address if self.host == self.address else f"{self.host} ({self.address})"
        return f"refused: {where} is a {self.reason} address, not a public one"


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Public addresses only; networks in `also_public` count as public anyway.

    `also_public` exists for tests, where every server is on loopback: they count
    127.0.0.2 as public while 127.0.0.1 stays refused.
    """

    also_public: tuple[Network, ...] = ()

    def reason(self, address: Address) -> str | None:
        """Why `address` is refused ("loopback", "private"...), or None when it is public."""
        if any(address.version == net.version and address in net for net in self.also_public):
            return None
        inner = embedded_ipv4(address)
        if inner is not None:
            return self.reason(inner)
        for name, rule in _RULES:
            if rule(address):
                return name
        return None

    def refusal(self, host: str, addresses: list[Address]) -> Refusal | None:
        """The first of `host`'s addresses that is refused, as a Refusal, or None."""
        for address in addresses:
            reason = self.reason(address)
            if reason is not None:
                return Refusal("not_public", host, str(address), reason)
        return None


def embedded_ipv4(address: Address) -> IPv4Address | None:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), which is what gets reached."""
    if isinstance(address, IPv4Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return address.sixtofour


def odd_numeric_host(host: str) -> bool:
    """True for numbers resolvers read as IPv4 but people never write: 2130706433, 0x7f000001,
    0177.0.0.1, 127.1 (all 127.0.0.1). A plain dotted quad is not odd."""
    labels = host.split(".")
    if not all(_NUMERIC_LABEL.fullmatch(label) for label in labels):
        return False
    try:
        return str(IPv4Address(host)) != host
    except ValueError:
        return True


def literal_address(host: str) -> Address | None:
    """The address a host names literally (`127.0.0.1`, `::1`), or None for a name."""
    try:
        return ip_address(host.strip("[]").split("%")[0])
    except ValueError:
        return None
