"""What every importer (agencies, procedures, dossiers, staff postings) offers the pipeline.

A kind of import is one `Importer` subclass, registered in `dossiers.importing.registry`. The
pipeline (`dossiers.importing.pipeline`) reads the file, matches its header row to the
importer's `columns` and hands the importer the cells; the import service
(`dossiers.services`) then asks it to count or to write, inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl

from agencies.models import AuditAction
from dossiers.importing.headers import Column
from dossiers.importing.outcome import Counts, no_errors
from dossiers.models import ImportBatch

if TYPE_CHECKING:
    from dossiers.importing.pipeline import Report, Stream

Progress = Callable[[int], None]  # called with the number of rows checked so far


@dataclass
class CheckedFile:
    """What a streamed check found: the file's rows and how many were rejected."""

    rows: int
    rejected: int


class Importer:
    """Checks a keyed frame of text cells, then either counts or writes what it would change.

    Used as a context manager: an importer may hold a database resource (a staging table)
    between `check` and `write`. `write` runs inside the caller's transaction.
    """

    columns: ClassVar[tuple[Column, ...]]
    # The audit entry an applied batch of this kind records.
    audit_action: ClassVar[str] = AuditAction.IMPORT_APPLY
    # The error file (`--errors-out`, the page's download): after the row, column and reason,
    # the row's original cells (True), or the bad cell's value before the reason (False).
    errors_file_cells: ClassVar[bool] = True

    def __init__(self, *, batch: ImportBatch, time_zone: str) -> None:
        self.batch = batch
        self.time_zone = time_zone

    def __enter__(self) -> Importer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    # An importer that `streams` checks the file batch by batch (`check_stream`), so that its
    # memory does not grow with the file; the others get the whole file at once (`check`).
    streams: ClassVar[bool] = False

    def check(
        self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress
    ) -> pl.DataFrame:
        """Validate every row; return the row errors (outcome.ERROR_SCHEMA)."""
        raise NotImplementedError

    @classmethod
    def require(cls, headers: dict[str, str], *, file_name: str) -> None:
        """Refuse a file whose matched headers cannot be imported (streaming importers)."""

    def check_stream(self, stream: Stream, *, progress: Progress, report: Report) -> CheckedFile:
        """Validate every row of `stream`, handing each batch's row errors to `report`."""
        raise NotImplementedError

    def count(self) -> Counts:
        """What `write` would do, without writing."""
        raise NotImplementedError

    def warnings(self) -> pl.DataFrame:
        """Messages about accepted rows (same schema as errors); none by default."""
        return no_errors()

    def write(self) -> Counts:
        raise NotImplementedError
