"""Celery adapters for the web upload: each takes a batch id and calls one service.

Both are safe to run twice: validation of a batch that is already applied does nothing, and
`import_batch_apply` claims the batch with a conditional update before writing.
"""

from __future__ import annotations

from celery import shared_task

from dossiers.services import import_batch_apply, import_batch_validate


@shared_task(name="dossiers.import_batch_validate")
def import_batch_validate_task(batch_id: int) -> str:
    return import_batch_validate(batch_id=batch_id).status


@shared_task(name="dossiers.import_batch_apply")
def import_batch_apply_task(batch_id: int) -> str:
    return import_batch_apply(batch_id=batch_id).status


@shared_task(name="dossiers.import_batches_resume")
def import_batches_resume_task() -> int:
    """Send again the steps of batches left pending (Redis was down when they were uploaded)."""
    from dossiers.web_imports import import_batches_resume

    return import_batches_resume()


@shared_task(name="dossiers.apology_reminders")
def apology_reminders_task() -> int:
    """Mail each agency head their dossiers needing an apology, and the province a summary."""
    from dossiers.apology_reminders import apology_reminders_send

    return apology_reminders_send()
