"""The disavow file builder: Google's format and limits, merging, whitelists."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from linkvet.acting.disavow import MAX_LINES, DisavowEntry, DisavowLimitError, build_disavow

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
    many = [entry(f"https://a{i}.example/", False) for i in range(MAX_LINES // 2)]
    with pytest.raises(DisavowLimitError, match="at most 100,000 lines"):
        build_disavow(many, target="acme.example", generated=GEN)
