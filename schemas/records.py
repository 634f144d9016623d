"""The record contract: what crosses a process boundary (Kafka, landing files, Parquet).

Every record carries ``schema_version``. A change that removes or renames a field bumps the
major version; adding an optional field bumps the minor (models refuse unknown fields, so an
older reader refuses the newer records: upgrade readers first). JSON Schema files next to
this module are generated from these models (``linkvet schemas --write``) and a test fails
when stale.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"  # 1.1: LinkCheck.links_omitted, DeadLetter.original_bytes

Outcome = Literal[
    "live",
    "link_removed",
    "page_not_found",
    "page_gone",
    "server_error",
    "redirected_away",
    "noindex",
    "canonicalised_away",
    "robots_blocked",
    "not_html",
    "transient_failure",
]
OUTCOMES: tuple[str, ...] = Outcome.__args__  # type: ignore[attr-defined]

Placement = Literal["content", "navigation", "header", "footer", "sidebar", "comments", "other"]
AnchorKind = Literal["text", "image", "empty"]
MatchKind = Literal["exact", "normalised", "same_host_path", "domain", "redirect"]
RenderPolicy = Literal["auto", "never", "always"]
ErrorKind = Literal[
    "dns",
    "connect",
    "timeout",
    "tls",
    "too_large",
    "not_html",
    "redirect_loop",
    "blocked_private",
    "http",
    "extract",
    "other",
]


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CrawlRequest(_Record):
    """One linking page to verify for one known link."""

    schema_name: Literal["CrawlRequest"] = "CrawlRequest"
    schema_version: str = SCHEMA_VERSION
    request_id: str
    run_id: str
    link_id: str
    source_url: str = Field(description="The linking page (where the backlink should be).")
    target: str = Field(description="Expected target: a URL, or a bare domain for any page on it.")
    render: RenderPolicy = "auto"
    priority: int = 0
    requested_at: datetime
    attempt: int = Field(1, ge=1)


class RedirectHop(_Record):
    url: str
    status: int | None = None
    kind: Literal["http", "meta_refresh", "refresh_header", "js"] = "http"


class FetchFacts(_Record):
    status: int | None = None
    final_url: str | None = None
    redirects: list[RedirectHop] = Field(default_factory=list)
    elapsed_ms: float | None = None
    bytes: int | None = None
    content_type: str | None = None
    rendered: bool = False
    render_reason: str | None = None
    robots_allowed: bool | None = None
    error_kind: ErrorKind | None = None
    error: str | None = None
    server_ip: str | None = None


class PageFacts(_Record):
    title: str | None = None
    language: str | None = None
    canonical: str | None = None
    canonical_is_self: bool | None = None
    meta_robots: list[str] = Field(default_factory=list)
    x_robots_tag: list[str] = Field(default_factory=list)
    noindex: bool = False
    nofollow: bool = False
    word_count: int = 0
    outbound_links: int = 0
    outbound_domains: int = 0
    internal_links: int = 0
    text_fingerprint: str | None = Field(
        None, description="64-bit simhash of the visible text, hex"
    )
    outbound_hosts: list[str] = Field(default_factory=list)


class LinkOccurrence(_Record):
    """One ``<a href>`` on the linking page that points at the target."""

    href: str
    url: str
    match: MatchKind
    href_chain: list[str] = Field(default_factory=list)
    anchor_text: str = ""
    anchor_kind: AnchorKind = "text"
    image_alt: str | None = None
    title: str | None = None
    rel: list[str] = Field(default_factory=list)
    follow: bool = True
    follow_cause: str = "default"
    placement: Placement = "other"
    dom_path: str = ""
    hidden: bool = False
    hidden_reason: str | None = None
    text_before: str = ""
    text_after: str = ""
    link_density: float = 0.0
    js_only: bool = False


class LinkCheck(_Record):
    """What one visit of one linking page found about one known link. Plain facts, no scores."""

    schema_name: Literal["LinkCheck"] = "LinkCheck"
    schema_version: str = SCHEMA_VERSION
    check_id: str
    request_id: str
    run_id: str
    link_id: str
    source_url: str
    target: str
    checked_at: datetime
    outcome: Outcome
    fetch: FetchFacts
    page: PageFacts = Field(default_factory=PageFacts)
    links: list[LinkOccurrence] = Field(default_factory=list)
    links_omitted: int = Field(
        0, ge=0,
        description="Occurrences found on the page but not listed in links: a check is kept "
                    "under the record size bound by dropping occurrences from the end of the "
                    "page, never the primary one (see schemas/fit.py).")

    @property
    def occurrences(self) -> int:
        """How many times the page links to the target (listed plus omitted)."""
        return len(self.links) + self.links_omitted


class DeadLetter(_Record):
    schema_name: Literal["DeadLetter"] = "DeadLetter"
    schema_version: str = SCHEMA_VERSION
    topic: str
    partition: int | None = None
    offset: int | None = None
    key: str | None = None
    original: str = Field(description="The original bytes, base64: all of them, or the first "
                                      "256 KiB when original_bytes is larger.")
    original_bytes: int | None = Field(
        None, ge=0, description="The original's size in bytes (its base64 would not fit in one "
                                "record beyond 256 KiB; read it whole from topic, partition "
                                "and offset).")
    error: str
    failed_at: datetime


RECORD_MODELS: dict[str, type[BaseModel]] = {
    "CrawlRequest": CrawlRequest,
    "LinkCheck": LinkCheck,
    "DeadLetter": DeadLetter,
}
