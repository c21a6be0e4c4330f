"""Cell parsers as polars expressions: they turn a text column into typed values, null where the
text cannot be read. A check elsewhere compares "text given" with "value read" to find the bad
cells, so parsing never loops over rows in Python.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from dossiers.importing.headers import normalise_label

# (format, has a time of day, has an offset). Tried in the order that suits the file best: see
# `_formats_for`.
_FORMATS = (
    ("%d/%m/%Y", False, False),
    ("%d/%m/%Y %H:%M", True, False),
    ("%d/%m/%Y %H:%M:%S", True, False),
    ("%Y-%m-%d", False, False),
    ("%Y-%m-%dT%H:%M:%S%.f", True, False),
    ("%Y-%m-%d %H:%M:%S%.f", True, False),
    ("%Y-%m-%dT%H:%M", True, False),
    ("%Y-%m-%d %H:%M", True, False),
    ("%Y-%m-%dT%H:%M:%S%.f%#z", True, True),
    ("%Y-%m-%d %H:%M:%S%.f%#z", True, True),
    ("%Y-%m-%dT%H:%M%#z", True, True),
    # The national sync record's forms (domain.md section 11).
    ("%Y%m%d%H%M%S", True, False),
    ("%Y%m%d", False, False),
)
_LOCAL = pl.Datetime("us")

YES_NO_WORDS = {
    "co": True,
    "x": True,
    "1": True,
    "true": True,
    "yes": True,
    "khong": False,
    "0": False,
    "false": False,
    "no": False,
}


def parse_datetimes(text: pl.Series, *, time_zone: str, end_of_day: bool = False) -> pl.Series:
    """Local naive datetimes of `dd/mm/yyyy[ HH:MM[:SS]]`, ISO 8601, `yyyyMMddHHmmss` or
    `yyyyMMdd` cells, null if unreadable.

    A cell with a date and no time is 00:00:00, or 23:59:59 with `end_of_day`. An ISO cell with
    an offset ("…+07:00", "…Z") is converted to local time. Seconds are whole (fractions cut).

    Each format parses only the cells no earlier format could read, so a file written in one
    format costs one pass; a failed pass over a million cells would cost as much as five good ones.
    """
    values = pl.Series(text.name, [None] * text.len(), dtype=_LOCAL)
    pending = text.is_not_null()
    for fmt, has_time, has_offset in _formats_for(text):
        index = pending.arg_true()
        if index.is_empty():
            break
        parsed = _strptime(text.gather(index), fmt, has_offset=has_offset, time_zone=time_zone)
        if end_of_day and not has_time:
            parsed = parsed + dt.timedelta(hours=23, minutes=59, seconds=59)
        hit = parsed.is_not_null()
        values = values.scatter(index.filter(hit), parsed.filter(hit))
        pending = pending.scatter(index.filter(hit), False)
    return values.dt.truncate("1s")


def _strptime(text: pl.Series, fmt: str, *, has_offset: bool, time_zone: str) -> pl.Series:
    if not has_offset:
        return text.str.strptime(_LOCAL, fmt, strict=False)
    aware = text.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False)
    return aware.dt.convert_time_zone(time_zone).dt.replace_time_zone(None)


def _formats_for(text: pl.Series) -> list[tuple[str, bool, bool]]:
    """The formats, those that read most of a sample of the column first."""
    sample = text.drop_nulls().head(200)
    if sample.is_empty():
        return []

    def hits(spec: tuple[str, bool, bool]) -> int:
        fmt, _, has_offset = spec
        parsed = _strptime(sample, fmt, has_offset=has_offset, time_zone="UTC")
        return parsed.is_not_null().sum()

    return sorted(_FORMATS, key=hits, reverse=True)


def parse_whole(column: str) -> pl.Expr:
    """A whole number that may come as a JSON or spreadsheet number ("2", "2.0", " 02 ")."""
    text = pl.col(column).str.replace_all(r"\s", "").str.replace(r"^(-?\d+)\.0+$", "${1}")
    return text.cast(pl.Int64, strict=False)


def parse_amount(column: str) -> pl.Expr:
    """An amount in đồng: "1500000", "1.500.000", "1,500,000", "1.500.000 đ"; negatives parse as
    negative numbers so that the check can say "negative" rather than "not a number"."""
    text = pl.col(column).str.replace(r"(?i)\s*(đồng|đ|vnđ|vnd)$", "").str.replace_all(r"\s", "")
    digits = (
        pl.when(text.str.contains(r"^-?\d{1,3}(\.\d{3})+$"))
        .then(text.str.replace_all(".", "", literal=True))
        .when(text.str.contains(r"^-?\d{1,3}(,\d{3})+$"))
        .then(text.str.replace_all(",", "", literal=True))
        .when(text.str.contains(r"^-?\d+$"))
        .then(text)
        .when(text.str.contains(r"^-?\d+\.0+$"))  # a JSON or spreadsheet number: 50000.0
        .then(text.str.replace(r"\.0+$", ""))
    )
    return digits.cast(pl.Int64, strict=False)


def parse_choice(frame: pl.DataFrame, column: str, words: dict, dtype: pl.DataType) -> pl.Expr:
    """Map a coded cell to its value by its normalised label ("Trực tuyến" → "truc_tuyen").

    Such columns hold a handful of distinct texts, so each distinct text is normalised once in
    Python and the column is mapped in one vectorised step. Unknown texts become null.
    """
    distinct = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {text: words.get(normalise_label(_whole(text))) for text in distinct}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=dtype)


def _whole(text: str) -> str:
    """A code written as a JSON or spreadsheet number reads as the integer: "2.0" is "2"."""
    return re.sub(r"^(\s*-?\d+)\.0+(\s*)$", r"\1\2", text)


def parse_yes_no(frame: pl.DataFrame, column: str, *, default: bool) -> pl.Expr:
    """Có/Không, x/empty, 1/0, true/false, yes/no; an empty cell is `default`."""
    value = parse_choice(frame, column, YES_NO_WORDS, pl.Boolean)
    return pl.when(pl.col(column).is_null()).then(pl.lit(default)).otherwise(value)


def unreadable(column: str, parsed: pl.Expr) -> pl.Expr:
    """True where the cell has text but it could not be read."""
    return pl.col(column).is_not_null() & parsed.is_null()
