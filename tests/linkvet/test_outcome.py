from __future__ import annotations

from typing import Any

import pytest

from linkvet.outcome import decide, is_html

BASE: dict[str, Any] = dict(
    status=200,
    robots_allowed=True,
    error_kind=None,
    content_type="text/html; charset=utf-8",
    source_url="http://blog.example/post",
    final_url="http://blog.example/post",
    link_present=True,
    noindex=False,
    canonical=None,
    canonical_is_self=None,
)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, "live"),
        ({"link_present": False}, "link_removed"),
        ({"robots_allowed": False, "status": None}, "robots_blocked"),
        ({"status": None, "error_kind": "timeout", "link_present": False}, "transient_failure"),
        ({"status": None, "error_kind": "dns", "link_present": False}, "transient_failure"),
        ({"status": None, "error_kind": "too_large", "link_present": False}, "transient_failure"),
        ({"status": 503, "link_present": False}, "transient_failure"),
        ({"status": 429, "link_present": False}, "transient_failure"),
        ({"status": 404, "link_present": False}, "page_not_found"),
        ({"status": 403, "link_present": False}, "page_not_found"),
        ({"status": 410, "link_present": False}, "page_gone"),
        ({"status": 500, "link_present": False}, "server_error"),
        ({"content_type": "application/pdf", "link_present": False}, "not_html"),
        ({"final_url": "http://elsewhere.example/", "link_present": False}, "redirected_away"),
        ({"final_url": "http://blog.example/home", "link_present": False}, "redirected_away"),
        # another site answers now, the link on it or not
        ({"final_url": "http://elsewhere.example/post"}, "redirected_away"),
        ({"final_url": "https://www.blog.example/post/"}, "live"),  # the same page
        ({"final_url": "http://blog.example/moved"}, "live"),  # same site, the link there
        # sent to the site's home page: a soft 404, the link there or not
        ({"final_url": "https://www.blog.example/"}, "redirected_away"),
        ({"final_url": "http://blog.example/?from=old", "link_present": False},
         "redirected_away"),
        ({"source_url": "http://blog.example/?p=123", "final_url": "http://blog.example/"},
         "redirected_away"),
        ({"source_url": "http://blog.example/", "final_url": "https://www.blog.example/"},
         "live"),
        # answers that show no page
        ({"status": 999, "link_present": False}, "transient_failure"),
        ({"status": 302, "error_kind": "http", "link_present": False}, "redirected_away"),
        ({"status": 204, "link_present": False, "empty_body": True}, "transient_failure"),
        ({"status": 200, "link_present": False, "empty_body": True}, "transient_failure"),
        ({"status": 404, "link_present": False, "empty_body": True}, "page_not_found"),
        # a redirect loop, whichever URL it stopped on
        ({"status": 301, "error_kind": "redirect_loop", "link_present": False},
         "redirected_away"),
        ({"status": 301, "error_kind": "redirect_loop", "link_present": False,
          "final_url": "http://blog.example/other"}, "redirected_away"),
        ({"final_url": "http://blog.example/new-post"}, "live"),
        ({"noindex": True}, "noindex"),
        ({"canonical": "http://other.example/x", "canonical_is_self": False}, "canonicalised_away"),
        ({"canonical": "http://blog.example/post", "canonical_is_self": True}, "live"),
    ],
)
def test_decide(changes: dict[str, Any], expected: str) -> None:
    assert decide(**{**BASE, **changes}) == expected


def test_transient_failure_is_never_a_removed_link() -> None:
    for kind in ("dns", "connect", "timeout", "tls", "other", "too_large", "blocked_private"):
        assert (
            decide(**{**BASE, "status": None, "error_kind": kind, "link_present": False})
            == "transient_failure"
        )


def test_is_html() -> None:
    assert is_html("text/html; charset=iso-8859-1")
    assert is_html("application/xhtml+xml")
    assert is_html(None)
    assert not is_html("application/pdf")
    assert not is_html("image/png")


def test_a_page_the_extractor_failed_on_says_nothing_about_the_link() -> None:
    assert decide(**{**BASE, "error_kind": "extract", "link_present": False}) == (
        "transient_failure")
