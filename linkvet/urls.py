"""URL rules: resolving hrefs (WHATWG, via ada), normalising for comparison, registrable domains,
and how a resolved URL matches a backlink's expected target."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Literal

import ada_url
import tldextract

MatchKind = Literal["exact", "normalised", "same_host_path", "domain"]

_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
_FETCHABLE_SCHEMES = ("http:", "https:")
_DEFAULT_PORTS = {"http:": "80", "https:": "443"}


def resolve(base: str, href: str) -> str | None:
    """Resolve ``href`` against ``base`` by WHATWG rules; ``None`` when not an http(s) URL."""
    href = href.strip()
    if not href:
        return None
    try:
        url = ada_url.URL(href, base) if base else ada_url.URL(href)
    except ValueError:
        return None
    if url.protocol not in _FETCHABLE_SCHEMES or not url.hostname:
        return None
    return str(url.href)


def parse(url: str) -> ada_url.URL | None:
    try:
        return ada_url.URL(url)
    except ValueError:
        return None


def host_of(url: str) -> str:
    """Lower-case host of an absolute URL ('' when it has none)."""
    parsed = parse(url)
    return str(parsed.hostname).lower() if parsed is not None and parsed.hostname else ""


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain ("eTLD+1") of a host; for hosts under no public suffix (such as
    ``*.example`` or an intranet name) the last two labels; an IP address is its own domain."""
    host = host.lower().strip(".")
    if not host:
        return ""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return host
    except ValueError:
        pass
    parts = _EXTRACT(host)
    if parts.suffix and parts.domain:
        return f"{parts.domain}.{parts.suffix}"
    labels = host.split(".")
    return ".".join(labels[-2:])


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))


def normalise(url: str) -> str:
    """A comparison key: lower-case scheme-less host without ``www.``, default port dropped,
    fragment dropped, empty path as ``/``, trailing slash dropped, query kept as is."""
    parsed = parse(url)
    if parsed is None or not parsed.hostname:
        return url.strip().lower()
    host = str(parsed.hostname).lower()
    if host.startswith("www."):
        host = host[4:]
    port = str(parsed.port)
    if port and _DEFAULT_PORTS.get(str(parsed.protocol)) != port:
        host = f"{host}:{port}"
    path = str(parsed.pathname) or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return f"{host}{path}{parsed.search}"


def is_domain_target(target: str) -> bool:
    """A target given as a bare domain (``acme.example``) means any page on that site."""
    return "/" not in target and ":" not in target


def match_target(url: str, target: str) -> MatchKind | None:
    """How an absolute URL matches the expected target, or ``None``.

    Rules, first that holds wins: ``exact`` (same string, fragment ignored), ``normalised``
    (same :func:`normalise` key: scheme, www., default port, trailing slash differ),
    ``same_host_path`` (same host and path, different query), ``domain`` (the target is a bare
    domain or the URL is on the target's registrable domain)."""
    if not url:
        return None
    if is_domain_target(target):
        tdomain = registrable_domain(target)
        return "domain" if tdomain and domain_of(url) == tdomain else None
    if url.split("#", 1)[0] == target.split("#", 1)[0]:
        return "exact"
    nu, nt = normalise(url), normalise(target)
    if nu == nt:
        return "normalised"
    if nu.split("?", 1)[0] == nt.split("?", 1)[0]:
        return "same_host_path"
    tdomain = domain_of(target)
    if tdomain and domain_of(url) == tdomain:
        return "domain"
    return None
