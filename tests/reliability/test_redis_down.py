"""Redis down: pages still serve from the database, an upload is kept and says its processing is
delayed, an import by command still writes; when Redis is back the work resumes, nothing lost.

"Down" is a child process whose REDIS_URL points at a closed port (the shared Redis is never
stopped); "back" is the suite's own Redis database with a real worker.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from agencies.models import Domain, Procedure
from dossiers.models import ImportBatch, ImportStatus, TouchedCell
from dossiers.services import import_file
from reports.models import KpiFact
from reports.services import kpi_full_recompute
from reports.tasks import kpi_refresh_touched_task
from tests.dossiers.conftest import dossier_csv
from tests.personas import agencies_create, personas_create
from tests.workers import celery_worker, child_env, closed_port, wait_until

PROBE = "tests.reliability.redis_down_probe"
pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _received(agency: str, period: str) -> int:
    fact = KpiFact.objects.get(scope=agency, basis="calendar", period=period, domain=None)
    return fact.received


def test_redis_down_then_back(tmp_path, settings_fast_hasher):
    agencies = agencies_create()
    civil = Domain.objects.create(name="Hộ tịch")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    personas_create(agencies)
    first = tmp_path / "first.csv"
    first.write_text(dossier_csv([{"code": "H-1"}]), encoding="utf-8")
    import_file(kind="dossiers", path=first)
    kpi_full_recompute()
    assert _received("HL-TT", "2023-06") == 1  # H-1, received 12/06/2023
    upload = tmp_path / "upload.csv"
    upload.write_text(dossier_csv([{"code": "H-10"}, {"code": "H-11"}]), encoding="utf-8")
    (tmp_path / "upload-command.csv").write_text(dossier_csv([{"code": "H-20"}]), "utf-8")

    probe = subprocess.run(
        [sys.executable, "-m", PROBE, "province_officer", "HL-TT", str(upload)],
        cwd=Path(settings.BASE_DIR),
        env=child_env(REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    seen = json.loads(probe.stdout.strip().splitlines()[-1])

    # Pages read the database only.
    assert seen["home"] == 200
    assert seen["agency"] == 200
    assert "UBND thị trấn Diên Sanh" in seen["agency_text"]
    # The upload is kept and says it is delayed (no 500).
    assert seen["upload"] == 200
    batch = ImportBatch.objects.get(original_name="ho-so.csv")
    assert seen["redirects"] == [f"/imports/{batch.pk}/"]
    assert "việc kiểm tra đang bị chậm" in seen["upload_text"]
    assert batch.status == ImportStatus.PENDING
    assert Path(batch.file.path).read_bytes() == upload.read_bytes()
    # The command wrote its dossier; the KPI refresh it asked for waits in the touched cells.
    assert "created 1, updated 0, unchanged 0, rejected 0" in seen["command"]
    assert TouchedCell.objects.exists()
    assert _received("HL-TT", "2023-06") == 1

    # Redis is back: a worker runs, the sweep (beat task or command) resends the pending batch,
    # and the beat's minute refresh drains the touched cells.
    with celery_worker() as worker:
        out = _call("resume_imports", "--now")
        assert out.strip() == "sent 1 of 1"
        kpi_refresh_touched_task.delay()

        def settled():
            batch.refresh_from_db()
            return batch.status == ImportStatus.VALIDATED and not TouchedCell.objects.exists()

        wait_until(settled, timeout=90, what="the worker to validate the batch and refresh")
        assert worker.poll() is None
    # Both rows of the upload would be created; H-20 now counts in June's facts.
    assert (batch.created, batch.updated, batch.rejected) == (2, 0, 0)
    assert _received("HL-TT", "2023-06") == 2


def _call(*args: str) -> str:
    stdout = io.StringIO()
    call_command(*args, stdout=stdout)
    return stdout.getvalue()


@pytest.fixture
def settings_fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
