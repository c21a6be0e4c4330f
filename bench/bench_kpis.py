"""KPI engine benchmark on PostgreSQL: a full recompute against one SQL aggregate pass.

    python bench/bench_kpis.py                    # 1,000,000 dossiers, 15 months, 15 agencies
    python bench/bench_kpis.py --rows 100000      # a quick try
    python bench/bench_kpis.py --hidden-like      # like issue 16's file (below)

In a database --db (default kpi_d_bench, DROPPED and created afresh each run) at --pg:

1. migrate; 15 agencies (province, 6 departments, 3 districts, 5 communes), 10 domains, 40
   procedures; --rows dossiers generated in SQL (generate_series, fixed seed) over the 15 months
   up to today, about 85% finished, some late, half of the overdue ones with an apology, and
   --supplemented of them (default 5%) with one or two supplementation requests, about 70% of
   them completed (the cells then carry the supplementation keys, domain.md section 11);
2. baseline: ONE aggregate pass over the same rows, GROUP BY agency and local month with the
   counters (received, online, digitized, with fee, paid online, finished late, e-result), which
   PostgreSQL runs in one process; and the same counters GROUP BY agency alone, which it splits
   over parallel workers (printed too, for an honest comparison: the full recompute's first pass
   uses parallel workers);
3. `kpi_full_recompute()`: every standard period on both bases, per domain and all domains;
4. an "import" of 1,000 changed dossiers of one month (UPDATE + the touched cells an importer
   writes), then `kpi_refresh_touched()`.

--hidden-like is shaped like issue 16's independent file: 17 agencies, 6% of the dossiers never
finished, and the 15 months of data ending three years ago (--months-ago 36), so the universe
runs for years past the last receipt with every open dossier handled (and overdue) in each
period up to today.

Each timed step runs twice; the better time counts (both are printed). Prints the ratio of (3)
to (2) (target: at most 10) and the time of (4) (target: under 5 s), and with --markdown a
section for docs/benchmarks.md. With --stages, one more full recompute has its statements timed
by stage (cells, facts, all-domains totals, universe, deletes).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The baseline's counters: what one aggregate pass over the dossiers sums (bench_10m too).
BASELINE_COUNTERS = """
    COUNT(*),
    SUM(CASE WHEN d.channel = 'truc_tuyen' THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.components_digitized = d.components_total THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.fee > 0 THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.paid_online THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.finished_at > d.due_at THEN 1 ELSE 0 END),
    SUM(CASE WHEN d.e_result THEN 1 ELSE 0 END)
