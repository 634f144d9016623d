"""Google's disavow file: built from reviewed decisions, merged with the user's file, checked.

Format (Search Console, "Disavow links"): a UTF-8 ``.txt`` with one URL or
``domain:example.com`` per line and ``#`` comments; at most 100,000 lines (blank and comment
lines included) and 2 MB; URLs up to 2,048 characters. A domain line covers the domain and its
subdomains.

Rules: only ``disavow`` decisions are written; a whitelisted domain (and its subdomains) never
appears, not even from a merged file; merging keeps the user's lines in their order and drops
only duplicates, lines a domain line covers, and whitelisted lines (all reported).

Two URLs are the same when they are the same URL once parsed (WHATWG): host case, a default
port, an empty path and a fragment make no difference (the fragment never reaches the server).
URLs linkvet adds are written in that form, without user name or password. Domains compare in
their ASCII form (``bücher.example`` is ``xn--bcher-kva.example``). A comment line goes with each
entry linkvet adds while the file stays within the limits; when it would not, the entries are
written without them (the file says so).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from linkvet.errors import InputError
from linkvet.urls import ascii_host, host_of, parse

MAX_LINES = 100_000
MAX_BYTES = 2 * 1024 * 1024
MAX_URL_CHARS = 2048
DOMAIN_PREFIX = "domain:"


class DisavowLimitError(InputError):
    """The file would break one of Google's limits."""


@dataclass(frozen=True)
class DisavowEntry:
    """One reviewed disavow decision: a whole domain or one linking page URL."""

    value: str
    is_domain: bool
    who: str
    why: str
    decided_at: datetime


@dataclass(frozen=True)
class DisavowFile:
    text: str
    domains: tuple[str, ...]
    urls: tuple[str, ...]
    kept_lines: int                               # lines kept from the merged file
    dropped: tuple[str, ...] = field(default=())  # "line: why" for every line left out

    @property
    def lines(self) -> int:
        return self.text.count("\n")

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def _one_line(text: str) -> str:
    """A comment must stay one line: a newline in a reason would start a disavow line."""
    return " ".join(text.split())


def _domain(value: str) -> str:
    return ascii_host(value.strip().lower().rstrip("."))


def _url_key(url: str) -> str:
    """The URL as WHATWG serialises it, without user name, password and fragment (the input,
    stripped, when it does not parse)."""
    text = url.strip()
    parsed = parse(text)
    if parsed is None or not parsed.host:
        return text
    parsed.username = ""
    parsed.password = ""
    parsed.hash = ""
    return str(parsed.href)


