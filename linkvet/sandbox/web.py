"""The sandbox web: a deterministic, generated web of sites that knows what a verifier must
find on every referring page.

``SandboxWeb(seed, filler_hosts, pages_per_host, slow_delay)`` is pure: it answers
``respond(host, path)`` with a :class:`~linkvet.sandbox.response.Response` and lists the
referring pages with their expected facts; :mod:`linkvet.sandbox.server` puts it on the
network. The named archetypes are described in :mod:`linkvet.sandbox.archetypes`; filler
pages for benchmarks in :mod:`linkvet.sandbox.filler`.

Addresses (:meth:`SandboxWeb.host_map`), all from reserved ranges that are never routed:

- the look-alike network shares ``198.51.100.0/24`` (TEST-NET-2): ``198.51.100.10`` upward;
- every other named host gets its own ``/24`` in ``100.64.0.0/10`` (shared address space):
  ``100.64.<k>.1`` for the k-th named host;
- filler host i gets ``100.<65 + (i // 256) % 63>.<i % 256>.<1 + (i // 16128) % 254>``:
  a /24 of its own for the first 16,128 filler hosts, shared beyond that.
``203.0.113.0/24`` and ``192.0.2.0/24`` stay unused so tests can use them for "elsewhere".
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from threading import Lock

from linkvet.sandbox.archetypes import (
    TARGET_HOME,
    TARGET_HOST,
    TARGET_URLS,
    HostSpec,
    build_named,
)
from linkvet.sandbox.facts import ReferringPage
from linkvet.sandbox.filler import Filler
from linkvet.sandbox.response import Response, error_page, plain

log = logging.getLogger(__name__)

NETWORK_SUBNET = "198.51.100.0/24"
_CACHED_ROUTES = 512


class SandboxWeb:
    """A generated web for one seed.

    Contract: same arguments, same bytes for every page, listing and export, in any process.
    ``respond`` returns ``None`` for a host that is not part of the web (a proxy answers 502)
    and a 404 response for an unknown path on a known host. ``/robots.txt`` exists on every
    host. Filler pages are generated per request; nothing proportional to the filler size is
    kept in memory.
    """

    def __init__(self, seed: int = 0, filler_hosts: int = 0, pages_per_host: int = 1,
                 slow_delay: float = 2.0) -> None:
        if filler_hosts < 0 or pages_per_host < 1:
            raise ValueError("filler_hosts must be >= 0 and pages_per_host >= 1")
        if slow_delay < 0:
            raise ValueError("slow_delay must be >= 0")
        self.seed = seed
        self.slow_delay = slow_delay
        self._named = build_named(seed, slow_delay)
        self.filler = Filler(seed, filler_hosts, pages_per_host)
        self._cache: dict[tuple[str, str], Response] = {}
        self._lock = Lock()
        self._named_addresses = self._assign_addresses()

    # -- what the web is -------------------------------------------------------------------
    @property
    def target_host(self) -> str:
        return TARGET_HOST

    @property
    def target_home(self) -> str:
        return TARGET_HOME

    @property
    def target_urls(self) -> tuple[str, ...]:
        """Every URL on the target site that referring pages link to."""
        return TARGET_URLS

    def named_pages(self) -> list[ReferringPage]:
        """The archetype pages (small, fixed), in listing order."""
        return list(self._named.pages)

    def referring_pages(self) -> Iterator[ReferringPage]:
        """Every referring page: the archetypes, then filler pages (lazily)."""
        yield from self._named.pages
        yield from self.filler.referring_pages()

    def page_count(self) -> int:
        return len(self._named.pages) + len(self.filler)

    def hosts(self) -> Iterator[str]:
        yield from self._named.hosts
        yield from self.filler.host_names()

    def host_spec(self, host: str) -> HostSpec | None:
        spec = self._named.hosts.get(host)
        if spec is None and self.filler.host_index(host) is not None:
            spec = HostSpec(host, "filler")
        return spec

    # -- addresses -------------------------------------------------------------------------
    def address(self, host: str) -> str | None:
        """The IPv4 address of ``host`` (see the module docstring), ``None`` if unknown."""
        named = self._named_addresses.get(host)
        if named is not None:
            return named
        index = self.filler.host_index(host)
        if index is None:
            return None
        return f"100.{65 + (index // 256) % 63}.{index % 256}.{1 + (index // 16128) % 254}"

    def _assign_addresses(self) -> dict[str, str]:
        out: dict[str, str] = {}
        network = 10
        other = 0
        for host, spec in self._named.hosts.items():
            if spec.role == "network":
                out[host] = f"198.51.100.{network}"
                network += 1
            else:
                out[host] = f"100.64.{other}.1"
                other += 1
        return out

    def host_map(self) -> dict[str, str]:
        """Every host -> IPv4 address. Holds one entry per filler host: for very large webs
        prefer :meth:`iter_host_map` or :meth:`write_host_map`."""
        return dict(self.iter_host_map())

    def iter_host_map(self) -> Iterator[tuple[str, str]]:
        yield from self._named_addresses.items()
        for host in self.filler.host_names():
            address = self.address(host)
            assert address is not None
            yield host, address

    def write_host_map(self, path: Path) -> int:
        """Write the host map as one JSON object (``{"host": "ip", ...}``), streamed; returns
        the number of hosts."""
        count = 0
        with path.open("w", encoding="utf-8") as out:
            out.write("{")
            for host, address in self.iter_host_map():
                out.write(("," if count else "") + f"\n  {json.dumps(host)}: {json.dumps(address)}")
                count += 1
            out.write("\n}\n")
        return count

    # -- answering -------------------------------------------------------------------------
    def respond(self, host: str, path: str) -> Response | None:
        """The answer for ``GET http://<host><path>`` (path includes any query string);
        ``None`` when the host is not in the web."""
        host = host.lower().rstrip(".")
        spec = self.host_spec(host)
        if spec is None:
            return None
        if path == "/robots.txt":
            return plain(spec.robots_txt)
        if spec.role == "filler":
            found = self.filler.respond(host, path)
            return found if found is not None else _not_found()
        key = (host, path)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        make = self._named.routes.get(key)
        if make is None:
            return _not_found()
        response = make()
        if len(response.body) < 1_000_000:
            with self._lock:
                if len(self._cache) < _CACHED_ROUTES:
                    self._cache[key] = response
        return response


def _not_found() -> Response:
    return error_page(404, "Not Found")
