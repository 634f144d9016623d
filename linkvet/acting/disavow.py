"""Google's disavow file: built from reviewed decisions, merged with the user's file, checked.

Format (Search Console, "Disavow links"): a UTF-8 ``.txt`` with one URL or
``domain:example.com`` per line and ``#`` comments; at most 100,000 lines (blank and comment
lines included) and 2 MB; URLs up to 2,048 characters. A domain line covers the domain and its
subdomains.

Rules: only ``disavow`` decisions are written; a whitelisted domain (and its subdomains) never
appears, not even from a merged file; merging keeps the user's lines in their order and drops
only duplicates, lines a domain line covers, and whitelisted lines (all reported).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from linkvet.errors import InputError
from linkvet.urls import host_of

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
    return value.strip().lower().rstrip(".")


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
    for line in old_lines:
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
        host = host_of(stripped)
        by = _covered(host, all_domains)
        white_by = _covered(host, white)
        if white_by is not None:
            dropped.append(f"{stripped}: whitelisted ({white_by})")
        elif by is not None:
            dropped.append(f"{stripped}: covered by {DOMAIN_PREFIX}{by}")
        elif stripped in seen_urls:
            dropped.append(f"{stripped}: duplicate")
        else:
            seen_urls.add(stripped)
            kept.append(line)

    out = [f"# linkvet disavow file for {_one_line(target)}",
           f"# generated {generated.isoformat()} from reviewed disavow decisions"]
    if kept:
        out += ["# --- kept from your existing file ---", *kept, "# --- added by linkvet ---"]
    reasons: dict[tuple[bool, str], DisavowEntry] = {}
    for e in sorted(entries, key=lambda e: e.decided_at):
        reasons[(e.is_domain, _domain(e.value) if e.is_domain else e.value.strip())] = e
    added_domains: list[str] = []
    for d in new_domains:
        if d in seen_domains or _covered(d, all_domains - {d}) is not None:
            continue
        e = reasons[(True, d)]
        out += [f"# {e.decided_at.date().isoformat()} {_one_line(e.who)}: {_one_line(e.why)}",
                f"{DOMAIN_PREFIX}{d}"]
        added_domains.append(d)
    added_urls: list[str] = []
    for (is_domain, url), e in sorted(reasons.items()):
        if is_domain or url in seen_urls or url in added_urls:
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
        out += [f"# {e.decided_at.date().isoformat()} {_one_line(e.who)}: {_one_line(e.why)}",
                url]
        added_urls.append(url)
    text = "\n".join(out) + "\n"
    result = DisavowFile(text, tuple(added_domains), tuple(added_urls),
                         sum(1 for line in kept if line.strip() and not line.startswith("#")),
                         tuple(dropped))
    check_limits(result)
    return result


def check_limits(file: DisavowFile) -> None:
    long_urls = [u for u in file.urls if len(u) > MAX_URL_CHARS]
    if long_urls:
        raise DisavowLimitError(f"{len(long_urls)} URL(s) exceed {MAX_URL_CHARS} characters")
    if file.lines > MAX_LINES or file.size > MAX_BYTES:
        raise DisavowLimitError(
            f"the disavow file would have {file.lines:,} lines and {file.size:,} bytes; Google "
            f"accepts at most {MAX_LINES:,} lines and {MAX_BYTES:,} bytes. Nothing was written. "
            "Replace single-URL decisions by domain decisions (linkvet review domain:NAME "
            "--action disavow) or trim the merged file's comments, then run again.")

