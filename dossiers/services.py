"""The import service: every batch of every kind goes create → validate → confirm → apply here.

A batch (`dossiers.models.ImportBatch`) moves between statuses only by conditional updates
(`UPDATE … WHERE status = …`), so a step sent twice (a re-sent task, the resume sweep, two
clicks) finds the batch already claimed and does nothing:

    pending ──validate──▶ validating ──▶ validated ──confirm──▶ pending (confirmed_at set)
    pending/validated/failed ──apply──▶ applying ──▶ applied
    any running step ──▶ refused (the file as a whole) or failed (a system error, with why)

* `import_file`: the one-call path of the commands and the demo: create, then validate
  (`--dry-run`) or apply, in this process; one pass reads and checks the file once.
* The web: `import_upload_start` keeps the upload in a pending batch and sends its next step to
  the queue after commit: validation, or (an upload that asks to write at once, as the staff
  postings page does) the apply. `import_batch_confirm` sends the apply of a validated batch.
  Celery tasks (`dossiers.tasks`) only call `import_batch_validate` / `import_batch_apply`.
* A pending batch's next step is stored (`confirmed_at` empty: validate; set: apply), and a
  failed hand-off to the queue is stored too (`enqueue_failed_at`, Redis down): the page says
  the processing is delayed, and `import_batches_resume` (beat, `manage.py resume_imports`)
  sends the steps again once Redis is back. The same sweep fails a batch left "validating" or
  "applying" by a process that died (`import_batches_fail_stuck`), saying so.

What a step does with the file is the pipeline's (`dossiers.importing.pipeline`) and the kind's
importer's (`dossiers.importing.registry`). Faults (docs/reliability.md):

* Writes are ordered. Claiming a batch for writing (status "applying", `started_at`) happens
  under a short advisory lock, so claims form one order; on PostgreSQL an apply writes only
  after every batch claimed before it has finished (`_wait_for_earlier_applies`), and every
  write holds the import advisory lock for its whole transaction. Two imports run at the same
  time thus end as if run one after the other, the later claim winning per dossier, with
  consistent counts. (SQLite's database lock serializes writes; it does not wait.)
* A failure ends the batch as "failed" with its reason even when the database connection was
  the thing that failed: the broken connection is dropped and the outcome is saved through a
  fresh one (`_save_outcome`). The write is one transaction, so nothing of it stays.
* A web upload larger than IMPORT_MAX_UPLOAD_BYTES is refused without being kept (a dossier
  file given to a command is not bounded: the import streams it); a stored file is named by
  its checksum only, and the original name is reduced to a printable base name.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import IO, Literal

import polars as pl
from django.conf import settings
from django.db import Error as DatabaseError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from agencies.audit import audit_record
from dossiers.importing import pipeline
from dossiers.importing.headers import column_of_label, known_labels
from dossiers.importing.outcome import Counts, ImportRefused
from dossiers.importing.reading import ROW, open_source, with_headers
from dossiers.importing.registry import importer_for
from dossiers.importing.upload_files import (
    copy_bounded,
    declared_size,
    measure,
    printable,
    safe_file_name,
    store_once,
    too_large_message,
)
from dossiers.models import ImportBatch, ImportKind, ImportStatus
from kpi_portal.celery import send_or_defer
from kpi_portal.db import advisory_xact_lock, is_postgres, lock_key
from kpi_portal.spreadsheets import neutralise_csv_cell

logger = logging.getLogger(__name__)

_APPLICABLE = (ImportStatus.PENDING, ImportStatus.VALIDATED, ImportStatus.FAILED)
# PostgreSQL advisory locks: claiming a batch for writing; writing any import.
_CLAIM_LOCK = lock_key("dossiers.import.claim")
_WRITE_LOCK = lock_key("dossiers.import.write")
# While a batch is being checked or written its process holds this session lock (second key:
# the batch id), so a later apply and the sweep can tell a running one from one whose process
# died (PostgreSQL).
_ALIVE_LOCK = lock_key("dossiers.import.alive")
_TURN_POLL_SECONDS = 0.2
# A batch pending for longer than this is sent to the queue again by the sweep (the first send
# may have failed, or the message been lost); a second send is harmless (the steps claim).
RESUME_AFTER = timedelta(minutes=2)

VALIDATE, APPLY = "validate", "apply"


# --- Create -------------------------------------------------------------------------------------


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
    """Store, validate and (unless `dry_run` or refused) apply one file; return its batch.

    A file of a kind whose import streams it in bounded memory (dossiers) is taken whatever its
    size; the other kinds, read whole, are bounded by IMPORT_MAX_WHOLE_FILE_BYTES."""
    batch = import_batch_create(
        kind=kind,
        path=path,
        sheet=sheet,
        dry_run=dry_run,
        atomic=atomic,
        user=user,
        source=source,
        original_name=original_name,
        max_bytes=None if _streamed(kind) else "setting",
    )
    if batch.status == ImportStatus.REFUSED:
        return batch
    if dry_run:
        return import_batch_validate(batch_id=batch.pk)
    # One pass does both steps: a million-row file is read and checked once, not twice.
    return import_batch_apply(batch_id=batch.pk)


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
    max_bytes: int | Literal["setting"] | None = "setting",
) -> ImportBatch:
    """Keep a copy of the file (named by its checksum) in a new pending batch.

    A file over `max_bytes` (by default IMPORT_MAX_UPLOAD_BYTES; None: no bound), or for a kind
    read whole over IMPORT_MAX_WHOLE_FILE_BYTES, is refused without being kept."""
    if kind not in ImportKind.values:
        raise ValueError(f"unknown import kind {kind!r}")
    if (path is None) == (uploaded_file is None):
        raise ValueError("give exactly one of path and uploaded_file")
    path = Path(path) if path is not None else None
    name = safe_file_name(
        original_name or (path.name if path else getattr(uploaded_file, "name", ""))
    )
    limit = settings.IMPORT_MAX_UPLOAD_BYTES if max_bytes == "setting" else max_bytes
    if not _streamed(kind):  # read whole: bounded however it comes
        whole = settings.IMPORT_MAX_WHOLE_FILE_BYTES
        limit = whole if limit is None else min(limit, whole)
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
            batch.refusal = too_large_message(batch.original_name, batch.size, limit)
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


def _streamed(kind: str) -> bool:
    """Whether the kind's import reads its file in bounded batches (dossiers) or whole."""
    return kind in ImportKind.values and importer_for(kind).streams


