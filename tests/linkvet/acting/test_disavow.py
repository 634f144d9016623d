"""The disavow file builder: Google's format and limits, merging, whitelists."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linkvet.acting.disavow import MAX_LINES, DisavowEntry, DisavowLimitError, build_disavow
from linkvet.errors import InputError

T = datetime(2026, 10, 6, 9, tzinfo=UTC)
GEN = date(2026, 10, 6)


def entry(value: str, is_domain: bool, why: str = "spam") -> DisavowEntry:
    return DisavowEntry(value, is_domain, "alice", why, T)


def test_new_file_has_domains_then_urls_with_reasons() -> None:
    f = build_disavow([entry("https://b.example/p", False, "paid\r\nlink"),
                       entry("Farm.Example", True), entry("https://x.farm.example/p", False)],
                      target="acme.example", generated=GEN)
    assert f.text == (
        "# linkvet disavow file for acme.example\n"
        "# generated 2026-10-06 from reviewed disavow decisions\n"
        "# 2026-10-06 alice: spam\ndomain:farm.example\n"
        "# 2026-10-06 alice: paid link\nhttps://b.example/p\n")
    assert (f.domains, f.urls, f.lines) == (("farm.example",), ("https://b.example/p",), 6)


def test_merge_keeps_user_lines_and_whitelist_wins() -> None:
    existing = "\ufeff# old\r\ndomain:farm.example\r\nhttps://sub.farm.example/x\r\n" \
               "domain:friend.example\r\nhttps://keep.example/1\r\n"
    f = build_disavow([entry("farm.example", True), entry("https://keep.example/1", False)],
                      target="acme.example", generated=GEN, existing=existing,
                      whitelist=["friend.example"])
    assert f.text.splitlines()[2:] == [
        "# --- kept from your existing file ---", "# old", "domain:farm.example",
        "https://keep.example/1", "# --- added by linkvet ---"]
    assert f.dropped == ("https://sub.farm.example/x: covered by domain:farm.example",
                         "domain:friend.example: whitelisted (friend.example)")
    assert f.kept_lines == 2


def test_limits_refuse_with_what_to_do() -> None:
    with pytest.raises(DisavowLimitError, match="Disavow its domain instead"):
        build_disavow([entry("https://a.example/" + "x" * 2100, False)],
                      target="acme.example", generated=GEN)
    too_many = [entry(f"https://a{i}.example/", False) for i in range(MAX_LINES)]
    with pytest.raises(DisavowLimitError, match="at most 100,000 lines") as raised:
        build_disavow(too_many, target="acme.example", generated=GEN)
    assert "merged file" not in str(raised.value)  # there is none to trim


def test_comments_are_left_out_when_the_entries_fit_only_without_them() -> None:
    many = [entry(f"https://a{i}.example/", False) for i in range(MAX_LINES // 2)]
    f = build_disavow(many, target="acme.example", generated=GEN)
    lines = f.text.splitlines()
    assert f.lines == len(lines) == 3 + MAX_LINES // 2
    assert lines[2].startswith("# (one comment per entry left out")
    assert lines[3:6] == ["https://a0.example/", "https://a1.example/", "https://a10.example/"]
    assert not any(line.startswith("# 2026") for line in lines)


def test_urls_compare_as_parsed_and_are_written_without_credentials() -> None:
    existing = "http://spam.example/p\nhttp://spam.example\n"
    f = build_disavow([entry("http://SPAM.example:80/p#top", False),
                       entry("http://spam.example/", False),
                       entry("http://USER:pw@other.example:8080/z", False),
                       entry("http://other.example:8080/z#x", False)],
                      target="acme.example", generated=GEN, existing=existing)
    assert f.urls == ("http://other.example:8080/z",)
    assert [line for line in f.text.splitlines() if not line.startswith("#")] == [
        "http://spam.example/p", "http://spam.example", "http://other.example:8080/z"]
    f = build_disavow([], target="acme.example", generated=GEN,
                      existing="http://a.example/p\nhttp://A.example/p#x\n")
    assert f.dropped == ("http://A.example/p#x: duplicate",)


def test_domains_compare_in_their_ascii_form() -> None:
    existing = "domain:bücher.example\nhttps://bücher.example/a\ndomain:straße.example\n"
    f = build_disavow([entry("xn--strae-oqa.example", True)], target="acme.example",
                      generated=GEN, existing=existing, whitelist=["xn--bcher-kva.example"])
    assert [line for line in f.text.splitlines() if not line.startswith("#")] == [
        "domain:straße.example"]
    assert f.domains == ()
    assert f.dropped == ("domain:bücher.example: whitelisted (xn--bcher-kva.example)",
                         "https://bücher.example/a: whitelisted (xn--bcher-kva.example)")


def test_a_merged_url_over_googles_length_is_refused_by_line() -> None:
    existing = "# mine\nhttps://ok.example/\nhttps://long.example/" + "x" * 2100 + "\n"
    with pytest.raises(DisavowLimitError, match="line 3 of your existing file") as raised:
        build_disavow([], target="acme.example", generated=GEN, existing=existing)
    assert "domain:long.example" in str(raised.value)


def test_a_value_that_would_break_its_line_is_refused() -> None:
    with pytest.raises(InputError, match="cannot be one disavow line"):
        build_disavow([entry("spam.example\nhttp://victim.example/", True)],
                      target="acme.example", generated=GEN)


def test_kept_entries_do_not_count_indented_comments() -> None:
    f = build_disavow([], target="acme.example", generated=GEN,
                      existing="  # c\ndomain:x.example\n\n")
    assert f.kept_lines == 1
