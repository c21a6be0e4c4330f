"""The one import pipeline: from a batch's kept file to an importer holding checked rows.

For every kind alike: read the file (`reading`: CSV, XLSX or JSON, bounded), match its header
row to the kind's columns (`headers`), key the cells by column, let the kind's importer check
them, store the row errors, and refuse the whole file under `--atomic` when a row is bad. What
happens next (count for a validation, write for an apply) and the batch's status are the import
service's (`dossiers.services`).

Dossier files, the large ones, are streamed (`Importer.streams`): the importer reads a `Stream`
batch by batch and hands each batch's row errors to a `Report`, which stores them at once, so
memory holds one batch whatever the file's length. The other kinds get the whole file at once.
The outcome is the same either way: a file refused as a whole stores no row errors (those of
the batches already read are deleted), as when the file was read whole before any row.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from django.conf import settings

from dossiers.importing import reading
from dossiers.importing.base import Importer
from dossiers.importing.headers import Column, column_of_label, known_labels, match_headers
from dossiers.importing.outcome import ImportRefused
from dossiers.importing.reading import ROW, Source, Table, open_source, read_table, with_headers
from dossiers.importing.registry import importer_for
from dossiers.models import ImportBatch, ImportRowError


@contextmanager
def checked(batch: ImportBatch) -> Iterator[Importer]:
    """Read and check the batch's file; yield its importer, ready to count or write.

    Sets the batch's `total_rows`, `processed_rows` and `rejected` and stores its row errors.
    Raises ImportRefused when the file as a whole cannot be imported.
    """
    importer_class = importer_for(batch.kind)
    if importer_class.streams:
        with _checked_stream(batch, importer_class) as importer:
            yield importer
        return
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


@contextmanager
def _checked_stream(batch: ImportBatch, importer_class: type[Importer]) -> Iterator[Importer]:
    stream = Stream(batch, importer_class)
    report = Report(batch)
    batch.refusal = ""
    batch.total_rows = 0
    estimate = stream.estimated_rows()

    def progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=done, total_rows=max(estimate, done + 1)
        )

    with importer_class(batch=batch, time_zone=settings.TIME_ZONE) as importer:
        try:
            checked = importer.check_stream(stream, progress=progress, report=report)
        except ImportRefused:
            report.clear()  # refused as a whole: no row errors, as before any row was read
            raise
        finally:
            stream.close()
        batch.total_rows = batch.processed_rows = checked.rows
        batch.rejected = checked.rejected
        if batch.rejected and batch.atomic:
            raise ImportRefused(
                f"Tệp {batch.original_name} có {batch.rejected} dòng lỗi; vì chọn «tất cả hoặc "
                "không» (--atomic), không dòng nào được nhập."
            )
        yield importer


class Report:
    """Stores the row errors of a streamed check as they come (see `store_messages`)."""

    def __init__(self, batch: ImportBatch) -> None:
        self.batch = batch

    def __call__(self, errors: pl.DataFrame) -> None:
        if errors.height:
            store_messages(self.batch, errors, warning=False)

    def clear(self) -> None:
        self.batch.row_errors.all().delete()


class Stream:
    """A batch's file read batch by batch as keyed frames, for a streaming importer.

    `open(headers)` starts a pass over the file and returns the matched headers and the keyed
    frames. The headers are the file's (a CSV's or an XLSX's header row, a JSON file's keys as
    far as the first batch shows them), or those given, for a second pass that knows all of a
    JSON file's keys. A file refused for its headers is first read to its end, so that a file
    that is unreadable further down is refused for that, and a JSON file's later keys count, as
    when the whole file was read before its headers were matched.
    """

    def __init__(self, batch: ImportBatch, importer_class: type[Importer]) -> None:
        self.batch, self.importer_class = batch, importer_class
        self.columns = importer_class.columns
        self.source: Source | None = None
        self.reader: _Prefetch | None = None
        self.opened_with: list[str] = []

    def path(self) -> Path:
        try:
            return Path(self.batch.file.path)
        except (ValueError, NotImplementedError) as exc:
            raise ImportRefused(f"Không mở được tệp {self.batch.original_name}.") from exc

    def estimated_rows(self) -> int:
        """About how many rows the file has, from its size and its first lines (for the progress
        bar while the count is not known)."""
        try:
            path = self.path()
            size = path.stat().st_size
            with path.open("rb") as handle:
                head = handle.read(256 * 1024)
        except (OSError, ImportRefused):
            return 0
        lines = head.count(b"\n")
        return int(size * lines / len(head)) if lines and head else 0

    def open(self, headers: list[str] | None = None):
        self.close()
        name = self.batch.original_name
        try:
            source = open_source(
                self.path(),
                file_name=name,
                sheet=self.batch.sheet or None,
                batch_rows=reading.BATCH_ROWS,
                known=known_labels(self.columns),
                column_of=column_of_label(self.columns),
            )
        except OSError as exc:
            raise ImportRefused(f"Không đọc được tệp {name}: {exc}.") from exc
        self.source = source
        self.opened_with = list(headers if headers is not None else source.headers)
        try:
            matched = self._match(self.opened_with)
        except ImportRefused:
            if headers is not None:
                raise
            for _ in source.batches:  # to the end: a later refusal, a JSON file's later keys
                pass
            complete = list(source.headers)
            name = self.batch.original_name
            matched = match_headers(complete, self.columns, file_name=name)
            self.refuse_nested(matched)
            self.importer_class.require(matched, file_name=name)
            return self.open(complete)  # the later keys made the headers importable
        opened_with = self.opened_with
        frames = (
            keyed(with_headers(frame, opened_with), matched, self.columns)
            for frame in source.batches
        )
        self.reader = _Prefetch(_read_errors(frames, name))
        return matched, iter(self.reader)

    def _match(self, headers: list[str]) -> dict[str, str]:
        name = self.batch.original_name
        matched = match_headers(headers, self.columns, file_name=name)
        self.importer_class.require(matched, file_name=name)
        return matched

    def headers(self) -> list[str]:
        """The file's headers as far as read (complete once the pass is over)."""
        return list(self.source.headers) if self.source else []

    def refuse_nested(self, matched: dict[str, str]) -> None:
        if self.source is not None:
            name = self.batch.original_name
            refuse_nested(self.source.nested, matched, self.columns, file_name=name)

    def close(self) -> None:
        if self.reader is not None:
            self.reader.stop()
            self.reader = None
        if self.source is not None:
            close = getattr(self.source.batches, "close", None)
            if close is not None:
                close()  # ends an XLSX reading child
            self.source = None


