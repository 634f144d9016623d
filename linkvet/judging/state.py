"""Link state from the outcomes of its checks: live, at risk, lost, or unverified.

Outcomes fall in three groups:

- ``live``: the link was seen on a reachable page;
- *losing* (:data:`LOSING_OUTCOMES`): the page was reached and the link is gone
  (``link_removed``), or the page itself is gone for search engines (``page_not_found``,
  ``page_gone``, ``redirected_away``, ``noindex``, ``canonicalised_away``, ``not_html``);
- *neutral* (:data:`NEUTRAL_OUTCOMES`): nothing was learnt about the link (``transient_failure``,
  ``server_error``, ``robots_blocked`` — linkvet obeys robots.txt, so a disallowed page is not a
  removed link). Neutral checks never make a link lost and never reset a losing streak.

Rules: ``consecutive_failures`` counts every check since the last live one; ``losing_streak``
counts the losing ones among them. A link is ``lost`` when ``losing_streak >= lost_after``
(``Settings.lost_after_checks``, 2 by default), ``at_risk`` when ``0 < losing_streak <
lost_after``, ``live`` when it was seen live at least once and is neither, and ``unverified``
when it has never been seen live and is not lost. ``lost_at`` is the time of the first check
of the losing streak (when the link was first found missing); ``lost_reason`` the outcome of the
latest losing check. A live check after a loss makes the link live again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any, Literal

LinkStatus = Literal["live", "at_risk", "lost", "unverified"]

LOSING_OUTCOMES: tuple[str, ...] = (
    "link_removed", "page_not_found", "page_gone", "redirected_away", "noindex",
    "canonicalised_away", "not_html",
)
NEUTRAL_OUTCOMES: tuple[str, ...] = ("transient_failure", "server_error", "robots_blocked")

# Facts whose change between two checks that both saw the link is recorded in link_changes.
TRACKED_FIELDS: tuple[str, ...] = ("rel", "anchor_text", "placement", "link_url", "follow")


@dataclass(frozen=True)
class Check:
    """The parts of one check the state rules read."""

    checked_at: datetime
    outcome: str
    check_id: str = ""
    link_present: bool = False
    facts: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class LinkState:
    status: LinkStatus
    checks: int
    first_checked: datetime | None
    last_checked: datetime | None
    last_live: datetime | None
    last_outcome: str | None
    consecutive_failures: int
    losing_streak: int
    lost_at: datetime | None
    lost_reason: str | None


@dataclass(frozen=True)
class Change:
    check_id: str
    changed_at: datetime
    field: str
    old: str | None
    new: str | None


def link_state(checks: Iterable[Check], lost_after: int = 2) -> LinkState:
    """The state of one link from its checks (any order)."""
    ordered = sorted(checks, key=lambda c: c.checked_at)
    last_live = max((c.checked_at for c in ordered if c.outcome == "live"), default=None)
    since = [c for c in ordered if last_live is None or c.checked_at > last_live]
    losing = [c for c in since if c.outcome in LOSING_OUTCOMES]
    streak = len(losing)
    if streak >= lost_after:
        status: LinkStatus = "lost"
    elif streak > 0:
        status = "at_risk"
    elif last_live is not None:
        status = "live"
    else:
        status = "unverified"
    return LinkState(
        status=status,
        checks=len(ordered),
        first_checked=ordered[0].checked_at if ordered else None,
        last_checked=ordered[-1].checked_at if ordered else None,
        last_live=last_live,
        last_outcome=ordered[-1].outcome if ordered else None,
        consecutive_failures=len(since),
        losing_streak=streak,
        lost_at=losing[0].checked_at if status == "lost" else None,
        lost_reason=losing[-1].outcome if status == "lost" else None,
    )


def fact_text(value: Any) -> str | None:
    """How a tracked fact is written in ``link_changes`` (lists joined by spaces, booleans as
    ``true``/``false``)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def link_changes(checks: Sequence[Check]) -> list[Change]:
    """Changes of :data:`TRACKED_FIELDS` between consecutive checks that saw the link."""
    seen = sorted((c for c in checks if c.link_present), key=lambda c: c.checked_at)
    changes: list[Change] = []
    for before, after in pairwise(seen):
        old, new = dict(before.facts), dict(after.facts)
        for name in TRACKED_FIELDS:
            a, b = fact_text(old.get(name)), fact_text(new.get(name))
            if a != b:
                changes.append(Change(after.check_id, after.checked_at, name, a, b))
    return changes