"""


def baseline_sql(tz: str) -> str:
    """The baseline: one aggregate pass, the counters per agency and local month. PostgreSQL runs
    it in one process: it expects a group per row (it cannot tell how many months date_trunc
    gives) and does not split the grouping over workers."""
    return (
        f"SELECT d.agency_id, date_trunc('month', d.received_at AT TIME ZONE '{tz}'),"
        f" {BASELINE_COUNTERS} FROM dossiers_dossier d GROUP BY 1, 2"
    )


# The same counters per agency only: PostgreSQL splits this pass over parallel workers.
BASELINE_PARALLEL_SQL = (
    f"SELECT d.agency_id, {BASELINE_COUNTERS} FROM dossiers_dossier d GROUP BY 1"
)
TARGET_RATIO = 10.0
TARGET_REFRESH_SECONDS = 5.0


def recreate_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def timed(step, repeat: int = 2) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return min(times), times


def stage_of(sql: str) -> str:
    """Which stage of a full recompute a statement belongs to (docs/benchmarks.md)."""
    if "INSERT INTO" in sql and "reports_kpifact" in sql:
        return "totals" if "periods (basis, period)" in sql else "facts"
    if "kpi_cells_staging" in sql or ("INSERT INTO" in sql and "reports_kpicell" in sql):
        return "cells"
    if "dossiers_dossier" in sql and "MIN(" in sql.upper():
        return "universe"
    if sql.lstrip().upper().startswith("DELETE"):
        return "deletes"
    return "other"


def print_stages(connection, full_recompute) -> None:
    """Run one full recompute with every statement timed, and print the time per stage."""
    spent: dict[str, float] = {}

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stage = stage_of(sql)
            spent[stage] = spent.get(stage, 0.0) + time.perf_counter() - started

    started = time.perf_counter()
    with connection.execute_wrapper(timer):
        full_recompute()
    total = time.perf_counter() - started
    print("stages:", ", ".join(f"{k} {v:.2f} s" for k, v in sorted(spent.items())), end="")
    print(f"; total {total:.2f} s (Python and the rest {total - sum(spent.values()):.2f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--changed", type=int, default=1_000)
    parser.add_argument("--supplemented", type=float, default=0.05)
    parser.add_argument("--agencies", type=int, default=15, help="at least 10 (with the root)")
    parser.add_argument("--open", type=float, default=0.15, help="share never finished")
    parser.add_argument(
        "--months-ago", type=int, default=0, help="months from the last data month to today"
    )
    parser.add_argument(
        "--hidden-like", action="store_true", help="--agencies 17 --open 0.06 --months-ago 36"
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="kpi_d_bench")
    parser.add_argument("--markdown", action="store_true", help="print a docs section too")
    parser.add_argument(
        "--stages", action="store_true", help="one more full recompute, its statements timed"
    )
    args = parser.parse_args()
    if args.hidden_like:
        args.agencies, args.open, args.months_ago = 17, 0.06, 36

    recreate_database(args.pg, args.db)
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.db}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from agencies.models import Agency, Domain, Procedure
    from reports.models import KpiCell, KpiFact, KpiPeriod
    from reports.services import kpi_full_recompute, kpi_refresh_touched

    call_command("migrate", verbosity=0)
    tz = timezone.get_current_timezone_name()

    # --- master data ------------------------------------------------------------------------
    province = Agency.objects.create(code="QT", name="UBND tỉnh", level="tinh")
    agencies = [
        Agency.objects.create(code=f"S{i}", name=f"Sở {i}", level="so", parent=province)
        for i in range(args.agencies - 9)
    ]
    districts = [
        Agency.objects.create(code=f"H{i}", name=f"Huyện {i}", level="huyen", parent=province)
        for i in range(3)
    ]
    communes = [
        Agency.objects.create(
            code=f"X{i}", name=f"Xã {i}", level="xa", parent=districts[i % len(districts)]
        )
        for i in range(5)
    ]
    agency_ids = [a.id for a in [province, *agencies, *districts, *communes]][1:]
    domains = [Domain.objects.create(name=f"Lĩnh vực {i}") for i in range(10)]
    procedure_ids = [
        Procedure.objects.create(
            code=f"1.{i:06d}", name=f"Thủ tục {i}", domain=domains[i % 10], paper_result=i % 3 > 0
        ).id
        for i in range(40)
    ]

    # --- 15 months of dossiers up to today, in SQL --------------------------------------------
    today = timezone.localdate()
    # 15 months up to today, or ending --months-ago months before it.
    months = today.year * 12 + today.month - 1 - args.months_ago
    last_day = (
        today
        if args.months_ago == 0
        else date(months // 12, months % 12 + 1, 1) - timedelta(days=1)
    )
    months -= 15
    first_month = date(months // 12, months % 12 + 1, 1)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT setseed(0.42)")
        cursor.execute(
            f"""
            INSERT INTO dossiers_dossier (code, agency_id, procedure_id, channel, received_at,
                due_at, finished_at, components_total, components_digitized, e_result, fee,
                paid_online, updated_at)
            SELECT 'B-' || g, (%s::bigint[])[1 + g %% %s], (%s::bigint[])[1 + (g * 7) %% %s],
                   CASE WHEN r1 < 0.4 THEN 'truc_tuyen' WHEN r1 < 0.9 THEN 'truc_tiep'
                        ELSE 'buu_chinh' END,
                   received, due,
                   CASE WHEN r2 >= %s THEN LEAST(received + r3 * interval '20 days', now()) END,
                   3, CASE WHEN r4 < 0.675 THEN 3 ELSE 1 END, r5 < 0.3,
                   CASE WHEN r6 < 0.5 THEN 0 ELSE 50000 END, r6 >= 0.5 AND r7 < 0.06, now()
            FROM (
                SELECT g, random() r1, random() r2, random() r3, random() r4, random() r5,
                       random() r6, random() r7, received,
                       received + (1 + floor(random() * 15)) * interval '1 day' AS due
                FROM (
                    SELECT g, (%s::date::timestamp AT TIME ZONE '{tz}')
                              + random() * ((%s::date - %s::date) * interval '1 day') AS received
                    FROM generate_series(1, %s) g
                ) s0
            ) s
            """,
            [
                agency_ids,
                len(agency_ids),
                procedure_ids,
                len(procedure_ids),
                args.open,
                first_month,
                last_day,
                first_month,
                args.rows,
            ],
        )
        cursor.execute(
            """
            UPDATE dossiers_dossier
            SET supplement_requests = 1 + (id %% 2),
                supplement_requested_at = received_at + (id %% 10) * interval '1 day',
                supplement_completed_at = CASE WHEN id %% 10 < 7
                    THEN received_at + (id %% 10 + 1 + id %% 9) * interval '1 day' END
            WHERE random() < %s
            """,
            [args.supplemented],
        )
        cursor.execute(
            """
            INSERT INTO dossiers_apology (dossier_id, issued_at, reason, channel, signer_name,
                signer_title, source, created_at)
            SELECT id, due_at + interval '1 day', '', '', '', '', 'import', now()
            FROM dossiers_dossier
            WHERE (finished_at > due_at OR (finished_at IS NULL AND due_at < now()))
              AND id %% 2 = 0
            """,
            [],
        )
        cursor.execute("ANALYZE")
    elapsed = time.perf_counter() - started
    print(
        f"generated {args.rows:,} dossiers from {first_month} to {last_day}"
        f" ({args.open:.0%} open) in {elapsed:.1f} s"
    )

    # --- baseline: one aggregate pass ----------------------------------------------------------
    def baseline() -> None:
        with connection.cursor() as cursor:
            cursor.execute(baseline_sql(tz))
            cursor.fetchall()

    def baseline_parallel() -> None:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_PARALLEL_SQL)
            cursor.fetchall()

    baseline_s, baseline_all = timed(baseline)
    parallel_s, parallel_all = timed(baseline_parallel)
    full_s, full_all = timed(lambda: kpi_full_recompute())
    ratio = full_s / baseline_s
    cells, facts, periods = (
        KpiCell.objects.count(),
        KpiFact.objects.count(),
        KpiPeriod.objects.count(),
    )

    # --- an import of 1,000 changed dossiers of one month, and the refresh -----------------------
    # The last full month: an import brings recent data.
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if args.months_ago:
        month = last_day.replace(day=1)  # the last month with data

    def import_and_refresh() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            # Touched cells of the old versions, the change, the touched cells of the new ones
            # (every month from receipt to finish, or today), as the importer writes them.
            touched_sql = f"""
                INSERT INTO dossiers_touchedcell (agency_id, month, created_at)
                SELECT DISTINCT d.agency_id, m::date, now()
                FROM dossiers_dossier d,
                     generate_series(
                        date_trunc('month', d.received_at AT TIME ZONE '{tz}'),
                        date_trunc('month', COALESCE(d.finished_at, now()) AT TIME ZONE '{tz}'),
                        interval '1 month') m
                WHERE d.id IN (SELECT id FROM bench_changed)
                ON CONFLICT (agency_id, month) DO UPDATE SET created_at = EXCLUDED.created_at
            """
            cursor.execute(
                f"""
                CREATE TEMP TABLE IF NOT EXISTS bench_changed AS
                SELECT id FROM dossiers_dossier
                WHERE received_at >= (%s::date::timestamp AT TIME ZONE '{tz}')
                  AND received_at < ((%s::date + interval '1 month') AT TIME ZONE '{tz}')
                ORDER BY id LIMIT %s
                """,
                [month, month, args.changed],
            )
            cursor.execute(touched_sql)
            cursor.execute(
                """
                UPDATE dossiers_dossier SET
                    finished_at = LEAST(received_at + interval '2 days'
                                        + (random() * interval '5 days'), now()),
                    e_result = NOT e_result, updated_at = now()
                WHERE id IN (SELECT id FROM bench_changed)
                """
            )
            cursor.execute(touched_sql)
        kpi_refresh_touched()

    refresh_s, refresh_all = timed(import_and_refresh)
    if args.stages:
        print_stages(connection, kpi_full_recompute)

    lines = [
        "## KPI engine",
        "",
        f"`python bench/bench_kpis.py --rows {args.rows}` on {platform.node()} "
        f"({platform.processor() or platform.machine()}, {os.cpu_count()} cores), "
        f"PostgreSQL, {date.today().isoformat()}.",
        "",
        f"{args.rows:,} dossiers over 15 months (from {first_month:%m/%Y} to {last_day:%d/%m/%Y}),"
        f" {args.open:.0%} never finished, {args.agencies} agencies, "
        f"10 domains: {cells:,} cells, {periods} periods on both bases, {facts:,} fact rows "
        "(per domain and all domains).",
        "",
        "| Step | Seconds (best of 2) | Runs | Target |",
        "| --- | --- | --- | --- |",
        f"| Baseline: one GROUP BY agency, month pass | {baseline_s:.2f} | "
        f"{', '.join(f'{t:.2f}' for t in baseline_all)} | |",
        f"| `kpi_full_recompute()` (every period, both bases) | {full_s:.2f} | "
        f"{', '.join(f'{t:.2f}' for t in full_all)} | ≤ {TARGET_RATIO:.0f}× baseline |",
        f"| Ratio full / baseline | **{ratio:.1f}×** | | ≤ {TARGET_RATIO:.0f} |",
        f"| Baseline in parallel: the same counters GROUP BY agency | {parallel_s:.2f} | "
        f"{', '.join(f'{t:.2f}' for t in parallel_all)} | |",
        f"| Ratio full / parallel baseline | {full_s / parallel_s:.1f}× | | |",
        f"| {args.changed:,} changed dossiers of {month:%m/%Y} + `kpi_refresh_touched()` | "
        f"**{refresh_s:.2f}** | {', '.join(f'{t:.2f}' for t in refresh_all)} | "
        f"< {TARGET_REFRESH_SECONDS:.0f} s |",
    ]
    print("\n".join(lines) if args.markdown else "\n".join(lines[7:]))
    ok = ratio <= TARGET_RATIO and refresh_s < TARGET_REFRESH_SECONDS
    print("OK" if ok else "TARGET MISSED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
