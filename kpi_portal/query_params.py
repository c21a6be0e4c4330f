"""Request values that name a database row, checked before any query (issue 15 item 4).

A 20-digit id reached the database: PostgreSQL compared it as a numeric, SQLite (the embedded
run) raised OverflowError, a 500. Ids are positive integers of at most 18 digits (every one fits
PostgreSQL's bigint and SQLite's integer); anything else is the person's mistake, answered 400
with a message by `BadQueryMiddleware` (kpi_portal/middleware.py), or 404 for a path (`<id:…>`).
"""

from __future__ import annotations

from django.urls import register_converter
from django.utils.translation import gettext

MAX_ID_DIGITS = 18


class BadQuery(Exception):
    """A query parameter that cannot be right; the message (Vietnamese) is shown with a 400."""


def row_id(value: str | None, *, what: str) -> int | None:
    """The id in `value` (None when empty), or BadQuery naming `what` was asked for."""
    if value is None or value == "":
        return None
    text = value.strip()
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_ID_DIGITS and int(text) > 0):
        raise BadQuery(
            gettext("Mã %(what)s không hợp lệ: %(value)s.")
            % {"what": what, "value": repr(value[:40])}
        )
    return int(text)


class RowIdConverter:
    """`<id:name>` in a URL: like `<int:…>`, but only ids a row can have (1 to 18 digits), so a
    longer number is a 404 before any query."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


# Registered when this module is first imported (once per process); URL modules that use `<id:…>`
# import it first.
register_converter(RowIdConverter, "id")