def import_upload_start(
    *,
    kind: str,
    uploaded_file: IO[bytes],
    original_name: str,
    sheet: str = "",
    user=None,
    dry_run: bool = False,
    atomic: bool = False,
    write_at_once: bool = False,
) -> ImportBatch:
    """Keep a web upload in a new batch and send its first step to the queue after commit.

    The first step is validation (the person then confirms the write), or with `write_at_once`
    (and no dry run) the apply itself, which checks and writes in one pass.
    """
    batch = import_batch_create(
        kind=kind,
        uploaded_file=uploaded_file,
        original_name=original_name,
        sheet=sheet or None,
        dry_run=dry_run,
        atomic=atomic,
        user=user,
        source="web",
    )
    if batch.status != ImportStatus.PENDING:
        return batch
    if write_at_once and not dry_run:
        ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PENDING).update(
            confirmed_at=timezone.now()
        )
        _enqueue(batch.pk, APPLY)
    else:
        _enqueue(batch.pk, VALIDATE)
    batch.refresh_from_db()
    return batch


# --- Validate, confirm, apply -------------------------------------------------------------------


def import_batch_validate(*, batch_id: int) -> ImportBatch:
    """Check every row and count what applying would do, writing no data.

    Safe to call twice (a re-sent task, the resume sweep): only an upload not yet checked
    (pending, not confirmed, no start time) is claimed, by a conditional update, so a batch is
    validated once; one already validated, failed, or confirmed for writing is left as it is.
    """
    with transaction.atomic():
        claimed = ImportBatch.objects.filter(
            pk=batch_id,
            status=ImportStatus.PENDING,
            confirmed_at__isnull=True,
            started_at__isnull=True,
        ).update(status=ImportStatus.VALIDATING, started_at=timezone.now())
        if claimed:
            _hold_alive_lock(batch_id)  # taken before the claim is seen: the sweep waits for it
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    return _run(batch, write=False)


