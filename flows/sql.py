"""SQL expressions shared by flows, each the SQL rendering of one rule of ``linkvet``.

``tests/flows/test_sql.py`` checks every expression here against the Python rule it renders.
"""

from __future__ import annotations

# linkvet.urls.host_of for absolute http(s) URLs: lower-case host, no userinfo or port.
_HOST_PATTERN = r"^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#]+)"


def host_sql(url_expr: str) -> str:
    """The host of the URL in ``url_expr`` (a SQL expression), as linkvet.urls.host_of."""
    return f"lower(regexp_extract({url_expr}, '{_HOST_PATTERN}', 1))"
