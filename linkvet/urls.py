"""URL rules: resolving hrefs (WHATWG, via ada), normalising for comparison, registrable domains,
and how a resolved URL matches a backlink's expected target."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Literal

import ada_url
import tldextract

MatchKind = Literal["exact", "normalised", "same_host_path", "domain"]

# The public suffix list's private section too: on blogspot.com, github.io, herokuapp.com...
# each subdomain has its own owner, and is its own site for browsers, for search engines (a
# disavow of domain:x.blogspot.com covers that blog only) and for linkvet (referring
# domains, politeness, decisions).
_EXTRACT = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None,
                                 include_psl_private_domains=True)
_FETCHABLE_PREFIXES = ("http://", "https://")
# WHATWG trims these from a URL string: C0 controls and the space.
C0_SPACE = "".join(chr(i) for i in range(0x21))
# A DNS host name, lower-case ASCII (after :func:`ascii_host`).
HOST_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
                       r"(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)+$")
_DEFAULT_PORTS = {"http:": "80", "https:": "443"}
# An http(s) URL whose host is lower-case ASCII letters, digits, dots and hyphens, ended by
# the path, query, fragment or the end of the string (see :func:`simple_host`).
_SIMPLE_HOST = re.compile(r"https?://([-.0-9a-z]+)(?![^/?#])")


def warm_up() -> None:
    """Build the public suffix list's lookup tables now (tldextract builds them on first use,
    tens of milliseconds): a crawl calls this before its first request instead of making
    that request pay."""
    _EXTRACT("warm.example.co.uk")


def resolve(base: str, href: str) -> str | None:
    """Resolve ``href`` against ``base`` by WHATWG rules; ``None`` when not an http(s) URL."""
    # WHATWG trims C0 controls and spaces only: a no-break space before "https://..." makes
    # the href a relative path (str.strip() would trim it and find an absolute URL).
    href = href.strip(C0_SPACE)
    if not href:
        return None
    if href.startswith(_FETCHABLE_PREFIXES):
        return _resolve_absolute(href)
    return _join(base, href)


@lru_cache(maxsize=16384)
def _resolve_absolute(href: str) -> str | None:
    """:func:`resolve` of an href that starts ``http://`` or ``https://``: WHATWG reads the
    authority after the two slashes and never looks at the base, so one answer serves every
    page (the same target URLs recur across a crawl's pages)."""
    return _join("", href)


def _join(base: str, href: str) -> str | None:
    try:
        # join_url returns the href string without building a URL object (cheaper); an
        # http(s) URL always has a host (WHATWG fails special URLs with an empty one).
        url = ada_url.join_url(base, href) if base else str(ada_url.URL(href).href)
    except ValueError:
        return None
    return url if url.startswith(_FETCHABLE_PREFIXES) else None


def simple_host(url: str) -> str | None:
    """The host of an absolute http(s) URL when the string shows it exactly, else ``None``
    (then ask ada): right after ``http://`` or ``https://``, a host of lower-case ASCII
    letters, digits and hyphens in non-empty labels, the last starting with a letter (so never
    an IPv4 address in any notation), no IDNA (``xn--``) label, no userinfo or port. WHATWG
    parsing of such a URL cannot fail and serialises its host unchanged."""
    found = _SIMPLE_HOST.match(url)
    if found is None:
        return None
    host: str = found.group(1)
    if (host[0] == "." or ".." in host or not host.rpartition(".")[2][:1].isalpha()
            or "xn--" in host):
        return None
    return host


def parse(url: str) -> ada_url.URL | None:
    try:
        return ada_url.URL(url)
    except ValueError:
        return None


def host_of(url: str) -> str:
    """Lower-case host of an absolute URL ('' when it has none)."""
    simple = simple_host(url)
    if simple is not None:
        return simple
    parsed = parse(url)
    return str(parsed.hostname).lower() if parsed is not None and parsed.hostname else ""


@lru_cache(maxsize=65536)
def registrable_domain(host: str) -> str:
    """The registrable domain ("eTLD+1", private suffixes such as ``blogspot.com`` included:
    ``x.blogspot.com`` is its own site) of a host; for hosts under no public suffix (such as
    ``*.example`` or an intranet name) the last two labels; an IP address is its own domain.
    A host written in Unicode (a target typed as ``bücher.example``) is first put in the
    ASCII form that WHATWG URLs carry (``xn--bcher-kva.example``), so the two compare equal."""
    host = host.lower().strip(".")
    if not host.isascii():
        host = ascii_host(host)
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


_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})


def has_public_suffix(host: str) -> bool:
    """Whether ``host`` ends in a suffix of the public suffix list (or a reserved TLD such as
    ``.example``): ``acme.co.uk`` does, ``node.js`` and ``file.pdf`` do not."""
    host = ascii_host(host.strip().rstrip("."))
    if host.rsplit(".", 1)[-1] in _RESERVED_TLDS:
        return True
    return bool(_EXTRACT(host).suffix)


