"""Backlink exports (Ahrefs, Semrush, Majestic, Moz, GSC, Bing, plain CSV) read into rows.

See :func:`read_export`; the rules of each step live in the module that applies them:
``tables`` (encodings, delimiters, XLSX), ``columns`` (header names per tool), ``values``
(dates, numbers, yes/no), ``export`` (row rules and rejections).
"""

from __future__ import annotations

from linkvet.imports.columns import FIELDS, KNOWN_COLUMNS, TOOLS, Tool
from linkvet.imports.export import BacklinkRow, Rejection, read_export

__all__ = [
    "FIELDS",
    "KNOWN_COLUMNS",
    "TOOLS",
    "BacklinkRow",
    "Rejection",
    "Tool",
    "read_export",
]
