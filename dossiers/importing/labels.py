"""Header labels, compared loosely, and finding the header row below a title (pure Python: the
XLSX reading child imports it, so no Django and no polars here).

One-stop "dossier list" exports often open with a title ("DANH SÁCH HỒ SƠ", a date range) and a
blank row above the header row (docs/importing-from-one-stop.md). The header row is the first of
the first `HEADER_SEARCH_ROWS` non-empty rows in which at least `HEADER_MIN_MATCHES` cells are
known headers of the kind being imported; the rows above it are skipped, and every row keeps
the number it has in the file. When no row qualifies, the first row is the header row, as
before, and the header matching then says what is missing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Sequence

HEADER_SEARCH_ROWS = 10
# The column of row numbers every reader adds beside the file's own columns. A file's header
# can never be this name: a CSV holding a NUL byte is refused, XML (XLSX) cannot hold one, and a
# JSON key holding one is ignored (json_records); so "_row" in a file is an ordinary unknown
# header, not a clash (it crashed the reader before).
ROW = "\x00row"
HEADER_MIN_MATCHES = 2

_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def normalise_label(text: str) -> str:
    """Reduce a header or a coded cell ("Trực tuyến", "truc_tuyen") to a comparable key."""
    decomposed = unicodedata.normalize("NFD", str(text).lower().replace("đ", "d"))
    without_marks = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_ALNUM.sub("", without_marks)


def header_row_index(rows: Sequence[Sequence[str | None]], known: Collection[str]) -> int:
    """The index, among `rows` (the file's first non-empty rows, in order), of the header row:
    the first with `HEADER_MIN_MATCHES` cells whose `normalise_label` is in `known`; 0 when
    none is (or nothing is known)."""
    if not known:
        return 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        matches = sum(1 for cell in row if cell and normalise_label(cell) in known)
        if matches >= HEADER_MIN_MATCHES:
            return index
    return 0