def _under(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _covered(host: str, domains: Iterable[str]) -> str | None:
    return next((d for d in domains if _under(host, d)), None)


def build_disavow(entries: Sequence[DisavowEntry], *, target: str, generated: date,
                  existing: str | None = None, whitelist: Iterable[str] = ()) -> DisavowFile:
    """The disavow file for ``target`` (text ends with a newline). Raises
    :class:`DisavowLimitError` when it would break Google's limits."""
    white = sorted({_domain(w) for w in whitelist if w.strip()})
    dropped: list[str] = []
    new_domains = sorted({_domain(e.value) for e in entries if e.is_domain})
    for d in list(new_domains):
        if (w := _covered(d, white)) is not None:
            dropped.append(f"{DOMAIN_PREFIX}{d}: whitelisted ({w})")
            new_domains.remove(d)
    old_lines = existing.replace("\r\n", "\n").replace("\r", "\n").split("\n") \
        if existing else []
    if old_lines and old_lines[-1] == "":
        old_lines.pop()
    if old_lines and old_lines[0].startswith("\ufeff"):
        old_lines[0] = old_lines[0][1:]
    old_domains = {
        _domain(line.strip()[len(DOMAIN_PREFIX):]) for line in old_lines
        if line.strip().lower().startswith(DOMAIN_PREFIX)}
    all_domains = {d for d in old_domains if _covered(d, white) is None} | set(new_domains)

    kept: list[str] = []
    seen_domains: set[str] = set()
    seen_urls: set[str] = set()
    for number, line in enumerate(old_lines, start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            kept.append(line)
            continue
        if stripped.lower().startswith(DOMAIN_PREFIX):
            d = _domain(stripped[len(DOMAIN_PREFIX):])
            parent = _covered(d, all_domains - {d})
            white_by = _covered(d, white)
            if white_by is not None:
                dropped.append(f"{stripped}: whitelisted ({white_by})")
            elif d in seen_domains:
                dropped.append(f"{stripped}: duplicate")
            elif parent is not None:
                dropped.append(f"{stripped}: covered by {DOMAIN_PREFIX}{parent}")
            else:
                seen_domains.add(d)
                kept.append(line)
            continue
        if len(stripped) > MAX_URL_CHARS:
            raise DisavowLimitError(
                f"line {number} of your existing file is a URL of {len(stripped):,} characters; "
                f"Google accepts at most {MAX_URL_CHARS:,}. Nothing was written. Replace it by "
                f"its domain (domain:{host_of(stripped) or 'NAME'}) and run again.")
        host = host_of(stripped)
        by = _covered(host, all_domains)
        white_by = _covered(host, white)
        key = _url_key(stripped)
        if white_by is not None:
            dropped.append(f"{stripped}: whitelisted ({white_by})")
        elif by is not None:
            dropped.append(f"{stripped}: covered by {DOMAIN_PREFIX}{by}")
        elif key in seen_urls:
            dropped.append(f"{stripped}: duplicate")
        else:
            seen_urls.add(key)
            kept.append(line)

    head = [f"# linkvet disavow file for {_one_line(target)}",
            f"# generated {generated.isoformat()} from reviewed disavow decisions"]
    if kept:
        head += ["# --- kept from your existing file ---", *kept, "# --- added by linkvet ---"]
    reasons: dict[tuple[bool, str], DisavowEntry] = {}
    for e in sorted(entries, key=lambda e: e.decided_at):
        reasons[(e.is_domain, _domain(e.value) if e.is_domain else _url_key(e.value))] = e
    added: list[tuple[DisavowEntry, str]] = []  # (decision, line)
    added_domains: list[str] = []
    for d in new_domains:
        if d in seen_domains or _covered(d, all_domains - {d}) is not None:
            continue
        added.append((reasons[(True, d)], f"{DOMAIN_PREFIX}{_entry_value(d)}"))
        added_domains.append(d)
    added_urls: list[str] = []
    for (is_domain, url), e in sorted(reasons.items()):
        if is_domain or url in seen_urls:  # (reasons holds each URL once)
            continue
        host = host_of(url)
        if not host or url.startswith("#"):
            raise InputError(f"decision for {url!r} is not an absolute URL; review the link "
                             "again with its linking page URL or decide on the domain")
        if (w := _covered(host, white)) is not None:
            dropped.append(f"{url}: whitelisted ({w})")
            continue
        if _covered(host, all_domains) is not None:
            continue
        if len(url) > MAX_URL_CHARS:
            raise DisavowLimitError(
                f"URL of {len(url)} characters is longer than Google's {MAX_URL_CHARS}: {url[:80]}"
                f"... Disavow its domain instead: linkvet review domain:{host} --action disavow")
        added.append((e, _entry_value(url)))
        added_urls.append(url)
    kept_entries = sum(1 for line in kept if line.strip() and not line.strip().startswith("#"))
    result = DisavowFile(_text(head, added, comments=True), tuple(added_domains),
                         tuple(added_urls), kept_entries, tuple(dropped))
    if _over_limits(result):
        result = DisavowFile(_text(head, added, comments=False), result.domains, result.urls,
                             kept_entries, result.dropped)
    check_limits(result, merged=bool(old_lines))
    return result


def _entry_value(value: str) -> str:
    """A domain or URL as one disavow line: anything that would end the line is refused (the
    values come from linkvet's own store, so this is a guard, not a cleaning step)."""
    if value != _one_line(value) or not value:
        raise InputError(f"{value!r} cannot be one disavow line (it holds a line break or "
                         "space); review that decision again")
    return value


def _text(head: list[str], added: list[tuple[DisavowEntry, str]], *, comments: bool) -> str:
    out = list(head)
    if not comments and added:
        out.append("# (one comment per entry left out: with them the file would break "
                   "Google's limits; `linkvet decisions` lists who decided what and why)")
    for e, line in added:
        if comments:
            out.append(f"# {e.decided_at.date().isoformat()} {_one_line(e.who)}: "
                       f"{_one_line(e.why)}")
        out.append(line)
    return "\n".join(out) + "\n"


def _over_limits(file: DisavowFile) -> bool:
    return file.lines > MAX_LINES or file.size > MAX_BYTES


def check_limits(file: DisavowFile, *, merged: bool = False) -> None:
    long_urls = [u for u in file.urls if len(u) > MAX_URL_CHARS]
    if long_urls:
        raise DisavowLimitError(f"{len(long_urls)} URL(s) exceed {MAX_URL_CHARS} characters")
    if _over_limits(file):
        trim = " or trim the merged file's comments and blank lines" if merged else ""
        raise DisavowLimitError(
            f"the disavow file would have {file.lines:,} lines and {file.size:,} bytes; Google "
            f"accepts at most {MAX_LINES:,} lines and {MAX_BYTES:,} bytes. Nothing was written. "
            "Replace single-URL decisions by domain decisions (linkvet review domain:NAME "
            f"--action disavow){trim}, then run again.")

