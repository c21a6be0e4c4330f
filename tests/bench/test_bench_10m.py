"""bench/bench_10m.py at a tiny size: the refresh file it imports, the partitioned copy of the
dossier table it measures, and the engine's cells statement it times as a SELECT."""

from __future__ import annotations

import csv
import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from bench.bench_10m import (
    cells_select_sql,
    copied_index,
    month_starts,
    partition_ddl,
    refresh_rows,
)
from bench.generate_dossiers import generate
from reports.services import _cells_select_sql

pytestmark = pytest.mark.django_db


def _rows(path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_refresh_rows_are_one_months_dossiers_with_another_digitized_count(tmp_path):
    source = generate(out=tmp_path, rows=3000, profile="hidden")["dossiers"]
    original = {row[0]: row for row in _rows(source)[1:]}

    target = tmp_path / "refresh.csv"
    written = refresh_rows(source, target, month="2402", rows=50, turn=1)

    header, *rows = _rows(target)
    assert header == _rows(source)[0]
    assert written == len(rows) == 50
    for row in rows:
        before = original[row[0]]
        assert "-2402" in row[0]  # received in February 2024 (the code holds the day)
        assert row[10] != before[10]
        assert 0 <= int(row[10]) <= int(row[9])
        assert row[:10] + row[11:] == before[:10] + before[11:]  # nothing else changed
    # A second turn changes the count again, whatever the first turn wrote.
    again = tmp_path / "again.csv"
    refresh_rows(source, again, month="2402", rows=50, turn=2)
    assert all(a[10] != b[10] for a, b in zip(_rows(target)[1:], _rows(again)[1:], strict=True))


def test_month_starts_cover_the_last_month_with_its_end():
    assert month_starts(dt.date(2023, 11, 5), dt.date(2024, 2, 29)) == [
        dt.date(2023, 11, 1),
        dt.date(2023, 12, 1),
        dt.date(2024, 1, 1),
        dt.date(2024, 2, 1),
        dt.date(2024, 3, 1),
    ]


def test_a_unique_index_of_a_partitioned_copy_holds_the_partition_key():
    unique = "CREATE UNIQUE INDEX dossier_code_unique ON public.dossiers_dossier USING btree (code)"
    partial = (
        "CREATE INDEX dossier_late_or_open ON public.dossiers_dossier USING btree "
        "(agency_id, due_at) WHERE (finished_at IS NULL)"
    )
    assert copied_index(unique, "dossiers_dossier", "t") == (
        "CREATE UNIQUE INDEX t_dossier_code_unique ON t USING btree (code, received_at)"
    )
    assert copied_index(unique, "dossiers_dossier", "t", partitioned=False) == (
        "CREATE UNIQUE INDEX t_dossier_code_unique ON t USING btree (code)"
    )
    assert copied_index(partial, "dossiers_dossier", "t") == (
        "CREATE INDEX t_dossier_late_or_open ON t USING btree (agency_id, due_at) "
        "WHERE (finished_at IS NULL)"
    )


@pytest.mark.postgres  # declarative partitions and pg_indexes are PostgreSQL's
def test_the_cells_pass_reads_the_same_cells_from_the_partitioned_copy(tmp_path):
    paths = generate(out=tmp_path, rows=2000, profile="hidden")
    for kind in ("agencies", "procedures", "dossiers"):
        call_command(f"import_{kind}", str(paths[kind]), stdout=StringIO(), stderr=StringIO())
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'dossiers_dossier' "
            "ORDER BY indexname"
        )
        indexdefs = [row[0] for row in cursor.fetchall()]
        months = month_starts(dt.date(2023, 1, 1), dt.date(2024, 3, 31))
        for statement in partition_ddl("bench_part", "dossiers_dossier", months, indexdefs):
            cursor.execute(statement)
        cursor.execute("INSERT INTO bench_part SELECT * FROM dossiers_dossier")
        cursor.execute("SELECT count(*) FROM bench_part_default")
        assert cursor.fetchone()[0] == 0  # every dossier in its month's partition
        cursor.execute("SELECT count(DISTINCT tableoid) FROM bench_part")
        assert cursor.fetchone()[0] == 15

        cells = {}
        for table in ("dossiers_dossier", "bench_part"):
            cursor.execute(cells_select_sql(_cells_select_sql("1 = 1"), table), [])
            cells[table] = sorted(cursor.fetchall(), key=repr)
    assert cells["bench_part"] == cells["dossiers_dossier"]
    assert cells["bench_part"]


def test_cells_select_sql_refuses_a_statement_it_does_not_recognise():
    with pytest.raises(ValueError, match="FROM dossiers_dossier d"):
        cells_select_sql("SELECT 1 FROM dossiers_apology a")
