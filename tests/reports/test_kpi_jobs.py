"""The engine's jobs: the importer's signal, the Celery tasks inline, and a real worker."""

from __future__ import annotations

import pytest
import time_machine
from django.db import connection

from dossiers.models import TouchedCell
from dossiers.signals import dossiers_changed
from reports.models import KpiFact, KpiRun, KpiRunKind
from reports.services import kpi_full_recompute
from reports.tasks import (
    kpi_full_recompute_task,
    kpi_periods_recompute_task,
    kpi_refresh_touched_task,
)
from tests.reports.kpi_data import end_of_day, figures, make_dossier, touch, vn
from tests.workers import celery_worker, wait_until


@pytest.mark.django_db
class TestInline:
    def test_the_importer_signal_refreshes_the_facts_after_commit(
        self, tree, django_capture_on_commit_callbacks
    ):
        kpi_full_recompute()
        make_dossier(
            tree.department, tree.land, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 9)
        )
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            dossiers_changed.send(sender=None, batch_id=None)
            assert not KpiFact.objects.exists()  # nothing before the commit
        assert len(callbacks) == 1
        assert not TouchedCell.objects.exists()
        assert figures("2023-03")["STP", "on_time"] == (0, 1)

    def test_the_full_recompute_task_fans_out_one_task_per_basis_and_year(
        self, tree, django_capture_on_commit_callbacks
    ):
        make_dossier(
            tree.department, tree.land, received_at=vn(2022, 12, 20), due_at=end_of_day(2023, 1, 9)
        )
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            groups = kpi_full_recompute_task.delay().get()
        # Calendar 2022 and 2023; reporting 2023 (15/12/2022–): and nothing else.
        assert groups == 3
        assert len(callbacks) == 3
        assert KpiRun.objects.filter(kind=KpiRunKind.PERIODS).count() == 3
        assert figures("2023-01", "reporting")["STP", "on_time"] == (0, 1)  # open at 14/01
        assert figures("2022-12")["STP", "on_time"] == (1, 1)
        with time_machine.travel(vn(2023, 1, 8, 10), tick=False):
            # Periods of calendar 2023 overlapping 01/01–08/01: January, Q1, H1, 9M, the year.
            assert kpi_periods_recompute_task.delay("calendar", 2023).get() == 5


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_refreshes_what_an_import_touched(tree):
    make_dossier(
        tree.department, tree.land, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 9)
    )
    kpi_full_recompute()
    assert figures("2023-03")["STP", "on_time"] == (0, 1)
    # An import finishes the dossier on time and adds another one.
    dossier = tree.department.dossiers.get()
    touch(dossier)
    dossier.finished_at = vn(2023, 3, 5)
    dossier.save()
    touch(dossier)
    make_dossier(
        tree.department, tree.land, received_at=vn(2023, 3, 2), due_at=end_of_day(2023, 4, 30)
    )

    with celery_worker() as worker:
        kpi_refresh_touched_task.delay()
        wait_until(
            lambda: not TouchedCell.objects.exists(),
            what="the worker to drain the touched cells",
        )
        connection.close()  # see the worker's commits
        assert figures("2023-03")["STP", "on_time"] == (2, 2)
        assert KpiRun.objects.filter(kind=KpiRunKind.REFRESH).exists()
    assert "Traceback" not in worker.output, worker.output