def ascii_host(host: str) -> str:
    """A host name as WHATWG URLs serialise it (IDNA by UTS #46, lower case, no trailing
    dot): ``Bücher.example`` is ``xn--bcher-kva.example``. Unchanged when it cannot be the
    host of a URL, or holds more than a host (a port, a path...)."""
    if host.isascii():
        return host.lower().strip(".")
    if any(c in host for c in "/\\?#@: "):
        return host
    parsed = parse(f"http://{host}/")
    return str(parsed.hostname).strip(".") if parsed is not None and parsed.hostname else host


def domain_of(url: str) -> str:
    return registrable_domain(host_of(url))


@lru_cache(maxsize=16384)
def normalise(url: str) -> str:
    """A comparison key: lower-case scheme-less host without ``www.``, default port dropped,
    fragment dropped, empty path as ``/``, trailing slash dropped, query kept as is.

    An http(s) URL is read from its WHATWG serialisation (one call into ada), whose parts
    stand in a fixed order: the same key :func:`_parsed_key` gets from ada's URL object at
    several times the cost (a test holds the two equal)."""
    try:
        href = ada_url.normalize_url(url)
    except ValueError:
        href = ""
    if href.startswith(_FETCHABLE_PREFIXES):
        return _serialised_key(href)
    return _parsed_key(url)


def _serialised_key(href: str) -> str:
    """:func:`normalise` of a serialised http(s) URL: ``scheme://[userinfo@]host[:port]`` then
    a path that always starts with ``/``, ``?query`` and ``#fragment`` (the separators
    appear nowhere else: WHATWG percent-encodes them inside the parts). The port shows only
    when it is not the scheme's default."""
    rest = href.partition("://")[2]
    slash = rest.find("/")
    authority, tail = (rest[:slash], rest[slash:]) if slash >= 0 else (rest, "/")
    hostport = authority.rpartition("@")[2]
    if hostport.startswith("["):
        host, _, port = hostport.partition("]")
        host += "]"
        port = port[1:]
    else:
        host, _, port = hostport.partition(":")
    path, _, query = tail.partition("#")[0].partition("?")
    return _key(host, port, path, f"?{query}" if query else "")


def _parsed_key(url: str) -> str:
    """:func:`normalise` through ada's URL object (any scheme)."""
    parsed = parse(url)
    if parsed is None or not parsed.hostname:
        return url.strip().lower()
    port = str(parsed.port)
    if _DEFAULT_PORTS.get(str(parsed.protocol)) == port:
        port = ""
    return _key(str(parsed.hostname), port, str(parsed.pathname), str(parsed.search))


def _key(host: str, port: str, path: str, search: str) -> str:
    host = host.lower()
    if host.startswith("www."):
        host = host[4:]
    if port:
        host = f"{host}:{port}"
    path = path or "/"
    if len(path) > 1 and path.endswith("/"):
        path = path.rstrip("/") or "/"
    return f"{host}{path}{search}"


# Query parameters that say how a visitor arrived, not which page it is: campaign tags
# (``utm_*``) and the click ids of ad and analytics platforms. The judge's SQL strips the same
# ones (:data:`TRACKING_PARAM_SQL`; a test holds the two to the same result).
TRACKING_PREFIX = "utm_"
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "ttclid",
    "li_fat_id", "mc_cid", "mc_eid", "igshid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok",
})
# A DuckDB regex matching one tracking parameter (name=value) in a query, case-insensitively.
TRACKING_PARAM_SQL = (f"([?&])({TRACKING_PREFIX}[^=&]*|"
                      + "|".join(sorted(TRACKING_PARAMS)) + ")=[^&]*")


def same_page_key(url: str) -> str:
    """:func:`normalise`, and the query without tracking parameters (``utm_*``, ``fbclid``,
    ``gclid``...) and in sorted order: two URLs of one page as a site declares its canonical
    (``/post?utm_source=x`` is ``/post``)."""
    key = normalise(url)
    head, mark, query = key.partition("?")
    if not mark:
        return key
    kept = sorted(p for p in query.split("&") if p and not _is_tracking(p))
    return f"{head}?{'&'.join(kept)}" if kept else head


def without_tracking(url: str) -> str:
    """``url`` without its fragment and its tracking parameters, the others kept in order: the
    rule :data:`TRACKING_PARAM_SQL` applies in SQL (``flows.judge.page_key_sql``)."""
    head, mark, query = url.split("#", 1)[0].partition("?")
    kept = [p for p in query.split("&") if p and not _is_tracking(p)]
    return f"{head}?{'&'.join(kept)}" if mark and kept else head


def _is_tracking(param: str) -> bool:
    """Whether one ``name=value`` of a query is a tracking parameter."""
    name, eq, _ = param.partition("=")
    lowered = name.lower()
    return bool(eq) and (lowered.startswith(TRACKING_PREFIX) or lowered in TRACKING_PARAMS)


def target_domain(target: str) -> str:
    """Your site's registrable domain from ``--target``: ``acme.example``, ``ACME.example.``,
    ``https://www.acme.example/`` and ``bücher.example`` are accepted; anything that names no
    host is refused (it also names files: ``../x`` must never become a path)."""
    from linkvet.errors import InputError

    value = target.strip()
    if "://" in value:
        value = host_of(value)
    host = ascii_host(value)
    if not HOST_NAME.match(host):
        raise InputError(f"--target {target!r} is not a domain or URL; give your site's "
                         "domain, as acme.example")
    return registrable_domain(host)


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
