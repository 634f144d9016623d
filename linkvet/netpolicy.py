"""Which hosts linkvet may fetch (no SSRF).

URLs come from third-party exports, so by default linkvet refuses any host that resolves to a
loopback, private, link-local, multicast, reserved or otherwise non-global address — checked on
every redirect hop and for every browser request. Two settings open it up deliberately:
``LINKVET_ALLOW_HOSTS`` (host patterns: ``acme.example`` or ``*.example``) and
``LINKVET_ALLOW_PRIVATE=true`` (everything; for a trusted intranet only).
"""

from __future__ import annotations

import fnmatch
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

ALLOW_SETTING_HINT = (
    "set LINKVET_ALLOW_HOSTS=<host or *.domain> to allow this host, or "
    "LINKVET_ALLOW_PRIVATE=true to allow every private address (trusted networks only)"
)


@dataclass(frozen=True)
class NetPolicy:
    allow_private: bool = False
    allow_hosts: tuple[str, ...] = ()

    def host_allowlisted(self, host: str) -> bool:
        host = host.lower().strip("[]").rstrip(".")
        return any(
            host == pattern or fnmatch.fnmatchcase(host, pattern)
            for pattern in (p.lower() for p in self.allow_hosts)
        )

    def refusal(self, host: str, addresses: Iterable[str]) -> str | None:
        """Why ``host`` (resolving to ``addresses``) must not be fetched, or ``None`` if it may."""
        if self.allow_private or self.host_allowlisted(host):
            return None
        addrs = list(addresses)
        if not addrs:
            return None  # unresolvable: the fetch fails on its own as a DNS error
        for addr in addrs:
            reason = non_global_reason(addr)
            if reason:
                return (f"refused to fetch {host}: it resolves to {addr} ({reason}); "
                        f"{ALLOW_SETTING_HINT}")
        return None


def non_global_reason(address: str) -> str | None:
    """Why an address is not a public unicast one, or ``None`` when it is."""
    try:
        ip = ipaddress.ip_address(address.strip("[]").split("%", 1)[0])
    except ValueError:
        return "not an IP address"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    checks: Sequence[tuple[bool, str]] = (
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (ip.is_unspecified, "unspecified"),
        (ip.is_reserved, "reserved"),
        (ip.is_private, "private"),
        (not ip.is_global, "not globally routable"),
    )
    for flag, name in checks:
        if flag:
            return name
    return None


def literal_ip(host: str) -> str | None:
    """The host itself when it is an IP literal (``127.0.0.1``, ``[::1]``)."""
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None