class _Prefetch:
    """Reads the next batch in a thread while the caller checks and stages the current one.

    Parsing a batch (polars for CSV, a child process for a large JSON file, whose frames this
    thread reads from a pipe) and checking and staging the previous one (polars, then
    PostgreSQL's COPY) then share the two cores instead of taking turns: none of them holds the
    interpreter lock for long (JSON decoded in this process would; hence the child). At most
    one batch waits read ahead, so memory holds about two batches. The thread only reads the
    file: it never touches the database. An error it meets (a refusal of the file) is raised to
    the caller at that batch, in the file's order.
    """

    _END = object()

    def __init__(self, frames: Iterator[pl.DataFrame]) -> None:
        self.frames = frames
        self.queue: queue.Queue = queue.Queue(maxsize=1)
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="import-reader", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for frame in self.frames:
                if not self._put(frame):
                    return
            self._put(self._END)
        except BaseException as exc:  # handed to the caller, raised there
            self._put(exc)

    def _put(self, item: object) -> bool:
        while not self.stopping.is_set():
            try:
                self.queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator[pl.DataFrame]:
        while True:
            item = self.queue.get()
            if item is self._END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def stop(self) -> None:
        """Stop reading ahead and wait for the thread (before the file's reader is closed)."""
        self.stopping.set()
        self.thread.join()


def _read_errors(frames: Iterator[pl.DataFrame], file_name: str) -> Iterator[pl.DataFrame]:
    try:
        yield from frames
    except OSError as exc:
        raise ImportRefused(f"Không đọc được tệp {file_name}: {exc}.") from exc


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
