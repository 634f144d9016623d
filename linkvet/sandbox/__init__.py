"""The sandbox web: a deterministic, generated web of sites served on loopback as an HTTP
forward proxy, with the expected facts of every referring page (tests, demo, benchmarks).

Start here: :class:`SandboxWeb` (the pages and what a verifier must find on them),
:func:`write_ahrefs_export` (the third-party backlink list for the target),
:class:`SandboxServer` (the proxy). Nothing here imports a crawler or a broker.
"""

from __future__ import annotations

from linkvet.sandbox.archetypes import SHORT_URL, TARGET_HOME, TARGET_HOST, TARGET_URLS
from linkvet.sandbox.export import AHREFS_COLUMNS, iter_ahrefs_rows, write_ahrefs_export
from linkvet.sandbox.facts import (
    ExpectedFacts,
    ExpectedHop,
    ExpectedLink,
    Listing,
    ReferringPage,
)
from linkvet.sandbox.response import Response
from linkvet.sandbox.server import SandboxServer
from linkvet.sandbox.web import NETWORK_SUBNET, SandboxWeb

__all__ = [
    "AHREFS_COLUMNS",
    "NETWORK_SUBNET",
    "SHORT_URL",
    "TARGET_HOME",
    "TARGET_HOST",
    "TARGET_URLS",
    "ExpectedFacts",
    "ExpectedHop",
    "ExpectedLink",
    "Listing",
    "ReferringPage",
    "Response",
    "SandboxServer",
    "SandboxWeb",
    "iter_ahrefs_rows",
    "write_ahrefs_export",
]