def import_batch_confirm(*, batch_id: int) -> bool:
    """The person confirmed a validated batch: send its apply to the queue after commit.

    False when it cannot be confirmed (any more): not validated, a dry run, or confirmed
    already (the conditional update finds nothing to change).
    """
    claimed = ImportBatch.objects.filter(
        pk=batch_id, status=ImportStatus.VALIDATED, dry_run=False
    ).update(status=ImportStatus.PENDING, confirmed_at=timezone.now())
    if not claimed:
        return False
    _enqueue(batch_id, APPLY)
    return True


def import_batch_apply(*, batch_id: int) -> ImportBatch:
    """Write the batch's rows. Safe to call twice: only a pending, validated or failed batch is
    claimed, by a conditional update, so a second call returns the batch as it stands."""
    claimed = _claim_for_writing(batch_id)
    batch = ImportBatch.objects.get(pk=batch_id)
    if not claimed:
        return batch
    return _run(batch, write=True)


# --- The queue: sending steps, resuming them ----------------------------------------------------


def _enqueue(batch_id: int, step: str) -> None:
    """Send the step after commit; record whether the queue took it (`enqueue_failed_at`)."""

    def send() -> None:
        sent = send_or_defer(_task(step), batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            enqueue_failed_at=None if sent else timezone.now()
        )

    transaction.on_commit(send)


def _task(step: str):
    from dossiers import tasks  # the tasks call this module; it sends them by reference

    return {VALIDATE: tasks.import_batch_validate_task, APPLY: tasks.import_batch_apply_task}[step]


def next_step(batch: ImportBatch) -> str | None:
    """The step a pending batch waits for, None for a batch not pending."""
    if batch.status != ImportStatus.PENDING:
        return None
    return APPLY if batch.confirmed_at is not None else VALIDATE


def import_batches_resume(*, older_than: timedelta = RESUME_AFTER) -> int:
    """Send again the step of every batch left pending longer than `older_than`: validation for
    an upload never checked, the write for a confirmed one. Returns how many were sent; stops
    at the first send that fails (the broker is still down: the next sweep tries again).

    First, fail the batches whose process died while checking or writing them
    (`import_batches_fail_stuck`), so that no batch stays "validating" or "applying"."""
    import_batches_fail_stuck()
    sent = 0
    for batch in import_batches_due(older_than=older_than):
        ok = send_or_defer(_task(next_step(batch)), batch.pk)
        ImportBatch.objects.filter(pk=batch.pk).update(
            enqueue_failed_at=None if ok else timezone.now()
        )
        if not ok:
            break
        sent += 1
    return sent


def import_batches_due(*, older_than: timedelta = RESUME_AFTER) -> list[ImportBatch]:
    """The batches pending that were uploaded more than `older_than` ago."""
    cutoff = timezone.now() - older_than
    return list(
        ImportBatch.objects.filter(status=ImportStatus.PENDING, created_at__lte=cutoff).order_by(
            "pk"
        )
    )


def import_batches_fail_stuck() -> list[int]:
    """Mark failed, with the reason, every batch "validating" or "applying" whose process is
    gone: on PostgreSQL, no session holds its alive lock (a dead process's session lock is
    released with its connection); on SQLite, which cannot tell, one started more than
    IMPORT_STUCK_AFTER_SECONDS ago. Returns the ids failed.

    Nothing of a batch failed here was written: the write is one transaction, which the dead
    process never committed. If the process was only slow and still ends its step, its
    outcome does not replace the failure (`_save_outcome` updates only a running batch)."""
    running = ImportBatch.objects.filter(
        status__in=(ImportStatus.VALIDATING, ImportStatus.APPLYING)
    )
    if _on_postgres():
        stuck = [batch for batch in running.order_by("pk") if not _alive(batch.pk)]
    else:
        cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_STUCK_AFTER_SECONDS)
        stuck = list(running.filter(started_at__lt=cutoff).order_by("pk"))
    failed = []
    for batch in stuck:
        ended = ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
            status=ImportStatus.FAILED,
            refusal=_stuck_reason(batch),
            created=0,
            updated=0,
            unchanged=0,
            finished_at=timezone.now(),
        )
        if ended:
            logger.warning(
                "import batch %s was left %s: failed by the sweep", batch.pk, batch.status
            )
            failed.append(batch.pk)
    return failed


