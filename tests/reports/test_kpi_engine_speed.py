"""The KPI engine's faster paths give the figures the plain ones give (issue 16, full recompute).

* Cells merged to the periods' grain (`_cells_within_sql`): a bucket is written as the last
  period boundary at or before it; the worked mapping below is checked on both databases.
* The facts of the (basis, year) groups computed two at a time, each on its own connection,
  when a full recompute runs outside any transaction on PostgreSQL: the same facts as one at a
  time, and as the definitions computed from the dossiers.
* tune_for_batch caps a parallel statement at one process per core of the database server.
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from django.db import connection, transaction
from django.test import override_settings

from dossiers.models import Dossier
from kpi_portal.db import tune_for_batch
from kpi_portal.periods import Basis, standard_periods_overlapping
from reports import services
from reports.models import KpiPeriod
from reports.services import kpi_full_recompute
from tests.reports.kpi_data import end_of_day, make_dossier, vn
from tests.reports.test_kpi_engine import mixed_data, reference_facts, stored_facts


@pytest.mark.django_db
def test_a_bucket_is_written_as_the_last_boundary_at_or_before_it():
    # Periods (sb, eb) = (10, 13) and (12, 14): boundaries (every sb and eb + 1) 10, 12, 14, 15.
    # Worked by hand: before 10 -> 9; 10, 11 -> 10; 12, 13 -> 12; 14 -> 14; from 15 on -> 15.
    sql = services._bucket_grain_sql("v.x", [10, 12, 14, 15])
    values = [None, 3, 9, 10, 11, 12, 13, 14, 15, 16, 40]
    rows = " UNION ALL ".join(
        f"SELECT {value if value is not None else 'NULL'} AS x" for value in values
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql} FROM ({rows}) v", [])
        got = [row[0] for row in cursor.fetchall()]
    assert got == [None, 9, 9, 10, 10, 12, 12, 14, 15, 15, 15]


@pytest.mark.django_db
def test_each_period_sees_a_merged_bucket_on_the_same_side_of_its_bounds():
    # For every bucket x and every period of a year (both bases, as the engine builds them), the
    # written bucket compares with sb and eb as x does: the merge changes no condition.
    for basis in Basis:
        periods = standard_periods_overlapping(date(2024, 1, 1), date(2024, 12, 31), basis)
        year = [p for p in periods if p.year == 2024]
        bounds = [(p.start_bucket, p.end_bucket) for p in year]
        cuts = sorted({sb for sb, _ in bounds} | {eb + 1 for _, eb in bounds})
        lo, last = cuts[0], cuts[-1]
        buckets = list(range(lo - 30, last + 30))
        rows = " UNION ALL ".join(f"SELECT {b} AS x" for b in buckets)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {services._bucket_grain_sql('v.x', cuts)} FROM ({rows}) v", [])
            written = [row[0] for row in cursor.fetchall()]
        for x, w in zip(buckets, written, strict=True):
            for sb, eb in bounds:
                assert (x >= sb, x <= eb) == (w >= sb, w <= eb), (basis, x, w, sb, eb)
        # And the two halves of a month (of the basis) are written alike.
        assert len(set(written)) < len(buckets) / 1.5


def _more_data(tree) -> None:
    mixed_data(tree)
    # Open for years, overdue, with and without an apology; a supplemented one.
    make_dossier(
        tree.commune, tree.land, received_at=vn(2022, 11, 3, 8), due_at=end_of_day(2022, 11, 20)
    )
    make_dossier(
        tree.district,
        tree.civil,
        received_at=vn(2023, 5, 14, 23, 59),
        due_at=end_of_day(2023, 5, 30),
        apology_at=end_of_day(2023, 6, 2),
    )
    supplemented = make_dossier(
        tree.department,
        tree.land,
        received_at=vn(2023, 7, 1, 9),
        due_at=end_of_day(2023, 7, 20),
        finished_at=vn(2023, 8, 15, 10),
    )
    Dossier.objects.filter(pk=supplemented.pk).update(
        supplement_requests=1,
        supplement_requested_at=vn(2023, 7, 10, 9),
        supplement_completed_at=vn(2023, 7, 25, 9),
    )


@pytest.fixture
def threads(monkeypatch) -> set[int]:
    """The threads in which (basis, year) groups of facts were computed."""
    seen: set[int] = set()
    plain = services.kpi_periods_recompute

    def spy(**kwargs):
        seen.add(threading.get_ident())
        return plain(**kwargs)

    monkeypatch.setattr(services, "kpi_periods_recompute", spy)
    return seen


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_groups_computed_two_at_a_time_give_the_facts_of_the_definitions(tree, threads):
    _more_data(tree)
    assert not connection.in_atomic_block
    with override_settings(KPI_DB_CORES=2):
        groups = kpi_full_recompute()
    assert len(groups) > 2
    assert threading.get_ident() not in threads and len(threads) == 2
    at_once = stored_facts()
    assert at_once == reference_facts()

    # One at a time (as inside a transaction) gives the same rows.
    threads.clear()
    with override_settings(KPI_DB_CORES=1):
        kpi_full_recompute()
    assert threads == {threading.get_ident()}
    assert stored_facts() == at_once


@pytest.mark.django_db
def test_inside_a_transaction_the_groups_run_here_one_after_the_other(tree, threads):
    _more_data(tree)
    kpi_full_recompute()
    assert threads == {threading.get_ident()}
    assert stored_facts() == reference_facts()


@pytest.mark.postgres
@pytest.mark.django_db
@pytest.mark.parametrize(("cores", "workers"), [(1, 0), (2, 1), (64, None)])
def test_a_batch_uses_at_most_one_process_per_core_of_the_database(cores, workers):
    def workers_per_gather() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SHOW max_parallel_workers_per_gather")
            return int(cursor.fetchone()[0])

    default = workers_per_gather()
    with override_settings(KPI_DB_CORES=cores), transaction.atomic():
        tune_for_batch()
        expected = default if workers is None else min(workers, default)
        assert workers_per_gather() == expected


@pytest.mark.django_db
@pytest.mark.parametrize("never_received", [False, True])
def test_the_universe_read_from_the_cells_is_the_one_read_from_the_dossiers(tree, never_received):
    # A full recompute reads which periods exist from the cells it has just written and from
    # the never-received dossiers (in no cell), not from every dossier: the same periods.
    mixed_data(tree)
    # Last dates on a 14th and a 15th: a bucket's last day is not the date itself.
    make_dossier(
        tree.commune,
        tree.civil,
        received_at=vn(2023, 4, 14, 23, 59),
        due_at=end_of_day(2023, 4, 28),
        finished_at=vn(2023, 4, 15, 0, 1),
    )
    if never_received:
        # Registered in 2020 and never received: its date still opens the periods from then.
        never = make_dossier(
            tree.department,
            tree.land,
            received_at=vn(2020, 3, 2, 9),
            due_at=end_of_day(2020, 3, 20),
        )
        Dossier.objects.filter(pk=never.pk).update(status=1)
    kpi_full_recompute()
    from_dossiers = services.kpi_universe()
    assert services._kpi_universe_from_cells() == from_dossiers
    # The first receipt is 20/12/2022: the earliest period to end is the calendar month 12/2022
    # (the reporting month holding it ends on 14/01/2023). With 02/03/2020, the reporting month
    # 15/02–14/03/2020.
    first_end = date(2020, 3, 14) if never_received else date(2022, 12, 31)
    assert min(period.end for period in from_dossiers) == first_end
    stored = set(KpiPeriod.objects.values_list("basis", "period"))
    assert stored == {(period.basis.value, period.code) for period in from_dossiers}
