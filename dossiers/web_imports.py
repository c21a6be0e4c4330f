"""What the Imports pages need on top of `dossiers.services`: start a web upload, enqueue its
steps after commit, read a batch's progress and preview, and the error rows as a safe CSV.

The importing itself (reading, checking, writing) is `dossiers.services`; this module only
adapts it to the web: a batch is validated, shown, then applied on confirmation, each step a
Celery task enqueued with `transaction.on_commit` so the worker sees the committed batch.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import QuerySet

from dossiers import services, tasks
from dossiers.models import ImportBatch, ImportRowError, ImportStatus

# Statuses after which nothing changes without the person's action: the page stops polling.
SETTLED = frozenset(
    {ImportStatus.VALIDATED, ImportStatus.APPLIED, ImportStatus.REFUSED, ImportStatus.FAILED}
)
PREVIEW_ERROR_LIMIT = 20
# A spreadsheet reads a cell starting with one of these as a formula (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class BatchProgress:
    done: bool
    processed: int
    total: int

    @property
    def percent(self) -> int:
        if self.done:
            return 100
        if not self.total:
            return 0
        return min(99, self.processed * 100 // self.total)


def import_upload_start(
    *, kind: str, uploaded_file: IO[bytes], original_name: str, sheet: str, user: AbstractBaseUser
) -> ImportBatch:
    """Keep the uploaded file in a new batch and validate it in the background."""
    batch = services.import_batch_create(
        kind=kind,
        uploaded_file=uploaded_file,
        original_name=original_name,
        sheet=sheet or None,
        user=user,
        source="web",
    )
    _enqueue(batch.pk, "validate")
    return batch


def import_confirm(*, batch: ImportBatch) -> bool:
    """Apply a validated batch in the background; False when it cannot be applied (any more)."""
    if batch.status != ImportStatus.VALIDATED or batch.dry_run:
        return False
    # Shown as "applying" at once; the service claims the batch again by a conditional update.
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.VALIDATED).update(
        status=ImportStatus.PENDING
    )
    if not claimed:
        return False
    _enqueue(batch.pk, "apply")
    return True


def _enqueue(batch_id: int, step: str) -> None:
    task = {"validate": tasks.import_batch_validate_task, "apply": tasks.import_batch_apply_task}
    transaction.on_commit(lambda: task[step].delay(batch_id))


def batch_progress(batch: ImportBatch) -> BatchProgress:
    return BatchProgress(
        done=batch.status in SETTLED, processed=batch.processed_rows, total=batch.total_rows
    )


def batch_errors(batch: ImportBatch, *, limit: int = PREVIEW_ERROR_LIMIT) -> list[ImportRowError]:
    return list(batch.row_errors.filter(is_warning=False).order_by("row_number", "id")[:limit])


def batch_error_count(batch: ImportBatch) -> int:
    return batch.row_errors.filter(is_warning=False).count()


def batch_warning_count(batch: ImportBatch) -> int:
    return batch.row_errors.filter(is_warning=True).count()


def batch_history(*, limit: int = 50) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.select_related("uploaded_by").order_by("-created_at", "-id")[:limit]


def neutralise_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula gets a leading quote, shown as text."""
    return "'" + value if value.startswith(_FORMULA_PREFIXES) else value


def import_errors_csv(*, batch: ImportBatch) -> bytes:
    """The rejected rows as CSV bytes (UTF-8 with BOM, for Excel): the service's file (row,
    column, reason, then the row's original cells), every cell neutralised against formulas."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "errors.csv"
        services.import_batch_errors_write(batch=batch, path=path)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise_cell(cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
