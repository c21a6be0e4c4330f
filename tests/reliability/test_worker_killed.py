"""A worker killed (SIGKILL) in the middle of a full recompute: readers only ever see each
period's complete old facts or complete new facts; the next run completes the recompute.

The worker is caught mid-transaction deterministically: another connection holds a row lock on
every `KpiPeriod`, so the first (basis, year) task blocks right after deleting that group's
facts, inside its transaction. Readers are checked then, the worker is killed, the lock freed.
"""

from __future__ import annotations

import datetime as dt
import signal

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from reports.models import FACT_COUNTERS, KpiFact, KpiPeriod, KpiRun, KpiRunKind
from reports.services import FULL_RECOMPUTE_CATCH_UP, kpi_full_recompute, kpi_refresh_touched
from reports.tasks import kpi_full_recompute_task
from tests.reports.kpi_data import end_of_day, figures, make_dossier, make_tree, vn
from tests.workers import celery_worker, side_connection, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _facts_by_period() -> dict[tuple[str, str], list[tuple]]:
    """Every period's facts, without their computation time: what a reader sees."""
    connection.close()  # a fresh snapshot, as a new request would read
    facts: dict[tuple[str, str], list[tuple]] = {}
    for row in KpiFact.objects.order_by("basis", "period", "scope", "domain_id").values_list(
        "basis", "period", "scope", "domain_id", *FACT_COUNTERS
    ):
        facts.setdefault(row[:2], []).append(row[2:])
    return facts


def _blocked_worker_pid(side) -> int | None:
    row = side.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND query ILIKE 'DELETE FROM%%kpiperiod%%'"
    ).fetchone()
    return row[0] if row else None


def test_killed_mid_recompute_readers_see_old_or_new_and_the_next_run_completes():
    tree = make_tree()
    dossier = make_dossier(
        tree.department, tree.land, received_at=vn(2023, 3, 1), due_at=end_of_day(2023, 3, 9)
    )
    kpi_full_recompute()
    old = _facts_by_period()
    # Open on 31/03, overdue: on time 0 of 1 handled.
    assert figures("2023-03")["STP", "on_time"] == (0, 1)
    # The dossier finishes on time: the new figures would be 1 of 1.
    dossier.finished_at = vn(2023, 3, 5)
    dossier.save()

    with side_connection() as blocker, side_connection() as watcher, celery_worker() as worker:
        blocker.autocommit = False
        blocker.execute("SELECT id FROM reports_kpiperiod FOR UPDATE")
        kpi_full_recompute_task.delay()
        pid = wait_until(lambda: _blocked_worker_pid(watcher), what="the worker mid-recompute")
        # The worker has rebuilt the cells (committed) and deleted one group's facts
        # (uncommitted). Readers still see every period's old facts, complete.
        assert KpiRun.objects.filter(kind=KpiRunKind.FULL_CELLS).count() == 2
        assert _facts_by_period() == old
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=20)
        blocker.rollback()
        # The server notices the dead client and rolls its transaction back.
        wait_until(
            lambda: (
                not watcher.execute(
                    "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]
                ).fetchone()
            ),
            what="the killed worker's session to end",
        )
    assert _facts_by_period() == old
    assert not KpiRun.objects.filter(kind=KpiRunKind.PERIODS, started_at__gt=_last_cells())

    # The next run (the beat's minute refresh, once the catch-up delay has passed) completes
    # the killed recompute without a new full run.
    later = timezone.now() + FULL_RECOMPUTE_CATCH_UP + dt.timedelta(minutes=1)
    with time_machine.travel(later, tick=True):
        result = kpi_refresh_touched()
    assert result.periods == len(old)
    assert figures("2023-03")["STP", "on_time"] == (1, 1)
    completed = _facts_by_period()
    assert completed != old
    kpi_full_recompute()  # the reference: a full recompute from scratch
    assert _facts_by_period() == completed
    assert KpiPeriod.objects.filter(computed_at__lt=_last_cells()).count() == 0


def _last_cells() -> dt.datetime:
    return (
        KpiRun.objects.filter(kind=KpiRunKind.FULL_CELLS)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
