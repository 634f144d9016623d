"""When to render a page in Chromium: only when needed, and always say why.

Static fetch first. Render when the request asks for it (``always``), or — under ``auto`` —
when the target link was not found statically and the page shows signs of being built by
JavaScript: an app-shell mount point (``id="root"``, ``id="app"``, ``id="__next"``,
``ng-app``, ``data-reactroot``...), little visible text relative to the amount of script, or a
``<noscript>`` asking for JavaScript.
"""

from __future__ import annotations

import re

# Tags are scanned up to the next "<" as well as ">": a body of many unclosed "<div" would
# otherwise make each scan run to the end of the 200 KB head (minutes).
_SHELL = re.compile(
    rb"""<(?:div|main|body)[^<>]+(?:id=["']?(?:root|app|__next|__nuxt|main-app|svelte)["'\s>]"""
    rb"""|ng-app|data-reactroot|data-server-rendered|ng-version)""",
    re.IGNORECASE,
)
_SCRIPT = re.compile(rb"<script\b", re.IGNORECASE)
_NOSCRIPT_JS = re.compile(rb"<noscript[^<>]*>[^<]{0,200}(?:enable|requires?)\s+javascript",
                          re.I)


def js_signals(body: bytes, word_count: int) -> list[str]:
    """The signs that the page is built by JavaScript (empty list: none)."""
    head = body[:200_000]
    signals: list[str] = []
    if _SHELL.search(head):
        signals.append("app_shell")
    scripts = len(_SCRIPT.findall(head))
    if scripts and word_count < 80:
        signals.append("little_text")
    if _NOSCRIPT_JS.search(head):
        signals.append("noscript_requires_js")
    return signals


def render_reason(policy: str, *, link_found: bool, body: bytes, word_count: int) -> str | None:
    """Why to render this page (``None``: do not). ``policy`` is ``auto``/``never``/``always``."""
    if policy == "never":
        return None
    if policy == "always":
        return "requested"
    if link_found:
        return None
    signals = js_signals(body, word_count)
    return "link_missing_js_page:" + "+".join(signals) if signals else None
