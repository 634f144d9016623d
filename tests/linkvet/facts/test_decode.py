from __future__ import annotations

import codecs

from linkvet.facts.decode import charset_from_meta, decode_html


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
