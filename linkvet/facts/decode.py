"""Bytes to text for HTML bodies.

Rules, in order (the first that applies wins):

1. A byte-order mark (UTF-8, UTF-16 LE/BE) decides.
2. The ``charset`` of the HTTP ``Content-Type`` header.
3. A ``<meta charset>`` or ``<meta http-equiv="Content-Type" content="...charset=...">`` in
   the first 4 KiB (as browsers' prescan does, if a little less thoroughly).
4. Strict UTF-8.
5. cp1252 (the browsers' reading of "latin-1" and the usual guess for old Western pages).

A declared charset (2 or 3) that does not decode cleanly, while the bytes are valid UTF-8,
yields UTF-8: such pages were saved as UTF-8 and mis-declared. The reverse, a page declared
UTF-8 whose bytes are mostly not, is read as cp1252 (see :func:`_mostly_utf8_or_cp1252`).
Only the encodings of the WHATWG Encoding Standard (what browsers support) are honoured, each
read as browsers read it (``iso-8859-1`` as windows-1252, ``shift_jis`` as windows-31J...); a
label browsers do not know, or a Python codec that is not a web encoding (``utf-7``,
``unicode_escape``, ``utf-32``...), is skipped, as browsers skip it. When nothing decodes
strictly, the chosen charset decodes with replacement characters. Compression is the caller's
business.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_PRESCAN_BYTES = 4096
_CHARSET_IN_TYPE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_META = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_META_CHARSET = re.compile(rb"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]+)""", re.IGNORECASE)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# Labels of the WHATWG Encoding Standard that Python does not know, or knows as another
# codec, mapped before Python looks them up.
_ALIASES = {
    "utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    # A page cannot really be UTF-16 without a BOM when its declaration was read as ASCII.
    "utf-16": "utf-8",
    "utf-16le": "utf-8",
    "utf-16be": "utf-8",
    "windows-874": "cp874",
    "dos-874": "cp874",
    "iso-8859-8-i": "iso8859-8",
    "csiso88598i": "iso8859-8",
    "logical": "iso8859-8",
    "x-mac-cyrillic": "mac-cyrillic",
    "x-mac-ukrainian": "mac-cyrillic",
    "x-mac-roman": "mac-roman",
    "koi": "koi8-r",
    "koi8": "koi8-r",
    "cskoi8r": "koi8-r",
    "koi8-ru": "koi8-u",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "x-euc-jp": "euc_jp",
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "windows-949": "cp949",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
}
# Python codecs (by their canonical names) that WHATWG reads as a superset: browsers decode
# these labels with the larger table.
_AS_BROWSERS_READ = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "euc_kr": "cp949",
}
# The Python codecs of the WHATWG encodings (UTF-16 is only ever taken from a BOM).
_WEB_CODECS = frozenset({
    "utf-8", "cp866", "iso8859-2", "iso8859-3", "iso8859-4", "iso8859-5", "iso8859-6",
    "iso8859-7", "iso8859-8", "iso8859-10", "iso8859-13", "iso8859-14", "iso8859-15",
    "iso8859-16", "koi8-r", "koi8-u", "mac-roman", "mac-cyrillic", "cp874", "cp1250", "cp1251",
    "cp1252", "cp1253", "cp1254", "cp1255", "cp1256", "cp1257", "cp1258", "gb18030",
    "big5hkscs", "euc_jp", "iso2022_jp", "cp932", "cp949",
})


@dataclass(frozen=True, slots=True)
class Decoded:
    """The text of a body and the Python codec name used to read it."""

    text: str
    encoding: str


def charset_from_content_type(content_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type value, or ``None``."""
    if not content_type:
        return None
    found = _CHARSET_IN_TYPE.search(content_type)
    return found.group(1) if found else None


def charset_from_meta(head: bytes) -> str | None:
    """The charset declared by the first ``<meta>`` that declares one in ``head``."""
    for tag in _META.finditer(head[:_PRESCAN_BYTES]):
        found = _META_CHARSET.search(tag.group(0))
        if found:
            return found.group(1).decode("ascii", "replace")
    return None


def codec_for(label: str | None) -> str | None:
    """The Python codec that reads a charset label as browsers do, or ``None`` for a label
    that names no web encoding."""
    if not label:
        return None
    label = label.strip().lower()
    label = _ALIASES.get(label, label)
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    name = _AS_BROWSERS_READ.get(name, name)
    return name if name in _WEB_CODECS else None


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


def _mostly_utf8_or_cp1252(body: bytes) -> Decoded:
    """A body declared UTF-8 that is not valid UTF-8: when its broken sequences outnumber its
    valid non-ASCII characters it was written in a single-byte Western charset (cp1252);
    otherwise it is UTF-8 with a few bad bytes."""
    lossy = body.decode("utf-8", "replace")
    broken = lossy.count("\ufffd")
    valid = sum(1 for ch in lossy if ch > "\x7f" and ch != "\ufffd")
    if broken > valid:
        return Decoded(body.decode("cp1252", "replace"), "cp1252")
    return Decoded(lossy, "utf-8")


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML body by the rules in the module docstring."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(codec, "replace"), codec)
    declared = codec_for(charset_from_content_type(content_type)) or codec_for(
        charset_from_meta(body)
    )
    if declared is not None:
        text = _strict(body, declared)
        if text is not None:
            return Decoded(text, declared)
        utf8 = _strict(body, "utf-8")
        if utf8 is not None:
            return Decoded(utf8, "utf-8")
        if declared == "utf-8":
            return _mostly_utf8_or_cp1252(body)
        return Decoded(body.decode(declared, "replace"), declared)
    utf8 = _strict(body, "utf-8")
    if utf8 is not None:
        return Decoded(utf8, "utf-8")
    return Decoded(body.decode("cp1252", "replace"), "cp1252")
