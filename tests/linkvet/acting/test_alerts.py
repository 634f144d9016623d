"""Pure alert rules: ids, the robust spike baseline, the anchor threshold, clusters."""

from __future__ import annotations

from datetime import date

import pytest

from linkvet.acting.alerts import (
    AlertConfig,
    alert_id,
    exact_groups,
    exact_share_crossed,
    make_alert,
    newly_unfollowed,
    spike_verdict,
    subnet24,
    template_clusters,
)

DAY = date(2026, 10, 3)


def test_alert_id_is_stable_per_kind_subject_day() -> None:
    assert alert_id("js_only", "abc", DAY) == alert_id("js_only", "abc", DAY)
    assert len({alert_id("js_only", "abc", DAY), alert_id("js_only", "abd", DAY),
                alert_id("rel_changed", "abc", DAY),
                alert_id("js_only", "abc", date(2026, 10, 4))}) == 4
    alert = make_alert("toxic_cluster", "subnet:10.0.0.0/24", "acme.example", DAY, {"n": 3})
    assert alert.severity == "critical"
    assert alert.payload()["evidence_day"] == "2026-10-03"
    with pytest.raises(ValueError, match="unknown alert kind 'nope'"):
        make_alert("nope", "x", "acme.example", DAY)


def test_newly_unfollowed_tokens() -> None:
    assert newly_unfollowed("", "sponsored nofollow") == ("nofollow", "sponsored")
    assert newly_unfollowed("nofollow", "nofollow,UGC") == ("ugc",)
    assert newly_unfollowed("sponsored", "noopener") == ()


def test_spike_uses_median_and_mad_not_a_fixed_threshold() -> None:
    history = [10, 12, 9, 11, 10, 50, 10, 11]  # one big day does not move the baseline
    verdict = spike_verdict(history, 20)
    assert (verdict.median, verdict.mad) == (10.5, 0.5)
    assert verdict.threshold == pytest.approx(13.5)
    assert verdict.spike
    assert not spike_verdict(history, 13).spike
    assert spike_verdict([0] * 10, 3).spike
    assert not spike_verdict([0] * 10, 2).spike
    short = spike_verdict([1, 2], 99)
    assert (short.threshold, short.spike) == (None, False)
    assert spike_verdict([100] * 30 + [0] * 28, 5, AlertConfig(spike_window=28)).spike


def test_exact_share_alerts_when_crossing_only() -> None:
    cfg = AlertConfig(exact_share_max=0.3, exact_min_links=10)
    assert exact_share_crossed(0.2, 0.31, 10, cfg)
    assert exact_share_crossed(None, 0.5, 10, cfg)
    assert not exact_share_crossed(0.35, 0.4, 10, cfg)
    assert not exact_share_crossed(0.2, 0.3, 10, cfg)
    assert not exact_share_crossed(0.2, 0.9, 9, cfg)


def test_subnets_and_template_clusters() -> None:
    assert subnet24("10.9.9.17") == "10.9.9.0/24"
    assert subnet24("::1") is None and subnet24("10.9.9") is None and subnet24(None) is None
    assert exact_groups([("b.x", "s1"), ("a.x", "s1"), ("c.x", "s2"), ("a.x", "s1")]) == {
        "s1": ["a.x", "b.x"], "s2": ["c.x"]}
    prints = {"a.x": ["00000000000000ff"], "b.x": ["00000000000000fe"],
              "c.x": ["00000000000000fc"], "d.x": ["ffffffff00000000"], "e.x": []}
    assert template_clusters(prints) == [("00000000000000fc", ["a.x", "b.x", "c.x"]),
                                         ("ffffffff00000000", ["d.x"])]