def _stuck_reason(batch: ImportBatch) -> str:
    step = "kiểm tra" if batch.status == ImportStatus.VALIDATING else "ghi dữ liệu từ"
    return (
        f"Việc {step} tệp {batch.original_name} bị dừng giữa chừng: tiến trình xử lý đã dừng "
        "(máy chủ khởi động lại hoặc tiến trình bị tắt). Không hồ sơ nào bị ghi dở; hãy tải "
        "lên lại tệp."
    )


# --- Running a step -----------------------------------------------------------------------------


def _claim_for_writing(batch_id: int) -> bool:
    """Mark the batch "applying" now; claims are serialized, so (started_at, id) orders them."""
    with transaction.atomic():
        _advisory_lock(_CLAIM_LOCK)
        claimed = ImportBatch.objects.filter(pk=batch_id, status__in=_APPLICABLE).update(
            status=ImportStatus.APPLYING, started_at=timezone.now()
        )
        if claimed:
            _hold_alive_lock(batch_id)
    return bool(claimed)


def _hold_alive_lock(batch_id: int) -> None:
    """Session-level (PostgreSQL): held from the claim until `_run` ends or the process dies,
    so a later apply and the sweep can tell a running batch from one whose process died."""
    if _on_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [_ALIVE_LOCK, _lock_id(batch_id)])


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
    """Run a claimed step (status validating or applying) to its end, and save the outcome."""
    try:
        batch.processed_rows = 0
        batch.confirmed_at = batch.confirmed_at or (timezone.now() if write else None)
        batch.enqueue_failed_at = None
        try:
            batch.save(update_fields=["processed_rows", "confirmed_at", "enqueue_failed_at"])
            batch.row_errors.all().delete()
            counts = _check_and_write(batch, write=write)
            batch.created, batch.updated = counts.created, counts.updated
            batch.unchanged = counts.unchanged
            batch.status = ImportStatus.APPLIED if write else ImportStatus.VALIDATED
        except ImportRefused as exc:
            batch.status, batch.refusal = ImportStatus.REFUSED, str(exc)
        except Exception as exc:
            logger.exception("import batch %s failed", batch.pk)
            batch.status = ImportStatus.FAILED
            batch.refusal = _failure_reason(batch, exc)
        if batch.status in (ImportStatus.REFUSED, ImportStatus.FAILED):
            batch.created = batch.updated = batch.unchanged = 0
        batch.finished_at = timezone.now()
        _save_outcome(batch)
    finally:
        _release_alive_lock(batch.pk)
    return batch


def _check_and_write(batch: ImportBatch, *, write: bool) -> Counts:
    with pipeline.checked(batch) as importer:
        if write:
            _wait_for_earlier_applies(batch)
            started = time.perf_counter()
            with transaction.atomic():
                _advisory_lock(_WRITE_LOCK)
                counts = importer.write()
                _audit_apply(batch, counts, action=importer.audit_action)
                committing = time.perf_counter()
            logger.info(
                "import batch %s: write transaction %.2f s, of which COMMIT %.2f s",
                batch.pk,
                time.perf_counter() - started,
                time.perf_counter() - committing,
            )
        else:
            counts = importer.count()
        pipeline.store_messages(batch, importer.warnings(), warning=True)
    return counts


