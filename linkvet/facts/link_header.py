"""The HTTP ``Link`` header (RFC 8288, section 3), read for its ``rel`` relations.

A header holds link-values separated by commas; each is ``<target>`` followed by parameters
``; name=value``, a value being a token or a quoted string (in which commas and semicolons are
text, and a backslash escapes the next character). ``rel`` is a space-separated list of relation
types, compared case-insensitively; a second ``rel`` in one link-value is ignored.

One pass over the header, so a hostile header costs linear time (a 50 KB header of ``<`` or of
``;rel=`` is read in milliseconds).
"""

from __future__ import annotations

from collections.abc import Iterator


def links(header: str) -> Iterator[tuple[str, list[str]]]:
    """``(target, relation types)`` of each link-value of one ``Link`` header, in order. The
    target is as written (resolve it against the response URL); relation types are
    lower-case."""
    i, n = 0, len(header)
    while i < n:
        start = header.find("<", i)
        if start < 0:
            return
        end = header.find(">", start + 1)
        if end < 0:
            return
        # "<" cannot be in a URI reference: the target starts after the last one before ">"
        start = header.rfind("<", start, end)
        target = header[start + 1:end]
        rel, i = _params(header, end + 1)
        yield target, rel


def _params(header: str, i: int) -> tuple[list[str], int]:
    """The relation types of the parameters from ``i`` to the end of the link-value, and the
    index after that link-value's closing comma."""
    n = len(header)
    rel: list[str] | None = None
    while i < n:
        c = header[i]
        if c == ",":
            return rel or [], i + 1
        if c != ";":
            i += 1
            continue
        eq = i + 1
        while eq < n and header[eq] not in "=;,":
            eq += 1
        name = header[i + 1:eq].strip().lower()
        value = ""
        i = eq
        if eq < n and header[eq] == "=":
            value, i = _value(header, eq + 1)
        if name == "rel" and rel is None:
            rel = value.lower().split()
    return rel or [], n


def _value(header: str, i: int) -> tuple[str, int]:
    """A parameter value from ``i`` (after ``=``): a quoted string or a token; the index after
    it."""
    n = len(header)
    while i < n and header[i] in " \t":
        i += 1
    if i < n and header[i] == '"':
        out: list[str] = []
        i += 1
        while i < n:
            c = header[i]
            if c == "\\" and i + 1 < n:
                out.append(header[i + 1])
                i += 2
                continue
            if c == '"':
                return "".join(out), i + 1
            out.append(c)
            i += 1
        return "".join(out), n
    end = i
    while end < n and header[end] not in ";,":
        end += 1
    return header[i:end].strip(), end
