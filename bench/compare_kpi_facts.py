"""Compare, row by row, the KPI facts of two versions of the engine on the same database.

    cd /work/main && python /path/to/this/bench/compare_kpi_facts.py save --db kpi_d_bench
    cd /path/to/this && python bench/compare_kpi_facts.py compare --db kpi_d_bench

The engine that runs is the one of the current directory's checkout (run each step from the
checkout to measure). `save` runs `kpi_full_recompute()` and copies every KpiFact row into the
table --table (default kpi_facts_saved, replaced); `compare` runs it again and lists the rows
that differ from the saved ones:
every key (scope, agency, domain, basis, period, dates) and every counter, all but the row id
and computed_at. Exit status 0 when identical. Use a bench database (bench/bench_kpis.py builds
one), never a real one: the saved table is written into it.
"""

from __future__ import annotations

import argparse
import os
import sys


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["save", "compare"])
    parser.add_argument("--db", required=True)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--table", default="kpi_facts_saved")
    args = parser.parse_args()

    sys.path.insert(0, os.getcwd())
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.db}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")
    import django

    django.setup()
    from django.db import connection

    from reports.models import KpiCell, KpiFact
    from reports.services import kpi_full_recompute

    engine = sys.modules["reports.services"].__file__
    print(f"engine: {engine}")
    kpi_full_recompute()
    columns = [
        field.column
        for field in KpiFact._meta.concrete_fields
        if field.column not in ("id", "computed_at")
    ]
    listed = ", ".join(columns)
    table = connection.ops.quote_name(args.table)
    facts = connection.ops.quote_name(KpiFact._meta.db_table)
    with connection.cursor() as cursor:
        if args.action == "save":
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} AS SELECT {listed} FROM {facts}")
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            print(f"saved {cursor.fetchone()[0]:,} facts ({KpiCell.objects.count():,} cells)")
            return
        cursor.execute(
            f"SELECT 'only saved', * FROM (SELECT {listed} FROM {table}"
            f" EXCEPT ALL SELECT {listed} FROM {facts}) a"
            f" UNION ALL SELECT 'only now', * FROM (SELECT {listed} FROM {facts}"
            f" EXCEPT ALL SELECT {listed} FROM {table}) b"
        )
        differing = cursor.fetchall()
        cursor.execute(f"SELECT COUNT(*) FROM {table}")
        saved = cursor.fetchone()[0]
    now = KpiFact.objects.count()
    for row in differing[:20]:
        print(dict(zip(["which", *columns], row, strict=True)))
    print(
        f"{saved:,} saved facts, {now:,} now ({KpiCell.objects.count():,} cells):"
        f" {len(differing):,} rows differ"
    )
    sys.exit(1 if differing else 0)


if __name__ == "__main__":
    main()