def _rejected_cells(batch: ImportBatch, rows: pl.Series) -> pl.DataFrame:
    """The original cells of the given rows ("Dòng", then one column per header), read batch by
    batch so that memory holds the rejected rows, not the file."""
    source = open_source(
        Path(batch.file.path),
        file_name=batch.original_name,
        sheet=batch.sheet or None,
        known=known_labels(importer_for(batch.kind).columns),
        column_of=column_of_label(importer_for(batch.kind).columns),
    )
    wanted = rows.cast(pl.Int64).implode()
    kept = [frame.filter(pl.col(ROW).is_in(wanted)) for frame in source.batches]
    headers = source.headers  # complete once every batch is read (a JSON file's keys)
    frame = pl.concat([with_headers(f, headers) for f in kept])
    return frame.rename({ROW: "Dòng"})


def _audit_apply(batch: ImportBatch, counts: Counts, *, action: str) -> None:
    """The audit entry of an applied batch, in the transaction that wrote its rows."""
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
        action=action,
        subject=batch,
        summary=f"{batch.get_kind_display()} {batch.original_name}: thêm {counts.created}, "
        f"cập nhật {counts.updated}, không đổi {counts.unchanged}, loại {batch.rejected}",
        after=after,
    )


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


_OUTCOME_FIELDS = (
    "status",
    "refusal",
    "total_rows",
    "processed_rows",
    "created",
    "updated",
    "unchanged",
    "rejected",
    "finished_at",
)


def _save_outcome(batch: ImportBatch) -> None:
    """End the running step: a conditional update from the running status to the outcome, so a
    batch the sweep has failed meanwhile is not brought back. If the database connection broke
    (a restart, a network cut), drop it and save through a fresh one, so a failed batch always
    says why."""
    fields = {name: getattr(batch, name) for name in _OUTCOME_FIELDS}

    def save() -> None:
        ended = ImportBatch.objects.filter(
            pk=batch.pk, status__in=(ImportStatus.VALIDATING, ImportStatus.APPLYING)
        ).update(**fields)
        if not ended:
            logger.warning("import batch %s was ended elsewhere; its outcome is kept", batch.pk)
            batch.refresh_from_db()

    try:
        save()
        return
    except DatabaseError:
        if connection.in_atomic_block:
            raise
        logger.warning("import batch %s: saving its outcome on a fresh connection", batch.pk)
    connection.close()
    save()


# --- The error file -----------------------------------------------------------------------------


def import_batch_errors_write(*, batch: ImportBatch, path: Path) -> int:
    """Write the batch's rejected rows to a CSV file (UTF-8 with BOM, for Excel). Return the
    number of lines written.

    Each line is the row number, the column and the reason, then (most kinds) the row's
    original cells; for a kind whose importer says so (staff postings) the bad cell's value
    comes before the reason instead, neutralised against formulas. A row with several problems
    gives several lines. A file refused as a whole (or a failed import) gives one line with the
    refusal.
    """
    with_cells = importer_for(batch.kind).errors_file_cells
    fields = ("row_number", "column", "message") if with_cells else ("row_number", "column")
    schema = {"Dòng": pl.Int64, "Cột": pl.String}
    if not with_cells:
        schema["Giá trị"] = pl.String
        fields = ("row_number", "column", "value", "message")
    schema["Lý do"] = pl.String
    errors = pl.DataFrame(
        list(
            batch.row_errors.filter(is_warning=False)
            .order_by("row_number", "id")
            .values_list(*fields)
        ),
        schema=schema,
        orient="row",
    )
    if batch.status in (ImportStatus.REFUSED, ImportStatus.FAILED) and errors.is_empty():
        refusal = {"Dòng": [None], "Cột": [""], "Lý do": [batch.refusal]}
        if not with_cells:
            refusal["Giá trị"] = [""]
        errors = pl.DataFrame(refusal, schema=schema)
    if not with_cells:
        errors = errors.with_columns(
            pl.col("Giá trị").map_elements(neutralise_csv_cell, return_dtype=pl.String)
        )
    elif not errors.is_empty() and errors.get_column("Dòng").drop_nulls().len():
        cells = _rejected_cells(batch, errors.get_column("Dòng").drop_nulls().unique())
        cells = cells.select("Dòng", *[c for c in cells.columns[1:] if c not in errors.columns])
        errors = errors.join(cells, on="Dòng", how="left", maintain_order="left")
    errors.write_csv(path, include_bom=True)
    return errors.height
