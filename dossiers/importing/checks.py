"""Row checks: a list of (column, "is this cell bad?", reason) applied to a whole frame at once.

Each check is a polars expression, so validating a million rows is a handful of vectorised
passes; only the rejected rows are ever turned into Python objects, to build their messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from dossiers.importing.outcome import ERROR_SCHEMA, no_errors
from dossiers.importing.reading import ROW


@dataclass(frozen=True)
class Check:
    column: str  # the key of the column the reason is about
    bad: pl.Expr  # true on the rows this check rejects (null counts as fine)
    message: str | pl.Expr  # the reason, in Vietnamese; an expression may quote other cells


def run_checks(
    frame: pl.DataFrame, checks: list[Check], *, headers: dict[str, str]
) -> tuple[pl.Series, pl.DataFrame]:
    """Return a mask of the rejected rows and one error per (row, failed check).

    `frame` holds each column's original text under its key; `headers` maps a key to the header
    as written in the file, which is how errors name the column.
    """
    flags = frame.select(
        [check.bad.fill_null(False).alias(f"check_{i}") for i, check in enumerate(checks)]
    )
    rejected = (
        flags.select(pl.any_horizontal(pl.all())).to_series()
        if checks
        else pl.repeat(False, frame.height, eager=True)
    )
    parts = []
    for i, check in enumerate(checks):
        flag = flags.get_column(f"check_{i}")
        if not flag.any():
            continue
        message = pl.lit(check.message) if isinstance(check.message, str) else check.message
        parts.append(
            frame.filter(flag).select(
                pl.col(ROW).cast(pl.Int64).alias("row"),
                pl.lit(headers.get(check.column, check.column)).alias("column"),
                pl.col(check.column).cast(pl.String).alias("value"),
                message.cast(pl.String).alias("message"),
            )
        )
    if not parts:
        return rejected, no_errors()
    errors = pl.concat(parts).cast(ERROR_SCHEMA)  # type: ignore[arg-type]
    return rejected, errors.sort("row", maintain_order=True)


def missing(column: str) -> pl.Expr:
    return pl.col(column).is_null()


def too_long(column: str, limit: int) -> pl.Expr:
    return pl.col(column).str.len_chars() > limit
