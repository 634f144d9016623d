from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from linkvet.judging.state import Check, link_changes, link_state

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def checks(*outcomes: str) -> list[Check]:
    return [Check(T0 + timedelta(days=i), o) for i, o in enumerate(outcomes)]


@pytest.mark.parametrize(("outcomes", "lost_after", "status", "streak", "lost_day"), [
    (("live",), 2, "live", 0, None),
    (("live", "link_removed"), 2, "at_risk", 1, None),
    (("live", "link_removed", "link_removed"), 2, "lost", 2, 1),
    (("live", "link_removed", "link_removed"), 3, "at_risk", 2, None),
    (("live", "link_removed"), 1, "lost", 1, 1),
    (("live",) + ("transient_failure",) * 5 + ("robots_blocked", "server_error"), 2, "live", 0,
     None),
    (("live", "page_gone", "transient_failure", "redirected_away"), 2, "lost", 2, 1),
    (("page_not_found", "noindex"), 2, "lost", 2, 0),
    (("transient_failure",), 2, "unverified", 0, None),
    ((), 2, "unverified", 0, None),
    (("live", "canonicalised_away", "canonicalised_away", "live"), 2, "live", 0, None),
])
def test_lost_only_after_n_consecutive_losing_checks(
        outcomes: tuple[str, ...], lost_after: int, status: str, streak: int,
        lost_day: int | None) -> None:
    state = link_state(checks(*outcomes), lost_after)
    assert (state.status, state.losing_streak) == (status, streak)
    assert state.lost_at == (T0 + timedelta(days=lost_day) if lost_day is not None else None)


def test_state_fields() -> None:
    state = link_state(checks("live", "transient_failure", "noindex", "page_gone"), 2)
    assert state.checks == 4
    assert (state.first_checked, state.last_checked, state.last_live) == (
        T0, T0 + timedelta(days=3), T0)
    assert (state.consecutive_failures, state.lost_reason, state.last_outcome) == (
        3, "page_gone", "page_gone")


def test_changes_between_sightings() -> None:
    a = Check(T0, "live", "c1", True, (("rel", []), ("anchor_text", "Acme"), ("follow", True)))
    gone = Check(T0 + timedelta(days=1), "link_removed", "c2")
    b = Check(T0 + timedelta(days=2), "live", "c3", True,
              (("rel", ["sponsored"]), ("anchor_text", "Acme"), ("follow", False)))
    changes = link_changes([b, gone, a])
    assert [(c.check_id, c.field, c.old, c.new) for c in changes] == [
        ("c3", "rel", "", "sponsored"), ("c3", "follow", "true", "false")]
