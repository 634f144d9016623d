"""Placement on the 90 real pages of ../shared/testdata/placement-dev (content-class F1)."""

from __future__ import annotations

import pytest

from tests.linkvet.facts.placement_dev import DEV, confusion, f1, load_labels, predict_page


@pytest.mark.skipif(not (DEV / "labels.json").is_file(),
                    reason=f"placement dev set not found at {DEV}")
def test_content_f1_on_dev_set_and_both_halves() -> None:
    labels = load_labels()
    preds = {pid: predict_page(pid, str(page["url"])) for pid, page in labels.items()}
    pids = sorted(labels)
    scores = {}
    for name, part in (("all", pids), ("first", pids[:45]), ("second", pids[45:])):
        tp, fp, fn, _ = confusion(labels, preds, part)
        scores[name] = f1(tp, fp, fn)[2]
    assert scores["all"] >= 0.90, scores
    # A classifier that fits some pages rather than the task shows a gap between halves.
    assert abs(scores["first"] - scores["second"]) < 0.05, scores
