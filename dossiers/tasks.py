"""Celery tasks: each takes a batch id (or nothing) and calls one service, nothing else.

Every task is safe to run twice: the services claim a batch by a conditional update before
working on it (`dossiers.services`).
"""

from __future__ import annotations

from celery import shared_task

from dossiers import services


@shared_task(name="dossiers.import_batch_validate")
def import_batch_validate_task(batch_id: int) -> str:
    return services.import_batch_validate(batch_id=batch_id).status


@shared_task(name="dossiers.import_batch_apply")
def import_batch_apply_task(batch_id: int) -> str:
    return services.import_batch_apply(batch_id=batch_id).status


@shared_task(name="dossiers.import_batches_resume")
def import_batches_resume_task() -> int:
    """Send again the steps of batches left pending (Redis was down when they were uploaded)."""
    return services.import_batches_resume()


@shared_task(name="dossiers.apology_reminders")
def apology_reminders_task() -> int:
    """Mail each agency head their dossiers needing an apology, and the province a summary."""
    from dossiers.apology_reminders import apology_reminders_send

    return apology_reminders_send()


@shared_task(name="dossiers.apology_slip_bundle_build")
def apology_slip_bundle_build_task(bundle_id: str) -> str:
    """Build the ZIP of many apology slips (dossiers/slip_bundles.py)."""
    from dossiers.slip_bundles import slip_bundle_build

    bundle = slip_bundle_build(bundle_id=bundle_id)
    return bundle.status if bundle else "missing"


@shared_task(name="dossiers.apology_slip_bundles_sweep")
def apology_slip_bundles_sweep_task() -> dict[str, int]:
    """Send again the bundles left pending, fail the stuck ones, delete those a day old."""
    from dossiers.slip_bundles import slip_bundles_sweep

    return slip_bundles_sweep()
