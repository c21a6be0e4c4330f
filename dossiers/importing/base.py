"""What every importer (agencies, procedures, dossiers) offers the import service."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import polars as pl

from dossiers.importing.headers import Column
from dossiers.importing.outcome import Counts, no_errors
from dossiers.models import ImportBatch

Progress = Callable[[int], None]  # called with the number of rows checked so far


class Importer:
    """Checks a keyed frame of text cells, then either counts or writes what it would change.

    Used as a context manager: an importer may hold a database resource (a staging table)
    between `check` and `write`. `write` runs inside the caller's transaction.
    """

    columns: ClassVar[tuple[Column, ...]]

    def __init__(self, *, batch: ImportBatch, time_zone: str) -> None:
        self.batch = batch
        self.time_zone = time_zone

    def __enter__(self) -> Importer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def check(
        self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress
    ) -> pl.DataFrame:
        """Validate every row; return the row errors (outcome.ERROR_SCHEMA)."""
        raise NotImplementedError

    def count(self) -> Counts:
        """What `write` would do, without writing."""
        raise NotImplementedError

    def warnings(self) -> pl.DataFrame:
        """Messages about accepted rows (same schema as errors); none by default."""
        return no_errors()

    def write(self) -> Counts:
        raise NotImplementedError
