"""The sweep that resends batches left pending (Redis was down at upload or confirmation), and
fails those whose process died while checking or writing them.

Tasks run inline here; the real broker and worker path is test_redis_down.py.
"""

from __future__ import annotations

import datetime as dt
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_batch_create, import_batch_validate
from tests.dossiers.conftest import dossier_csv
from tests.workers import child_env, side_connection

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


# --- Batches whose process died while checking or writing them (issue 15 item 1) --------------
#
# Before, nothing ended them: a web upload whose worker died stayed "validating" for good.

RUNNING = [ImportStatus.VALIDATING, ImportStatus.APPLYING]


def _running(tmp_path, status: str, *, minutes_ago: int = 0) -> ImportBatch:
    """A batch claimed for a step `minutes_ago` by a process that holds no lock (gone)."""
    batch = _pending(tmp_path, minutes_ago=minutes_ago)
    started = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, started_at=started)
    return batch


def _stuck_reason(status: str) -> str:
    step = "kiểm tra" if status == ImportStatus.VALIDATING else "ghi dữ liệu từ"
    return (
        f"Việc {step} tệp ho-so.csv bị dừng giữa chừng: tiến trình xử lý đã dừng (máy chủ khởi "
        "động lại hoặc tiến trình bị tắt). Không hồ sơ nào bị ghi dở; hãy tải lên lại tệp."
    )


@pytest.mark.parametrize("status", RUNNING)
@pytest.mark.postgres  # the alive lock is PostgreSQL's; SQLite's bound is tested apart
def test_a_batch_whose_process_died_is_failed_by_the_sweep_with_its_reason(
    catalogue, tmp_path, status
):
    batch = _running(tmp_path, status)
    services.import_batches_resume()
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.refusal == _stuck_reason(status)
    assert batch.finished_at is not None
    assert not Dossier.objects.exists()


@pytest.mark.postgres
@pytest.mark.parametrize("status", RUNNING)
def test_a_batch_whose_process_is_alive_is_left_running(catalogue, tmp_path, status):
    batch = _running(tmp_path, status, minutes_ago=600)  # long, but alive
    with side_connection() as peer:  # the process working on it, holding its lock
        peer.execute(
            "SELECT pg_advisory_lock(%s, %s)", [services._ALIVE_LOCK, services._lock_id(batch.pk)]
        )
        assert services.import_batches_fail_stuck() == []
        batch.refresh_from_db()
        assert batch.status == status
    # The connection closed, as a killed process's does: the lock is gone, the batch failed.
    assert services.import_batches_fail_stuck() == [batch.pk]
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED


@pytest.mark.postgres  # the alive lock is PostgreSQL's; SQLite's bound is tested apart
def test_a_validation_holds_its_lock_while_it_runs_and_frees_it_after(
    catalogue, tmp_path, monkeypatch
):
    batch = _pending(tmp_path, minutes_ago=0)
    seen = []
    check_and_write = services._check_and_write

    def observed(running, *, write):
        seen.append((services._alive(running.pk), services.import_batches_fail_stuck()))
        return check_and_write(running, write=write)

    monkeypatch.setattr(services, "_check_and_write", observed)
    assert import_batch_validate(batch_id=batch.pk).status == ImportStatus.VALIDATED
    assert seen == [(True, [])]  # alive while checking: the sweep left it
    assert not services._alive(batch.pk)


@pytest.mark.parametrize("status", RUNNING)
def test_without_postgresql_a_batch_running_past_the_bound_is_failed(
    catalogue, tmp_path, monkeypatch, settings, status
):
    monkeypatch.setattr(services, "_on_postgres", lambda: False)
    settings.IMPORT_STUCK_AFTER_SECONDS = 3600
    recent = _running(tmp_path, status, minutes_ago=59)
    old = _running(tmp_path, status, minutes_ago=61)
    assert services.import_batches_fail_stuck() == [old.pk]
    recent.refresh_from_db()
    old.refresh_from_db()
    assert recent.status == status
    assert (old.status, old.refusal) == (ImportStatus.FAILED, _stuck_reason(status))


def test_a_step_that_ends_after_the_sweep_failed_it_keeps_the_failure(
    catalogue, tmp_path, monkeypatch, settings
):
    monkeypatch.setattr(services, "_on_postgres", lambda: False)
    settings.IMPORT_STUCK_AFTER_SECONDS = 0  # every running batch counts as stuck
    batch = _pending(tmp_path, minutes_ago=0)
    check_and_write = services._check_and_write

    def swept_meanwhile(running, *, write):
        assert services.import_batches_fail_stuck() == [running.pk]
        return check_and_write(running, write=write)

    monkeypatch.setattr(services, "_check_and_write", swept_meanwhile)
    services.import_batch_apply(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.refusal) == (
        ImportStatus.FAILED,
        _stuck_reason(ImportStatus.APPLYING),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres  # the alive lock is PostgreSQL's; SQLite's bound is tested apart
def test_a_validating_process_killed_is_failed_by_the_next_sweep(catalogue, tmp_path):
    batch = _pending(tmp_path, minutes_ago=0)
    # A real process claims the validation and is killed (SIGKILL) in the middle of it.
    body = (
        "import os, signal\n"
        "from dossiers import services\n"
        "services._check_and_write = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)\n"
        f"services.import_batch_validate(batch_id={batch.pk})\n"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", body],
        cwd=Path(settings.BASE_DIR),
        env=child_env(),
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    batch.refresh_from_db()
    assert batch.status == ImportStatus.VALIDATING  # what it stayed, before
    services.import_batches_resume()
    batch.refresh_from_db()
    assert (batch.status, batch.refusal) == (
        ImportStatus.FAILED,
        _stuck_reason(ImportStatus.VALIDATING),
    )
