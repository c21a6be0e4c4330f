"""The sweep that resends batches left pending (Redis was down at upload or confirmation).

Tasks run inline here; the real broker and worker path is test_redis_down.py.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_batch_create, import_batch_validate
from tests.dossiers.conftest import dossier_csv

pytestmark = pytest.mark.django_db


def _pending(tmp_path, *, minutes_ago: int) -> ImportBatch:
    path = tmp_path / "ho-so.csv"
    path.write_text(dossier_csv([{"code": "H-1"}, {"code": "H-2"}]), encoding="utf-8")
    batch = import_batch_create(kind=ImportKind.DOSSIERS, path=path, source="web")
    created = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(created_at=created)
    return batch


def test_an_upload_left_pending_is_validated_by_the_sweep(catalogue, tmp_path):
    fresh = _pending(tmp_path, minutes_ago=0)
    # Just uploaded: its own task may still be on its way; the sweep leaves it for now.
    assert services.import_batches_resume() == 0
    ImportBatch.objects.filter(pk=fresh.pk).update(
        created_at=timezone.now() - services.RESUME_AFTER - dt.timedelta(seconds=1)
    )
    assert services.import_batches_resume() == 1
    fresh.refresh_from_db()
    assert fresh.status == ImportStatus.VALIDATED
    assert (fresh.created, fresh.rejected) == (2, 0)
    assert not Dossier.objects.exists()  # validated only: the person still has to confirm


def test_a_confirmed_batch_left_pending_is_written_by_the_sweep(
    catalogue, tmp_path, django_capture_on_commit_callbacks
):
    batch = _pending(tmp_path, minutes_ago=5)
    import_batch_validate(batch_id=batch.pk)
    batch.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):  # the apply task is never sent
        assert services.import_batch_confirm(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PENDING and batch.started_at is not None
    # A stray validation message for it changes nothing: the confirmation stands.
    assert import_batch_validate(batch_id=batch.pk).status == ImportStatus.PENDING
    assert services.import_batches_resume() == 1
    batch.refresh_from_db()
    assert batch.status == ImportStatus.APPLIED
    assert sorted(Dossier.objects.values_list("code", flat=True)) == ["H-1", "H-2"]


def test_the_beat_runs_the_sweep_every_two_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["import-batches-resume"]
    assert entry == {"task": "dossiers.import_batches_resume", "schedule": 120.0}
