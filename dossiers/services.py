"""Import batches: store the file, validate it, apply it (see `dossiers.importing` for the rules).

`import_file` is the one-call path of the management commands and the demo. The web upload uses
the three steps: `import_batch_create`, then `import_batch_validate` (counts what would change
and stores the row errors, for the person to confirm), then `import_batch_apply`. Applying
re-reads and re-checks the kept file, so it is right even if the catalogue changed in between,
and an applied batch is never applied again.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path
from typing import IO

import polars as pl
from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from dossiers.importing.agency_rows import AgencyImport
from dossiers.importing.base import Importer
from dossiers.importing.dossier_import import DossierImport
from dossiers.importing.headers import match_headers
from dossiers.importing.outcome import ImportRefused
from dossiers.importing.procedure_rows import ProcedureImport
from dossiers.importing.reading import ROW, Table, read_table
from dossiers.models import ImportBatch, ImportKind, ImportRowError, ImportStatus

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.AGENCIES: AgencyImport,
    ImportKind.PROCEDURES: ProcedureImport,
    ImportKind.DOSSIERS: DossierImport,
}
_APPLICABLE = (ImportStatus.PENDING, ImportStatus.VALIDATED, ImportStatus.FAILED)


def import_file(
    *,
    kind: str,
    path: Path,
    sheet: str | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    user=None,
    source: str = "command",
    original_name: str | None = None,
) -> ImportBatch:
    """Store, validate and (unless `dry_run` or refused) apply one file; return its batch."""
    batch = import_batch_create(
        kind=kind,
        path=path,
        sheet=sheet,
        dry_run=dry_run,
        atomic=atomic,
        user=user,
        source=source,
        original_name=original_name,
    )
    if batch.status == ImportStatus.REFUSED:
        return batch
    # One pass does both steps: a million-row file is read and checked once, not twice.
    return _run(batch, write=not dry_run)


def import_batch_create(
    *,
    kind: str,
    path: Path | None = None,
    uploaded_file: IO[bytes] | None = None,
    original_name: str | None = None,
    sheet: str | None = None,
    dry_run: bool = False,
    atomic: bool = False,
    user=None,
    source: str = "command",
) -> ImportBatch:
    """Keep a copy of the file (named by its checksum) in a new pending batch."""
    if kind not in ImportKind.values:
        raise ValueError(f"unknown import kind {kind!r}")
    if (path is None) == (uploaded_file is None):
        raise ValueError("give exactly one of path and uploaded_file")
    path = Path(path) if path is not None else None
    name = Path(original_name or (path.name if path else getattr(uploaded_file, "name", ""))).name
    with tempfile.TemporaryFile() as copy:
        readable = _copy_into(copy, path=path, uploaded_file=uploaded_file)
        size, digest = _measure(copy)
        batch = ImportBatch(
            kind=kind,
            original_name=name[:255],
            sha256=digest,
            size=size,
            sheet=sheet or "",
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            source=source,
            dry_run=dry_run,
            atomic=atomic,
        )
        stored_name = batch._meta.get_field("file").generate_filename(batch, name)
        if batch.file.storage.exists(stored_name):
            batch.file.name = stored_name  # the same bytes are kept once
        else:
            batch.file.save(name, File(copy), save=False)
        if not readable:
            batch.status = ImportStatus.REFUSED
            batch.refusal = f"Không mở được tệp {batch.original_name}."
            batch.finished_at = timezone.now()
        batch.save()
    return batch


def _copy_into(copy: IO[bytes], *, path: Path | None, uploaded_file: IO[bytes] | None) -> bool:
    """Copy the given file into `copy`; False when the path cannot be read."""
    if uploaded_file is not None:
        shutil.copyfileobj(uploaded_file, copy)
        return True
    try:
        with path.open("rb") as source_file:
            shutil.copyfileobj(source_file, copy)
    except OSError:
        return False
    return True


def import_batch_validate(*, batch_id: int) -> ImportBatch:
    """Check every row and count what applying would do, writing no data."""
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in _APPLICABLE:
        return batch
    return _run(batch, write=False)


def import_batch_apply(*, batch_id: int) -> ImportBatch:
    """Write the batch's rows. Safe to call twice: only a pending, validated or failed batch is
    claimed, by a conditional update, so a second call returns the batch as it stands."""
    claimed = ImportBatch.objects.filter(pk=batch_id, status__in=_APPLICABLE).update(
        status=ImportStatus.APPLYING
    )
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    return _run(batch, write=True)


def _run(batch: ImportBatch, *, write: bool) -> ImportBatch:
    batch.status = ImportStatus.APPLYING if write else ImportStatus.VALIDATING
    batch.started_at = timezone.now()
    batch.processed_rows = 0
    batch.save(update_fields=["status", "started_at", "processed_rows"])
    batch.row_errors.all().delete()
    try:
        _check_and_write(batch, write=write)
    except ImportRefused as exc:
        batch.status, batch.refusal = ImportStatus.REFUSED, str(exc)
    except Exception as exc:
        logger.exception("import batch %s failed", batch.pk)
        batch.status = ImportStatus.FAILED
        batch.refusal = f"Lỗi hệ thống khi nhập tệp {batch.original_name}: {exc}"
    batch.finished_at = timezone.now()
    batch.save()
    return batch


def _check_and_write(batch: ImportBatch, *, write: bool) -> None:
    table = _read(batch)
    importer_class = IMPORTERS[batch.kind]
    headers = match_headers(table.headers, importer_class.columns, file_name=batch.original_name)
    frame = _keyed(table, headers, importer_class)
    batch.total_rows = frame.height
    batch.refusal = ""

    def progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(processed_rows=done)

    with importer_class(batch=batch, time_zone=settings.TIME_ZONE) as importer:
        errors = importer.check(frame, headers=headers, progress=progress)
        batch.processed_rows = frame.height
        batch.rejected = errors.get_column("row").n_unique()
        _store_messages(batch, errors, warning=False)
        if batch.rejected and batch.atomic:
            raise ImportRefused(
                f"Tệp {batch.original_name} có {batch.rejected} dòng lỗi; vì chọn «tất cả hoặc "
                "không» (--atomic), không dòng nào được nhập."
            )
        if write:
            with transaction.atomic():
                counts = importer.write()
            batch.status = ImportStatus.APPLIED
        else:
            counts = importer.count()
            batch.status = ImportStatus.VALIDATED
        _store_messages(batch, importer.warnings(), warning=True)
    batch.created, batch.updated, batch.unchanged = counts.created, counts.updated, counts.unchanged


def _read(batch: ImportBatch) -> Table:
    try:
        path = Path(batch.file.path)
    except (ValueError, NotImplementedError) as exc:
        raise ImportRefused(f"Không mở được tệp {batch.original_name}.") from exc
    try:
        return read_table(path, file_name=batch.original_name, sheet=batch.sheet or None)
    except OSError as exc:
        raise ImportRefused(f"Không đọc được tệp {batch.original_name}: {exc}.") from exc


def _keyed(table: Table, headers: dict[str, str], importer_class: type[Importer]) -> pl.DataFrame:
    """The file's cells under the importer's column keys; absent optional columns are null."""
    return table.frame.select(
        ROW,
        *(
            pl.col(headers[column.key]).alias(column.key)
            if column.key in headers
            else pl.lit(None, pl.String).alias(column.key)
            for column in importer_class.columns
        ),
    )


def _store_messages(batch: ImportBatch, messages: pl.DataFrame, *, warning: bool) -> None:
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


def _measure(handle: IO[bytes]) -> tuple[int, str]:
    handle.seek(0)
    digest, size = hashlib.sha256(), 0
    while block := handle.read(1024 * 1024):
        digest.update(block)
        size += len(block)
    handle.seek(0)
    return size, digest.hexdigest()


def import_batch_errors_write(*, batch: ImportBatch, path: Path) -> int:
    """Write the batch's rejected rows to a CSV file (UTF-8 with BOM, for Excel): the row number,
    the column, the reason, then the row's original cells. Return the number of lines written.

    A row with several problems gives several lines. A file refused as a whole gives one line
    with the refusal.
    """
    errors = pl.DataFrame(
        list(
            batch.row_errors.filter(is_warning=False)
            .order_by("row_number", "id")
            .values_list("row_number", "column", "message")
        ),
        schema={"Dòng": pl.Int64, "Cột": pl.String, "Lý do": pl.String},
        orient="row",
    )
    if batch.status == ImportStatus.REFUSED and errors.is_empty():
        errors = pl.DataFrame(
            {"Dòng": [None], "Cột": [""], "Lý do": [batch.refusal]},
            schema=errors.schema,
        )
    if not errors.is_empty() and errors.get_column("Dòng").drop_nulls().len():
        table = read_table(
            Path(batch.file.path), file_name=batch.original_name, sheet=batch.sheet or None
        )
        cells = table.frame.rename({ROW: "Dòng"}).rename({h: h for h in table.headers})
        cells = cells.select("Dòng", *[c for c in table.headers if c not in errors.columns])
        errors = errors.join(cells, on="Dòng", how="left", maintain_order="left")
    errors.write_csv(path, include_bom=True)
    return errors.height
