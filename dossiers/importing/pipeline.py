"""The one import pipeline: from a batch's kept file to an importer holding checked rows.

For every kind alike: read the file (`reading`: CSV or XLSX, bounded), match its header row to
the kind's columns (`headers`), key the cells by column, let the kind's importer check them,
store the row errors, and refuse the whole file under `--atomic` when a row is bad. What happens
next (count for a validation, write for an apply) and the batch's status are the import
service's (`dossiers.services`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from django.conf import settings

from dossiers.importing.base import Importer
from dossiers.importing.headers import Column, known_labels, match_headers
from dossiers.importing.outcome import ImportRefused
from dossiers.importing.reading import ROW, Table, read_table
from dossiers.importing.registry import importer_for
from dossiers.models import ImportBatch, ImportRowError


@contextmanager
def checked(batch: ImportBatch) -> Iterator[Importer]:
    """Read and check the batch's file; yield its importer, ready to count or write.

    Sets the batch's `total_rows`, `processed_rows` and `rejected` and stores its row errors.
    Raises ImportRefused when the file as a whole cannot be imported.
    """
    importer_class = importer_for(batch.kind)
    table = read_file(batch, known=known_labels(importer_class.columns))
    headers = match_headers(table.headers, importer_class.columns, file_name=batch.original_name)
    refuse_nested(table.nested, headers, importer_class.columns, file_name=batch.original_name)
    frame = keyed(table.frame, headers, importer_class.columns)
    batch.total_rows = frame.height
    batch.refusal = ""

    def progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=done)

    with importer_class(batch=batch, time_zone=settings.TIME_ZONE) as importer:
        errors = importer.check(frame, headers=headers, progress=progress)
        batch.processed_rows = frame.height
        batch.rejected = errors.get_column("row").n_unique()
        store_messages(batch, errors, warning=False)
        if batch.rejected and batch.atomic:
            raise ImportRefused(
                f"Tệp {batch.original_name} có {batch.rejected} dòng lỗi; vì chọn «tất cả hoặc "
                "không» (--atomic), không dòng nào được nhập."
            )
        yield importer


def refuse_nested(
    nested: dict[str, int], headers: dict[str, str], columns: tuple[Column, ...], *, file_name: str
) -> None:
    """A JSON list or object where the column wants a text, a number or true/false: the whole
    file is refused, naming the first record and the field (json_records)."""
    for column in columns:
        header = headers.get(column.key)
        if header in nested and not column.nested:
            raise ImportRefused(
                f"Tệp {file_name}: trường «{header}» của bản ghi thứ {nested[header]} là một danh "
                "sách hoặc đối tượng JSON, nhưng trường này phải là chuỗi, số hoặc true/false."
            )


def read_file(batch: ImportBatch, *, known: frozenset[str] = frozenset()) -> Table:
    try:
        path = Path(batch.file.path)
    except (ValueError, NotImplementedError) as exc:
        raise ImportRefused(f"Không mở được tệp {batch.original_name}.") from exc
    try:
        return read_table(
            path, file_name=batch.original_name, sheet=batch.sheet or None, known=known
        )
    except OSError as exc:
        raise ImportRefused(f"Không đọc được tệp {batch.original_name}: {exc}.") from exc


def keyed(frame: pl.DataFrame, headers: dict[str, str], columns: tuple[Column, ...]):
    """The file's cells under the importer's column keys; absent optional columns are null."""
    return frame.select(
        ROW,
        *(
            pl.col(headers[column.key]).alias(column.key)
            if column.key in headers
            else pl.lit(None, pl.String).alias(column.key)
            for column in columns
        ),
    )


def store_messages(batch: ImportBatch, messages: pl.DataFrame, *, warning: bool) -> None:
    ImportRowError.objects.bulk_create(
        (
            ImportRowError(
                batch=batch,
                row_number=row,
                column=column[:255],
                value=value or "",
                message=message,
                is_warning=warning,
            )
            for row, column, value, message in messages.iter_rows()
        ),
        batch_size=5000,
    )
