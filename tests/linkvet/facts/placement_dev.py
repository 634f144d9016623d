"""Development helper: score link placement on ../shared/testdata/placement-dev in-process.

Run: ``.venv/bin/python -m tests.linkvet.facts.placement_dev [--errors PAGE_PREFIX]``. The
scoring follows the data set's README (content-class precision/recall/F1, a labelled link
matched by page, URL and, where several share the URL, anchor words)."""

from __future__ import annotations

import gzip
import json
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

DEV = Path(__file__).resolve().parents[3] / ".." / "shared" / "testdata" / "placement-dev"
_WORD = re.compile(r"\w+", re.UNICODE)

Prediction = dict[str, str]


def anchor_words(text: str) -> str:
    return " ".join(_WORD.findall((text or "").lower()))


def load_labels(dev: Path = DEV) -> dict[str, dict[str, object]]:
    return json.loads((dev / "labels.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def predict_page(pid: str, url: str, dev: Path = DEV) -> list[Prediction]:
    from linkvet.facts import analyse

    body = gzip.decompress((dev / "html" / f"{pid}.html.gz").read_bytes())
    result = analyse(body, url, all_links=True)
    return [{"url": link.url, "anchor_text": link.anchor_text, "placement": link.placement}
            for link in result.all_links]


def confusion(labels: dict[str, dict[str, object]], preds: dict[str, list[Prediction]],
              pages: Iterable[str] | None = None,
              on_error: Callable[[str, dict[str, str], bool], None] | None = None,
              ) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) of the content class."""
    tp = fp = fn = tn = 0
    for pid in pages if pages is not None else labels:
        by_url: dict[str, list[Prediction]] = {}
        for p in preds.get(pid, []):
            by_url.setdefault(p["url"], []).append(p)
        for link in labels[pid]["links"]:  # type: ignore[attr-defined]
            cands = by_url.get(link["url"], [])
            same = [p for p in cands if anchor_words(p["anchor_text"]) == link["anchor"]]
            predicted = any(p["placement"] == "content" for p in same or cands)
            truth = link["label"] == "content"
            tp += predicted and truth
            fp += predicted and not truth
            fn += truth and not predicted
            tn += not truth and not predicted
            if on_error is not None and predicted != truth:
                on_error(pid, link, bool(cands))
    return tp, fp, fn, tn


def f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    return prec, rec, (2 * prec * rec / (prec + rec) if prec + rec else 0.0)


def main(argv: list[str]) -> None:
    labels = load_labels()
    preds: dict[str, list[Prediction]] = {}
    times: list[float] = []
    for pid, page in labels.items():
        t0 = time.perf_counter()
        preds[pid] = predict_page(pid, str(page["url"]))
        times.append(time.perf_counter() - t0)
    times.sort()
    pids = sorted(labels)
    halves = {"all": pids, "first": pids[: len(pids) // 2], "second": pids[len(pids) // 2:]}
    for name, part in halves.items():
        tp, fp, fn, tn = confusion(labels, preds, part)
        p, r, f = f1(tp, fp, fn)
        print(f"{name:6} tp={tp} fp={fp} fn={fn} tn={tn} P={p:.3f} R={r:.3f} F1={f:.3f}")
    print(f"median all-links analyse {times[len(times) // 2] * 1000:.1f} ms")
    if "--errors" in argv:
        prefix = argv[argv.index("--errors") + 1] if len(argv) > argv.index("--errors") + 1 else ""

        def show(pid: str, link: dict[str, str], found: bool) -> None:
            if pid.startswith(prefix):
                kind = "FN" if link["label"] == "content" else "FP"
                print(f"{kind} {pid[:8]} {'' if found else 'MISSING '}{link['url'][:90]} "
                      f"| {link['anchor'][:60]}")

        confusion(labels, preds, pids, show)


if __name__ == "__main__":
    main(sys.argv[1:])
