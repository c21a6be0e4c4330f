"""What the Imports pages need on top of `dossiers.services`: start a web upload, enqueue its
steps after commit, read a batch's progress and preview, and the error rows as a safe CSV.

The importing itself (reading, checking, writing) is `dossiers.services`; this module only
adapts it to the web: a batch is validated, shown, then applied on confirmation, each step a
Celery task enqueued with `transaction.on_commit` so the worker sees the committed batch.

When Redis does not answer, the upload is still kept (file and batch row, status pending) and
`processing_delayed` is set on the batch so the page can say so; `import_batches_resume` (a beat
task and `manage.py resume_imports`) sends the steps of batches left pending once Redis is back.
"""

from __future__ import annotations

import csv
import io
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from functools import wraps
from pathlib import Path
from typing import IO

from django import forms
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.db import transaction
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from dossiers import services, tasks
from dossiers.models import ImportBatch, ImportRowError, ImportStatus
from kpi_portal.celery import send_or_defer
from kpi_portal.spreadsheets import neutralise_csv_cell

# Statuses after which nothing changes without the person's action: the page stops polling.
SETTLED = frozenset(
    {ImportStatus.VALIDATED, ImportStatus.APPLIED, ImportStatus.REFUSED, ImportStatus.FAILED}
)
PREVIEW_ERROR_LIMIT = 20
# A batch pending for longer than this is sent to the queue again by the sweep (the first send
# may have failed, or the message been lost); a second send is harmless (the steps claim).
RESUME_AFTER = timedelta(minutes=2)
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


class BoundedUploadHandler(FileUploadHandler):
    """First of the upload handlers of the import form: stops storing an uploaded file once it
    passes `limit` bytes (the rest of the request is read and dropped, never written to disk)
    and marks the request `import_upload_too_large`, so the page can say why."""

    def __init__(self, limit: int, request=None) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            self.request.import_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def bounded_upload(view):
    """For a view that receives an import file (the imports page, the postings upload): at most
    IMPORT_MAX_UPLOAD_BYTES of the file are stored (BoundedUploadHandler first), and the CSRF
    token is checked only once that handler is in place, since the middleware's check would
    parse the whole upload first. The view then calls `refuse_too_large` when the request says
    the file was cut."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        request.upload_handlers.insert(0, BoundedUploadHandler(limit, request))
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def upload_too_large(request) -> bool:
    return getattr(request, "import_upload_too_large", False)


def refuse_too_large(request, form) -> None:
    """The upload was stopped at the limit: the form's file error says so, rather than "choose
    a file"."""
    form.is_valid()
    form.errors.pop("file", None)
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    form.add_error(
        "file",
        forms.ValidationError(
            gettext("Tệp quá lớn (%(size)s); chỉ nhận tệp tối đa %(limit)s.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES),
            },
            code="too_large",
        ),
    )


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
    _enqueue(batch, "validate")
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
    _enqueue(batch, "apply")
    return True


def _task(step: str):
    return {"validate": tasks.import_batch_validate_task, "apply": tasks.import_batch_apply_task}[
        step
    ]


def _enqueue(batch: ImportBatch, step: str) -> None:
    """Send the step after commit; if the broker is down, mark the batch `processing_delayed`
    (it stays pending, and the sweep sends it later)."""
    batch.processing_delayed = False

    def send() -> None:
        batch.processing_delayed = not send_or_defer(_task(step), batch.pk)

    transaction.on_commit(send)


def import_batches_resume(*, older_than: timedelta = RESUME_AFTER) -> int:
    """Send again the step of every batch left pending longer than `older_than`: validation for
    an upload never checked, the write for a confirmed one. Returns how many were sent; stops
    at the first send that fails (the broker is still down: the next sweep tries again)."""
    cutoff = timezone.now() - older_than
    pending = ImportBatch.objects.filter(
        status=ImportStatus.PENDING, created_at__lte=cutoff
    ).order_by("pk")
    sent = 0
    for batch_id, started_at in pending.values_list("pk", "started_at"):
        step = "validate" if started_at is None else "apply"
        if not send_or_defer(_task(step), batch_id):
            break
        sent += 1
    return sent


def batch_delayed(batch: ImportBatch) -> bool:
    """Whether the batch has waited for a worker longer than it should."""
    if batch.status != ImportStatus.PENDING:
        return False
    if getattr(batch, "processing_delayed", False):
        return True
    waiting_since = batch.finished_at or batch.created_at
    return timezone.now() - waiting_since > DELAY_NOTICE_AFTER


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
        writer.writerow([neutralise_csv_cell(cell) for cell in row])
    return "\ufeff".encode() + buffer.getvalue().encode("utf-8")
