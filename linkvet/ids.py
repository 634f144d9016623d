"""Stable identifiers. A link is one (linking page, target) pair; a check is one visit of it in
one run. Ids are short hex digests so they are stable across processes and re-imports."""

from __future__ import annotations

import hashlib

from linkvet.urls import normalise


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8"), digest_size=10).hexdigest()


def link_id(source_url: str, target: str) -> str:
    return _digest("link", normalise(source_url), normalise(target))


def request_id(run_id: str, link: str) -> str:
    return _digest("req", run_id, link)


def check_id(request: str) -> str:
    """One check per request: a re-delivered or retried request yields the same check id, which
    is the dedupe key of ``link_checks``."""
    return _digest("check", request)
