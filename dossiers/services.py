"""Import batches: store the file, validate it, apply it (see `dossiers.importing` for the rules).

`import_file` is the one-call path of the management commands and the demo. The web upload uses
the three steps: `import_batch_create`, then `import_batch_validate` (counts what would change
and stores the row errors, for the person to confirm), then `import_batch_apply`. Applying
re-reads and re-checks the kept file, so it is right even if the catalogue changed in between,
and an applied batch is never applied again.

Faults (docs/reliability.md):

* Writes are ordered. Claiming a batch for writing (status "applying", `started_at`) happens
  under a short advisory lock, so claims form one order; on PostgreSQL an apply writes only
  after every batch claimed before it has finished (`_wait_for_earlier_applies`), and every
  write holds the import advisory lock for its whole transaction. Two imports run at the same
  time thus end as if run one after the other, the later claim winning per dossier, with
  consistent counts. (SQLite's database lock serializes writes; it does not wait.)
* A failure ends the batch as "failed" with its reason even when the database connection was
  the thing that failed: the broken connection is dropped and the outcome is saved through a
  fresh one (`_save_outcome`). The write is one transaction, so nothing of it stays.
* A file larger than IMPORT_MAX_UPLOAD_BYTES is refused without being kept; a stored file is
  named by its checksum only, and the original name is reduced to a printable base name.
"""

from __future__ import annotations

import logging
import tempfile
import time
from pathlib import Path
from typing import IO

import polars as pl
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from dossiers.importing.agency_rows import AgencyImport
from dossiers.importing.base import Importer
from dossiers.importing.dossier_import import DossierImport
from dossiers.importing.headers import match_headers
from dossiers.importing.outcome import ImportRefused
from dossiers.importing.procedure_rows import ProcedureImport
from dossiers.importing.reading import ROW, Table, read_table
from dossiers.importing.upload_files import (
    copy_bounded,
    declared_size,
    measure,
    printable,
    safe_file_name,
    store_once,
    too_large_message,
)
from dossiers.models import ImportBatch, ImportKind, ImportRowError, ImportStatus
from kpi_portal.db import advisory_xact_lock, is_postgres, lock_key

logger = logging.getLogger(__name__)

IMPORTERS: dict[str, type[Importer]] = {
    ImportKind.AGENCIES: AgencyImport,
    ImportKind.PROCEDURES: ProcedureImport,
    ImportKind.DOSSIERS: DossierImport,
}
_APPLICABLE = (ImportStatus.PENDING, ImportStatus.VALIDATED, ImportStatus.FAILED)
# PostgreSQL advisory locks: claiming a batch for writing; writing any import.
_CLAIM_LOCK = lock_key("dossiers.import.claim")
_WRITE_LOCK = lock_key("dossiers.import.write")
# While a batch is being written its process holds this session lock (second key: the batch
# id), so a later apply can tell a running one from one whose process died (PostgreSQL).
_ALIVE_LOCK = lock_key("dossiers.import.alive")
_TURN_POLL_SECONDS = 0.2


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
    if not dry_run:
        _claim_for_writing(batch.pk)
        batch.refresh_from_db()
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
    name = safe_file_name(
        original_name or (path.name if path else getattr(uploaded_file, "name", ""))
    )
    limit = settings.IMPORT_MAX_UPLOAD_BYTES
    with tempfile.TemporaryFile() as copy:
        outcome = copy_bounded(copy, path=path, uploaded_file=uploaded_file, limit=limit)
        size, digest = measure(copy)
        batch = ImportBatch(
            kind=kind,
            original_name=name,
            sha256=digest,
            size=size,
            sheet=printable(sheet or "")[:255],
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            source=source,
            dry_run=dry_run,
            atomic=atomic,
        )
        if outcome == "too_large":
            # Not kept: the point of the bound is not to store it.
            batch.sha256, batch.size = "", max(size, declared_size(path, uploaded_file))
            batch.status = ImportStatus.REFUSED
            batch.refusal = too_large_message(batch.original_name, batch.size)
            batch.finished_at = timezone.now()
            batch.save()
            return batch
        store_once(batch.file, copy, name)
        if outcome == "unreadable":
            batch.status = ImportStatus.REFUSED
            batch.refusal = f"Không mở được tệp {batch.original_name}."
            batch.finished_at = timezone.now()
        batch.save()
    return batch


def import_batch_validate(*, batch_id: int) -> ImportBatch:
    """Check every row and count what applying would do, writing no data.

    Safe to call twice (a re-sent task, the resume sweep): only an upload not yet checked
    (pending, no start time) is claimed, by a conditional update, so a batch is validated once;
    one already validated, failed, or confirmed for writing (pending again, with a start time)
    is left as it is.
    """
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status=ImportStatus.PENDING, started_at__isnull=True
    ).update(status=ImportStatus.VALIDATING)
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    return _run(batch, write=False)


def import_batch_apply(*, batch_id: int) -> ImportBatch:
    """Write the batch's rows. Safe to call twice: only a pending, validated or failed batch is
    claimed, by a conditional update, so a second call returns the batch as it stands."""
    claimed = _claim_for_writing(batch_id)
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    return _run(batch, write=True)


