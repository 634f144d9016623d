"""Development helper: time :func:`linkvet.facts.analyse` per page.

Run: ``.venv/bin/python -m tests.linkvet.facts.bench_analyse``. Prints the median time per page
of the placement dev set (target mode, all-links mode, and lxml parsing alone for scale) and
of a synthetic 20 KB article page."""

from __future__ import annotations

import gzip
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import cast

import lxml.html

from linkvet.facts import analyse
from tests.linkvet.facts.placement_dev import DEV, load_labels


def synthetic_page(size: int = 20_000) -> bytes:
    """An article page of about ``size`` bytes: menu, paragraphs with links, footer."""
    menu = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(20))
    paras: list[str] = []
    i = 0
    while sum(map(len, paras)) < size - 3000:
        paras.append(
            f"<p>Paragraph {i} of the story, with a sentence or two of ordinary prose, commas, "
            f'and a <a href="https://source{i % 7}.example/item/{i}">reference link</a> in the '
            "middle of it, followed by more words so that the block reads like text.</p>"
        )
        i += 1
    footer = "".join(f'<a href="/about/{i}">About {i}</a> ' for i in range(15))
    html = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Story</title></head>"
        f"<body><header><nav><ul>{menu}</ul></nav></header><main><article><h1>Story</h1>"
        f'{"".join(paras)}<p>See <a href="https://target.example/page">our target</a>.</p>'
        f"</article></main><footer>{footer}</footer></body></html>"
    )
    return html.encode("utf-8")


def median_ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times) * 1000


def main() -> None:
    labels = load_labels()
    target_ms, all_ms, parse_ms, sizes = [], [], [], []
    for pid, page in labels.items():
        body = gzip.decompress((DEV / "html" / f"{pid}.html.gz").read_bytes())
        sizes.append(len(body))
        url = str(page["url"])
        # labels.json: each page's "links" is a list of {"url", "anchor", "label"} strings.
        links = cast(list[dict[str, str]], page["links"])
        # A backlink is usually to another site: take a link labelled content, if any.
        content = [link["url"] for link in links if link["label"] == "content"]
        target = content[0] if content else "https://unrelated.example/"
        target_ms.append(median_ms(partial(analyse, body, url, target=target)))
        all_ms.append(median_ms(partial(analyse, body, url, all_links=True), 2))
        parse_ms.append(median_ms(partial(lxml.html.document_fromstring, body)))
    print(f"dev set: {len(sizes)} pages, median {statistics.median(sizes) / 1000:.0f} KB")
    print(f"  analyse(target=...)   median {statistics.median(target_ms):.2f} ms/page")
    print(f"  analyse(all_links)    median {statistics.median(all_ms):.2f} ms/page")
    print(f"  lxml parse only       median {statistics.median(parse_ms):.2f} ms/page")
    body = synthetic_page()
    print(f"synthetic {len(body) / 1000:.0f} KB page:")
    story, target = "https://site.example/story", "https://target.example/page"
    print("  analyse(target=...)  "
          f"{median_ms(lambda: analyse(body, story, target=target), 50):.2f} ms")
    print("  lxml parse only      "
          f"{median_ms(lambda: lxml.html.document_fromstring(body), 50):.2f} ms")


if __name__ == "__main__":
    main()
