from __future__ import annotations

import codecs

import pytest

from linkvet.facts.decode import Decoded, charset_from_meta, decode_html


def test_bom_wins_over_declarations() -> None:
    body = codecs.BOM_UTF8 + "<meta charset=iso-8859-2>é".encode()
    assert decode_html(body, "text/html; charset=cp1251") == decode_html(body)
    assert decode_html(body).encoding == "utf-8"
    assert decode_html(body).text == "<meta charset=iso-8859-2>é"


def test_utf16_bom() -> None:
    body = codecs.BOM_UTF16_LE + "<p>ü</p>".encode("utf-16-le")
    assert decode_html(body).text == "<p>ü</p>"
    assert decode_html(body).encoding == "utf-16-le"


def test_header_charset_then_meta() -> None:
    body = "<meta charset='koi8-r'><p>Привет</p>".encode("koi8-r")
    assert decode_html(body).encoding == "koi8-r"
    assert decode_html(body).text.endswith("Привет</p>")
    latin = "<p>café</p>".encode("cp1252")
    assert decode_html(latin, "text/html; charset=ISO-8859-1").encoding == "cp1252"


def test_http_equiv_meta() -> None:
    head = b'<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
    assert charset_from_meta(head) == "Shift_JIS"
    body = head + "日本".encode("shift_jis")
    assert decode_html(body).text.endswith("日本")


def test_misdeclared_utf8_page_reads_as_utf8() -> None:
    body = "<meta charset=ascii><p>naïve – “quoted”</p>".encode()
    decoded = decode_html(body, "text/html; charset=shift_jis")
    assert decoded.encoding == "utf-8"
    assert decoded.text.endswith("naïve – “quoted”</p>")


def test_undeclared_falls_back_to_utf8_then_cp1252() -> None:
    assert decode_html("<p>ß</p>".encode()).encoding == "utf-8"
    decoded = decode_html("<p>Ærø – x</p>".encode("cp1252"))
    assert (decoded.encoding, decoded.text) == ("cp1252", "<p>Ærø – x</p>")


def test_unknown_declared_charset_is_ignored() -> None:
    assert decode_html(b"<p>x</p>", "text/html; charset=x-no-such").encoding == "utf-8"


def test_declared_utf8_but_written_in_latin1_reads_as_cp1252() -> None:
    body = "<p>Équipe Forêt</p>".encode("latin-1")
    got = decode_html(body, "text/html; charset=utf-8")
    assert (got.text, got.encoding) == ("<p>Équipe Forêt</p>", "cp1252")


def test_utf8_with_one_stray_byte_stays_utf8() -> None:
    body = "<p>Équipe Forêt — ça va</p>".encode() + b"\xff"
    got = decode_html(body, "text/html; charset=utf-8")
    assert (got.text, got.encoding) == ("<p>Équipe Forêt — ça va</p>\ufffd", "utf-8")


@pytest.mark.parametrize("label", ["utf-7", "unicode_escape", "utf-32", "punycode", "cp037"])
def test_codecs_that_are_no_web_encoding_are_ignored_as_browsers_ignore_them(label: str) -> None:
    # Read as UTF-7 this would be "<b>": markup that no browser shows.
    decoded = decode_html(b"<p>+ADw-b+AD4- \\u0041</p>", f"text/html; charset={label}")
    assert (decoded.encoding, decoded.text) == ("utf-8", "<p>+ADw-b+AD4- \\u0041</p>")


@pytest.mark.parametrize(("label", "body", "encoding", "text"), [
    ("windows-874", "<p>สวัสดี</p>".encode("cp874"), "cp874", "<p>สวัสดี</p>"),  # unknown to Python
    ("x-mac-cyrillic", "<p>Привет</p>".encode("mac-cyrillic"), "mac-cyrillic", "<p>Привет</p>"),
    ("iso-8859-9", b"<p>\x80 \xdd</p>", "cp1254", "<p>€ İ</p>"),       # read as windows-1254
    ("Shift_JIS", "<p>①</p>".encode("cp932"), "cp932", "<p>①</p>"),   # read as windows-31J
    ("euc-kr", "<p>똠</p>".encode("cp949"), "cp949", "<p>똠</p>"),      # read as windows-949
])
def test_web_labels_read_as_browsers_read_them(
        label: str, body: bytes, encoding: str, text: str) -> None:
    assert decode_html(body, f"text/html; charset={label}") == Decoded(text, encoding)
