"""The outcome of a check, decided from plain facts. One rule set, used by the spider and tests.

Order matters; the first rule that holds wins:

=====================  ==================================================================
outcome                when
=====================  ==================================================================
robots_blocked         robots.txt disallows the page (the page was not fetched)
transient_failure      no HTTP answer (DNS, connect, timeout, TLS, a page over the size
                       cap...) or 429 / 502 / 503 / 504 after retries, or a status outside
                       200-599 (LinkedIn's 999...): says nothing about the link
                       (``error_kind`` says why); so does a page the extractor failed on
                       (``extract``), and a 2xx HTML answer with an empty body
page_gone              410
page_not_found         404
server_error           any other 5xx
not_html               2xx with a non-HTML content type
redirected_away        a 3xx that cannot be followed (no ``Location``; 300), or the page
                       redirected to its site's home page (a soft 404, with or without
                       the link), or to another site (with or without the link: it
                       would come from another referring domain), or to a page of the
                       same site without the link, or the redirects looped or ran past
                       the hop limit (``error_kind=redirect_loop``: a broken redirect)
live                   the link is on the page, and the page is indexable and canonical
noindex                the link is there but the page is noindex (meta robots/X-Robots-Tag)
canonicalised_away     the link is there but the page's canonical points elsewhere
link_removed           the page answered 2xx HTML and the link is not on it
=====================  ==================================================================

A transient failure is never reported as a removed link. Other 4xx answers (401, 403, 451)
count as ``page_not_found``: the page is not publicly reachable.
"""

from __future__ import annotations

from linkvet.urls import domain_of, normalise

TRANSIENT_STATUSES = frozenset({408, 425, 429, 502, 503, 504, 520, 521, 522, 523, 524})
HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html(content_type: str | None) -> bool:
    """HTML by Content-Type; a missing type counts as HTML (browsers sniff, so do we)."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


def decide(
    *,
    status: int | None,
    robots_allowed: bool | None,
    error_kind: str | None,
    content_type: str | None,
    source_url: str,
    final_url: str | None,
    link_present: bool,
    noindex: bool,
    canonical: str | None,
    canonical_is_self: bool | None,
    empty_body: bool = False,
) -> str:
    """The outcome for one check (see the module table)."""
    if robots_allowed is False:
        return "robots_blocked"
    if error_kind == "redirect_loop":
        # no page answered: the redirects went round (or past the hop limit); backlink tools
        # call this a broken redirect, a reason a link is lost, never a removed link
        return "redirected_away"
    if status is None or error_kind == "extract":
        return "transient_failure"
    if status in TRANSIENT_STATUSES or not 200 <= status < 600:
        return "transient_failure"
    if 300 <= status < 400:
        # a 3xx that could not be followed (no Location, 300 Multiple Choices): broken
        return "redirected_away"
    if status == 410:
        return "page_gone"
    if status >= 500:
        return "server_error"
    if status >= 400:
        return "page_not_found"
    if not is_html(content_type) or error_kind == "not_html":
        return "not_html"
    if empty_body:
        return "transient_failure"  # a 2xx with nothing in it (204, a glitch) shows no page
    if not final_url or final_url == source_url:
        # answered at the URL asked for (most pages): nothing moved
        return _on_the_page(link_present, noindex, canonical, canonical_is_self)
    if domain_of(final_url) != domain_of(source_url) or _sent_home(source_url, final_url):
        # another site answers now (a link there comes from another referring domain), or
        # the site's home page does (the page is gone: a soft 404; a link there, in the
        # site's footer, is not the link that was on the page)
        return "redirected_away"
    if not link_present and _redirected(source_url, final_url):
        return "redirected_away"
    return _on_the_page(link_present, noindex, canonical, canonical_is_self)


def _on_the_page(link_present: bool, noindex: bool, canonical: str | None,
                 canonical_is_self: bool | None) -> str:
    """The outcome of a page that answered where the link was expected."""
    if not link_present:
        return "link_removed"
    if noindex:
        return "noindex"
    if canonical and canonical_is_self is False:
        return "canonicalised_away"
    return "live"


def _sent_home(source_url: str, final_url: str | None) -> bool:
    """A page other than the home page redirected to its site's home page."""
    if not final_url:
        return False
    source, final = normalise(source_url), normalise(final_url)
    final_path = final.split("?", 1)[0]
    home = final_path.endswith("/") and final_path.count("/") == 1
    # the source was not the home page: another path, or a query (WordPress's /?p=123)
    return home and source != final and (source.split("?", 1)[0] != final_path or "?" in source)


def _redirected(source_url: str, final_url: str | None) -> bool:
    return bool(final_url) and normalise(final_url or "") != normalise(source_url)
