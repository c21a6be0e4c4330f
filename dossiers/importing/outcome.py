"""What an import step hands back: a refusal of the whole file, or counts and row errors."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

# A frame of row errors: the file's row number, the column header as in the file, the cell's
# value and the reason (Vietnamese). A row may have several; it is rejected once.
ERROR_SCHEMA = {"row": pl.Int64, "column": pl.String, "value": pl.String, "message": pl.String}


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message is one Vietnamese sentence."""


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def no_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_SCHEMA)
