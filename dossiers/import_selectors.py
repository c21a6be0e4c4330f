"""What the import pages read about batches: progress, preview, errors, history, delays."""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.db.models import QuerySet
from django.utils import timezone

from dossiers.models import ImportBatch, ImportStatus
from dossiers.services import import_batch_errors_write
from kpi_portal.spreadsheets import neutralise_csv_cell

# Statuses after which nothing changes without the person's action: the page stops polling.
SETTLED = frozenset(
    {ImportStatus.VALIDATED, ImportStatus.APPLIED, ImportStatus.REFUSED, ImportStatus.FAILED}
)
PREVIEW_ERROR_LIMIT = 20
# The page says processing is delayed when a batch has waited this long for a worker.
DELAY_NOTICE_AFTER = timedelta(seconds=30)


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


def batch_delayed(batch: ImportBatch) -> bool:
    """Whether the batch waits for a worker longer than it should: its step could not be handed
    to the queue (Redis down), or it has been pending for more than DELAY_NOTICE_AFTER since its
    upload or confirmation."""
    if batch.status != ImportStatus.PENDING:
        return False
    if batch.enqueue_failed_at is not None:
        return True
    waiting_since = batch.confirmed_at or batch.created_at
    return timezone.now() - waiting_since > DELAY_NOTICE_AFTER


def batch_progress(batch: ImportBatch) -> BatchProgress:
    return BatchProgress(
        done=batch.status in SETTLED, processed=batch.processed_rows, total=batch.total_rows
    )


def batch_errors(batch: ImportBatch, *, limit: int | None = PREVIEW_ERROR_LIMIT):
    errors = batch.row_errors.filter(is_warning=False).order_by("row_number", "id")
    return list(errors if limit is None else errors[:limit])


def batch_error_count(batch: ImportBatch) -> int:
    return batch.row_errors.filter(is_warning=False).count()


def batch_warning_count(batch: ImportBatch) -> int:
    return batch.row_errors.filter(is_warning=True).count()


def batch_history(*, kind: str | None = None, limit: int = 50) -> QuerySet[ImportBatch]:
    batches = ImportBatch.objects.select_related("uploaded_by").order_by("-created_at", "-id")
    if kind is not None:
        batches = batches.filter(kind=kind)
    return batches[:limit]


def batch_for_kind(batch_id: int, *, kind: str) -> ImportBatch | None:
    return ImportBatch.objects.select_related("uploaded_by").filter(pk=batch_id, kind=kind).first()


def batch_errors_csv(*, batch: ImportBatch) -> bytes:
    """The rejected rows as CSV bytes (UTF-8 with BOM, for Excel): the service's file (row,
    column, reason, then the row's original cells), every cell neutralised against formulas."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "errors.csv"
        import_batch_errors_write(batch=batch, path=path)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([neutralise_csv_cell(cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