def _claim_for_writing(batch_id: int) -> bool:
    """Mark the batch "applying" now; claims are serialized, so (started_at, id) orders them."""
    with transaction.atomic():
        _advisory_lock(_CLAIM_LOCK)
        claimed = ImportBatch.objects.filter(pk=batch_id, status__in=_APPLICABLE).update(
            status=ImportStatus.APPLYING, started_at=timezone.now()
        )
        if claimed and _on_postgres():
            # Session-level: held from this claim until `_run` ends or the process dies.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_ALIVE_LOCK, _lock_id(batch_id)])
    return bool(claimed)


_on_postgres = is_postgres


def _lock_id(batch_id: int) -> int:
    return batch_id % 2**31


def _release_alive_lock(batch_id: int) -> None:
    if not _on_postgres():
        return
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_ALIVE_LOCK, _lock_id(batch_id)])
    except DatabaseError:  # a fresh connection after a lost one holds no lock: nothing to free
        logger.warning("import batch %s: could not release its lock", batch_id)


def _advisory_lock(key: int) -> None:
    """Hold a PostgreSQL advisory lock until the transaction ends. SQLite needs none: a write
    transaction locks the whole database (transaction_mode IMMEDIATE in settings)."""
    advisory_xact_lock(key)


def _wait_for_earlier_applies(batch: ImportBatch) -> None:
    """Wait until every batch claimed for writing before this one has finished, so overlapping
    imports write in the order they were started (PostgreSQL, where a dead process's batch is
    told apart by its released lock). SQLite, the embedded single-machine set-up, does not wait:
    its database lock already serializes the writes, and with no way to tell a batch left
    "applying" by a killed process from a running one, waiting would hang every later import."""
    if not _on_postgres():
        return
    while True:
        earlier = (
            ImportBatch.objects.filter(status=ImportStatus.APPLYING)
            .filter(
                Q(started_at__lt=batch.started_at) | Q(started_at=batch.started_at, pk__lt=batch.pk)
            )
            .exclude(pk=batch.pk)
        )
        running = [pk for pk in earlier.values_list("pk", flat=True) if _alive(pk)]
        if not running:
            return
        time.sleep(_TURN_POLL_SECONDS)


def _alive(batch_id: int) -> bool:
    """Whether some session holds the batch's lock, i.e. its process is still writing it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [_ALIVE_LOCK, _lock_id(batch_id)],
        )
        return cursor.fetchone()[0]


def _run(batch: ImportBatch, *, write: bool) -> ImportBatch:
    try:
        batch.status = ImportStatus.APPLYING if write else ImportStatus.VALIDATING
        if not write or batch.started_at is None:
            batch.started_at = timezone.now()  # a claim for writing has set it already
        batch.processed_rows = 0
        try:
            batch.save(update_fields=["status", "started_at", "processed_rows"])
            batch.row_errors.all().delete()
            _check_and_write(batch, write=write)
        except ImportRefused as exc:
            batch.status, batch.refusal = ImportStatus.REFUSED, str(exc)
        except Exception as exc:
            logger.exception("import batch %s failed", batch.pk)
            batch.status = ImportStatus.FAILED
            batch.refusal = _failure_reason(batch, exc)
        batch.finished_at = timezone.now()
        _save_outcome(batch)
    finally:
        if write:
            _release_alive_lock(batch.pk)
    return batch


def _failure_reason(batch: ImportBatch, exc: Exception) -> str:
    # OperationalError / InterfaceError: the server went away, closed or cancelled the session.
    if not isinstance(exc, OperationalError | InterfaceError) and _connection_usable():
        return f"Lỗi hệ thống khi nhập tệp {batch.original_name}: {exc}"
    return (
        f"Mất kết nối tới cơ sở dữ liệu khi nhập tệp {batch.original_name} ({exc}). "
        "Dữ liệu được ghi trong một giao dịch nên không hồ sơ nào bị ghi dở; hãy nhập lại tệp."
    )


def _connection_usable() -> bool:
    return connection.connection is not None and connection.is_usable()


def _save_outcome(batch: ImportBatch) -> None:
    """Save the batch's outcome; if the database connection broke (a restart, a network cut),
    drop it and save through a fresh one, so a failed batch always says why."""
    try:
        batch.save()
        return
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        logger.warning("import batch %s: saving its outcome on a fresh connection", batch.pk)
    connection.close()
    batch.save()


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
            _wait_for_earlier_applies(batch)
            with transaction.atomic():
                _advisory_lock(_WRITE_LOCK)
                counts = importer.write()
                _audit_apply(batch, counts)
            batch.status = ImportStatus.APPLIED
        else:
            counts = importer.count()
            batch.status = ImportStatus.VALIDATED
        _store_messages(batch, importer.warnings(), warning=True)
    batch.created, batch.updated, batch.unchanged = counts.created, counts.updated, counts.unchanged


def _audit_apply(batch: ImportBatch, counts) -> None:
    """The audit entry of an applied batch, in the transaction that wrote its rows."""
    from agencies.audit import audit_record
    from agencies.models import AuditAction

    after = {
        "file": batch.original_name,
        "kind": batch.kind,
        "rows": batch.total_rows,
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "rejected": batch.rejected,
    }
    audit_record(
        actor=batch.uploaded_by,
        action=AuditAction.IMPORT_APPLY,
        subject=batch,
        summary=f"{batch.get_kind_display()} {batch.original_name}: thêm {counts.created}, "
        f"cập nhật {counts.updated}, không đổi {counts.unchanged}, loại {batch.rejected}",
        after=after,
    )


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
