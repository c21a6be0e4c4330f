"""Ten million dossiers (issue 16, item 4): every stage of the portal at 10,000,000 rows.

    python bench/bench_10m.py --rows 10000000 --lock /work/helpers/bench.lock
    python bench/bench_10m.py --rows 200000 --db kpi_10m_try      # a quick end-to-end try
    python bench/bench_10m.py --rows 10000000 --stages refresh,sizes   # some stages again

Stages (--stages, comma-separated, run in this order; the results of each are merged into
--out/bench10m-<db>.json, so stages can be run by separate commands):

generate      the import file of bench/generate_dossiers.py's hidden profile (17 agencies, 15
              months 2023-01..2024-03, ~6% never finished, dates in three forms, the apology
              columns) under --data-dir (default bench/out/data, not committed); reused when
              already there.
import        DROPS and recreates --db, migrate, agencies, procedures; then the baseline, psql
              `\\copy` of the file into bench_import's `bench_copy` (the file's columns typed, the
              same indexes), and `manage.py import_dossiers` of the same file into the empty
              dossier table: wall time and peak RSS (wait4) of each process.
recompute     VACUUM ANALYZE of the dossier table, then the baseline, one SQL aggregate pass
              over the dossiers (bench_kpis' GROUP BY agency and local month, best of 2), and
              `manage.py compute_kpis --full` in its own process.
refresh       1,000 dossiers of one month (2024-02) taken from the file with their digitized
              count changed, imported with `import_dossiers` (its KPI refresh is queued and
              dropped, as in bench_import), then `manage.py compute_kpis` (kpi_refresh_touched,
              the refresh the import triggers in production), each timed.
pages         bench_pages.py (wrk: overview against /ping and /healthz) and bench_load.py (50
              users: overview, agency page, rankings, API) pointed at --db with --skip-load,
              and in one process (Django's test client) a custom-range overview and API,
              which compute from the dossiers, against the same standard period.
sizes         table, index and total sizes of the dossier table, apologies, KPI cells and facts.
partitioning  a copy of the dossier table partitioned by local month of received_at
              (declarative RANGE partitions, the same indexes; a unique index must hold the
              partition key) against a plain copy of it with the same indexes: INSERT … SELECT
              of every row into each; the KPI cells pass (reports.services._cells_select_sql,
              a SELECT) and a refresh-shaped cells pass (some agencies, one month) on the plain
              dossier table and on the partitioned copy, alternating; sizes. Copies dropped at
              the end unless --keep-copies.

With --lock PATH each measured step holds an exclusive flock on PATH (the same lock as
`flock PATH cmd`) for its own length only, so benches of other sessions never overlap a step and
can run between steps. Every step is timed from process start to exit; peak memory is the
process's maximum resident set (wait4), not PostgreSQL's. Results: --out/bench10m-<db>.json
and .md.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import fcntl
import itertools
import json
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_import import (  # noqa: E402
    COPY_COLUMNS,
    COPY_TABLE_SQL,
    counts_from,
    machine_facts,
    psql,
    psql_value,
    run_measured,
)
from bench_kpis import baseline_sql  # noqa: E402
from generate_dossiers import generate  # noqa: E402

STAGES = ("generate", "import", "recompute", "refresh", "pages", "sizes", "partitioning")
TZ = "Asia/Ho_Chi_Minh"
REFRESH_MONTH = "2402"  # yymm in the dossier codes: February 2024, the file's last full month
REFRESH_ROWS = 1_000
DIGITIZED_COLUMN = 10  # the file's "Số thành phần đã số hóa"
TOTAL_COLUMN = 9  # "Số thành phần hồ sơ"
# A dossier code of the generator: <agency>-<yymmdd>-<sequence>.
CODE_DAY = re.compile(r"-(\d{6})-\d+$")

BASELINE_AGGREGATE_SQL = baseline_sql(TZ)

SIZE_TABLES = (
    "dossiers_dossier",
    "dossiers_apology",
    "dossiers_touchedcell",
    "reports_kpicell",
    "reports_kpifact",
    "reports_kpiperiod",
)

# In a management shell: a standard-period and two custom-range overviews and APIs, timed in one
# process. A custom range has no facts: whole half-months (01/07–31/12) are read from the cells,
# any other range (02/07–31/12) is counted from the dossiers (reports.selectors).
CUSTOM_RANGE_SNIPPET = """
import json, statistics, time
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.test import Client
from agencies.models import Agency, Membership, Role
from reports import overview_cache
root = Agency.objects.get(parent__isnull=True)
user, _ = get_user_model().objects.get_or_create(username="bench_10m")
Membership.objects.update_or_create(
    user=user, defaults={{"role": Role.PROVINCE_OFFICE, "agency": root, "title": "bench"}}
)
client = Client()
client.force_login(user)
result = {{}}
for name, path in {paths!r}:
    times = []
    for n in range({repeat} + 1):
        for alias in caches:  # every request computes: no page cache between repeats
            caches[alias].clear()
        overview_cache._CACHE.clear()
        started = time.perf_counter()
        response = client.get(path, secure=True)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code)
        if n:  # the first request warms the process (imports, bands, indicators)
            times.append(elapsed * 1000)
    result[name] = {{"path": path, "median_ms": statistics.median(times), "runs_ms": times}}
print("CUSTOMJSON", json.dumps(result))
"""


# --- helpers (pure: tests/bench/test_bench_10m.py) ---------------------------------------------


def refresh_rows(
    source: Path, target: Path, *, month: str = REFRESH_MONTH, rows: int = REFRESH_ROWS, turn: int
) -> int:
    """Write `rows` dossiers of the file received in `month` (yymm) to `target`, each with its
    digitized count changed: (digitized + turn) mod (total + 1), which differs from the value
    stored by the previous turn whatever turn (≥ 1) this is."""
    written = 0
    with (
        source.open(encoding="utf-8", newline="") as handle,
        target.open("w", encoding="utf-8", newline="") as out,
    ):
        reader = csv.reader(handle)
        writer = csv.writer(out)
        writer.writerow(next(reader))
        for row in reader:
            day = CODE_DAY.search(row[0])
            if not day or not day[1].startswith(month):
                continue
            total = int(row[TOTAL_COLUMN])
            row[DIGITIZED_COLUMN] = str((int(row[DIGITIZED_COLUMN]) + turn) % (total + 1))
            writer.writerow(row)
            written += 1
            if written == rows:
                break
    return written


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of the months from first's to the month after last's, both included."""
    months = []
    index = first.year * 12 + first.month - 1
    end = last.year * 12 + last.month  # the month after last
    while index <= end:
        months.append(dt.date(index // 12, index % 12 + 1, 1))
        index += 1
    return months


def partition_ddl(
    table: str, source: str, months: list[dt.date], indexdefs: list[str]
) -> list[str]:
    """Statements creating `table` as `source`'s columns and checks, partitioned by local month
    of received_at (one partition per month between consecutive `months`, and a default one for
    the rest, NULL receipt dates included), with `source`'s indexes: a unique index gets
    received_at added (PostgreSQL requires the partition key in it), so on the partitioned table
    the code is unique per receipt time only."""
    statements = [
        f"DROP TABLE IF EXISTS {table}",
        f"CREATE TABLE {table} (LIKE {source} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        " PARTITION BY RANGE (received_at)",
    ]
    for start, end in itertools.pairwise(months):
        statements.append(
            f"CREATE TABLE {table}_{start:%Y%m} PARTITION OF {table} FOR VALUES FROM "
            f"('{start.isoformat()} 00:00:00+07') TO ('{end.isoformat()} 00:00:00+07')"
        )
    statements.append(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT")
    statements += [copied_index(definition, source, table) for definition in indexdefs]
    return statements


def copied_index(definition: str, source: str, table: str, *, partitioned: bool = True) -> str:
    """`CREATE [UNIQUE] INDEX name ON public.source USING …` for `table`, renamed; on a
    partitioned table a unique index gets received_at appended to its columns."""
    found = re.match(
        r"CREATE (UNIQUE )?INDEX (\S+) ON (?:\S+\.)?" + re.escape(source) + r" USING (\w+) "
        r"\(([^)]*)\)(.*)$",
        definition,
    )
    if not found:
        raise ValueError(f"unexpected index definition: {definition}")
    unique, name, method, columns, rest = found.groups()
    if unique and partitioned and "received_at" not in columns.split(", "):
        columns += ", received_at"
    return f"CREATE {unique or ''}INDEX {table}_{name} ON {table} USING {method} ({columns}){rest}"


def cells_select_sql(select_sql: str, table: str = "dossiers_dossier") -> str:
    """The engine's cells statement (`reports.services._cells_select_sql`, a SELECT) reading the
    dossiers from `table`."""
    select, count = re.subn(r'FROM\s+"?dossiers_dossier"?\s+d\b', f"FROM {table} d", select_sql)
    if count != 1:
        raise ValueError("no FROM dossiers_dossier d in the cells statement")
    return select


# --- the run ---------------------------------------------------------------------------------


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.out: Path = args.out
        self.logs = self.out / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.data: Path = args.data_dir
        self.data.mkdir(parents=True, exist_ok=True)
        self.admin_url = f"{args.pg}/postgres"
        self.db_url = f"{args.pg}/{args.db}"
        self.manage = [sys.executable, str(ROOT / "manage.py")]
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
        self.env.update(
            DATABASE_URL=self.db_url,
            CELERY_TASK_ALWAYS_EAGER="0",
            KPI_VAR_DIR=str(self.data / f"var-{args.db}"),
        )
        self.csv_path = self.data / f"dossiers-hidden-{args.rows}.csv"
        self.results_path = self.out / f"bench10m-{args.db}.json"
        self.results = (
            json.loads(self.results_path.read_text()) if self.results_path.exists() else {}
        )
        self.results.setdefault("rows", args.rows)
        self.results.setdefault("db", args.db)
        self.results.setdefault("stages", {})

    # -- bookkeeping --

    @contextlib.contextmanager
    def locked(self, what: str) -> Iterator[None]:
        if not self.args.lock:
            yield
            return
        with open(self.args.lock, "a") as handle:
            waited = time.perf_counter()
            fcntl.flock(handle, fcntl.LOCK_EX)
            waited = time.perf_counter() - waited
            if waited > 1:
                print(f"   (waited {waited:.0f} s for the bench lock before {what})", flush=True)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def measured(
        self, name: str, argv: list[str], env: dict[str, str] | None = None, *, check: bool = True
    ) -> dict:
        """Run one process under the lock; with check=False a non-zero exit is kept in the record
        (bench_pages and bench_load exit 1 when their own target is missed)."""
        subprocess.run(psql(self.db_url, "CHECKPOINT"), check=True)
        with self.locked(name):
            load = os.getloadavg()[0]
            if not check:
                return self.measured_unchecked(name, argv, env or self.env) | {
                    "load_1min_before": round(load, 2)
                }
            step = run_measured(
                f"10m_{self.args.db}_{name}", argv, env=env or self.env, logs=self.logs
            )
        record = asdict(step)
        record["name"] = name
        record["load_1min_before"] = round(load, 2)
        return record

    def measured_unchecked(self, name: str, argv: list[str], env: dict[str, str]) -> dict:
        log_path = self.logs / f"10m_{self.args.db}_{name}.log"
        print(f"-- {name}: {' '.join(argv)}", flush=True)
        with log_path.open("wb") as log:
            started = time.perf_counter()
            process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT
            )
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - started
        code = os.waitstatus_to_exitcode(status)
        print(f"   {seconds:.1f} s, exit {code}", flush=True)
        tail = "\n".join(log_path.read_text(errors="replace").strip().splitlines()[-5:])
        return {
            "name": name,
            "command": " ".join(argv),
            "seconds": seconds,
            "peak_rss_bytes": usage.ru_maxrss * 1024,
            "returncode": code,
            "output_tail": tail,
        }

    def sql_timed(self, name: str, query: str, repeat: int = 1) -> dict:
        """A query through psql, timed per run (client start included, as for COPY)."""
        runs = []
        with self.locked(name):
            load = os.getloadavg()[0]
            for _ in range(repeat):
                started = time.perf_counter()
                subprocess.run(psql(self.db_url, query), check=True, capture_output=True)
                runs.append(time.perf_counter() - started)
        print(f"-- {name}: {', '.join(f'{r:.2f}' for r in runs)} s", flush=True)
        return {"name": name, "seconds": min(runs), "runs": runs, "load_1min_before": load}

    def save(self, stage: str, result: dict) -> None:
        result["finished_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        self.results["stages"][stage] = result
        self.results_path.write_text(json.dumps(self.results, indent=2, ensure_ascii=False))
        (self.out / f"bench10m-{self.args.db}.md").write_text(render_markdown(self.results))

    def value(self, query: str) -> str:
        return psql_value(self.db_url, query)

    # -- stages --

    def generate(self) -> None:
        if self.csv_path.exists() and not self.args.regenerate:
            print(f"-- {self.csv_path} is there (the generator is deterministic)", flush=True)
            seconds = None
        else:
            print(f"-- generating {self.args.rows:,} rows into {self.csv_path}", flush=True)
            with self.locked("generate"):  # minutes of one CPU: keep other benches apart
                started = time.perf_counter()
                generate(out=self.data, rows=self.args.rows, profile="hidden")
                seconds = time.perf_counter() - started
        self.save(
            "generate",
            {"seconds": seconds, "bytes": self.csv_path.stat().st_size, "path": str(self.csv_path)},
        )

    def import_(self) -> None:
        print(f"-- recreating database {self.args.db}", flush=True)
        subprocess.run(
            psql(self.admin_url, f'DROP DATABASE IF EXISTS "{self.args.db}" WITH (FORCE)'),
            check=True,
        )
        subprocess.run(psql(self.admin_url, f'CREATE DATABASE "{self.args.db}"'), check=True)
        steps = {}
        for name, argv in (
            ("migrate", [*self.manage, "migrate", "--noinput", "-v", "0"]),
            ("agencies", [*self.manage, "import_agencies", str(self.data / "agencies-hidden.csv")]),
            ("procedures", [*self.manage, "import_procedures", str(self.data / "procedures.csv")]),
        ):
            steps[name] = run_measured(
                f"10m_{self.args.db}_{name}", argv, env=self.env, logs=self.logs
            ).seconds
        # The baseline: COPY of the same file into a table typed like it, with the same indexes.
        subprocess.run(psql(self.db_url, COPY_TABLE_SQL), check=True, env=self.env)
        copy_env = {**self.env, "PGOPTIONS": f"-c datestyle=ISO,DMY -c timezone={TZ}"}
        copy = self.measured(
            "copy_baseline",
            psql(
                self.db_url,
                f"\\copy bench_copy ({', '.join(COPY_COLUMNS)}) FROM '{self.csv_path}' "
                "WITH (FORMAT csv, HEADER true)",
            ),
            copy_env,
        )
        copy["rows"] = int(self.value("SELECT count(*) FROM bench_copy"))
        copy["table_bytes"] = int(self.value("SELECT pg_total_relation_size('bench_copy')"))
        subprocess.run(psql(self.db_url, "DROP TABLE bench_copy"), check=True)
        imported = self.measured(
            "import_dossiers", [*self.manage, "import_dossiers", str(self.csv_path)]
        )
        imported["counts"] = counts_from(imported["output_tail"])
        imported["stored"] = int(self.value("SELECT count(*) FROM dossiers_dossier"))
        self.save(
            "import",
            {
                "setup_seconds": steps,
                "copy": copy,
                "import": imported,
                "ratio_to_copy": imported["seconds"] / copy["seconds"],
            },
        )

    def recompute(self) -> None:
        vacuum = self.sql_timed("vacuum_analyze", "VACUUM ANALYZE")
        baseline = self.sql_timed("baseline_aggregate", BASELINE_AGGREGATE_SQL, repeat=2)
        full = self.measured("compute_kpis_full", [*self.manage, "compute_kpis", "--full"])
        counts = {
            table: int(self.value(f"SELECT count(*) FROM {table}"))
            for table in ("reports_kpicell", "reports_kpifact", "reports_kpiperiod")
        }
        self.save(
            "recompute",
            {
                "vacuum_analyze": vacuum,
                "baseline": baseline,
                "full": full,
                "ratio_to_baseline": full["seconds"] / baseline["seconds"],
                "counts": counts,
            },
        )

    def refresh(self) -> None:
        previous = self.results["stages"].get("refresh", {})
        turn = previous.get("turn", 0) + 1
        # Drain whatever earlier stages left queued, so the timed refresh has only this import's.
        run_measured(
            f"10m_{self.args.db}_refresh_drain",
            [*self.manage, "compute_kpis"],
            env=self.env,
            logs=self.logs,
        )
        path = self.data / f"refresh-{self.args.rows}-{REFRESH_MONTH}.csv"
        written = refresh_rows(self.csv_path, path, turn=turn)
        imported = self.measured("refresh_import", [*self.manage, "import_dossiers", str(path)])
        imported["counts"] = counts_from(imported["output_tail"])
        touched = int(self.value("SELECT count(*) FROM dossiers_touchedcell"))
        refreshed = self.measured("refresh_kpis", [*self.manage, "compute_kpis"])
        self.save(
            "refresh",
            {
                "turn": turn,
                "rows": written,
                "month": f"20{REFRESH_MONTH[:2]}-{REFRESH_MONTH[2:]}",
                "import": imported,
                "touched_cells": touched,
                "refresh": refreshed,
                "total_seconds": imported["seconds"] + refreshed["seconds"],
            },
        )

    def pages(self) -> None:
        common = [
            "--skip-load",
            "--db",
            self.args.db,
            "--out",
            str(self.out),
            "--port",
            str(self.args.port),
        ]
        quick = self.args.quick_pages
        started = time.time()
        pages = self.measured(
            "bench_pages",
            [
                sys.executable,
                str(ROOT / "bench" / "bench_pages.py"),
                *common,
                *(["--seconds", "3", "--rounds", "1"] if quick else []),
            ],
            check=False,
        )
        pages_json = newest(self.out, "pages-*.json", after=started)
        load = self.measured(
            "bench_load",
            [
                sys.executable,
                str(ROOT / "bench" / "bench_load.py"),
                *common,
                "--locust",
                self.args.locust,
                *(["--users", "10", "--seconds", "15"] if quick else []),
            ],
            check=False,
        )
        load_json = newest(self.out, "load-*.json", after=started)
        paths = [
            ("overview standard", "/?period=2023-H2&basis=calendar"),
            ("overview custom", "/?period=2023-07-01..2023-12-31&basis=calendar"),
            ("API standard", "/api/kpis/?period=2023-H2&basis=calendar"),
            ("API custom", "/api/kpis/?period=2023-07-01..2023-12-31&basis=calendar"),
            (
                "overview custom, not whole half-months",
                "/?period=2023-07-02..2023-12-31&basis=calendar",
            ),
            (
                "API custom, not whole half-months",
                "/api/kpis/?period=2023-07-02..2023-12-31&basis=calendar",
            ),
        ]
        snippet = CUSTOM_RANGE_SNIPPET.format(paths=paths, repeat=3)
        # As the server runs (DEBUG off), with the test client's host allowed.
        server_env = {
            **self.env,
            "DEBUG": "0",
            "ALLOWED_HOSTS": "testserver",
            "SECURE_SSL_REDIRECT": "0",
            "SECRET_KEY": secrets.token_urlsafe(48)[:50],
        }
        self.measured("custom_range", [*self.manage, "shell", "-c", snippet], server_env)
        log = (self.logs / f"10m_{self.args.db}_custom_range.log").read_text()
        self.save(
            "pages",
            {
                "pages": json.loads(pages_json.read_text())["summary"] | {"file": pages_json.name},
                "load": json.loads(load_json.read_text())["summary"] | {"file": load_json.name},
                "custom_range": json.loads(log.split("CUSTOMJSON ", 1)[1].splitlines()[0]),
                "seconds": {"bench_pages": pages["seconds"], "bench_load": load["seconds"]},
                "exit": {"bench_pages": pages["returncode"], "bench_load": load["returncode"]},
            },
        )

    def sizes(self) -> None:
        sizes = {}
        for table in SIZE_TABLES:
            row = self.value(
                f"SELECT pg_relation_size('{table}'), pg_indexes_size('{table}'), "
                f"pg_total_relation_size('{table}'), (SELECT count(*) FROM {table})"
            ).split("|")
            sizes[table] = dict(
                zip(("table", "indexes", "total", "rows"), map(int, row), strict=True)
            )
        indexes = self.value(
            "SELECT string_agg(indexrelname || '=' || pg_relation_size(indexrelid), ',') "
            "FROM pg_stat_user_indexes WHERE relname = 'dossiers_dossier'"
        )
        sizes["dossier_indexes"] = {
            k: int(v) for k, v in (item.split("=") for item in indexes.split(","))
        }
        sizes["database"] = int(self.value("SELECT pg_database_size(current_database())"))
        self.save("sizes", sizes)

    def partitioning(self) -> None:
        first, last = self.value(
            f"SELECT min((received_at AT TIME ZONE '{TZ}')::date), "
            f"max((received_at AT TIME ZONE '{TZ}')::date) FROM dossiers_dossier"
        ).split("|")
        months = month_starts(dt.date.fromisoformat(first), dt.date.fromisoformat(last))
        indexdefs = self.value(
            "SELECT string_agg(indexdef, E'\\n' ORDER BY indexname) FROM pg_indexes "
            "WHERE tablename = 'dossiers_dossier'"
        ).splitlines()
        plain_ddl = [
            "DROP TABLE IF EXISTS bench_plain",
            "CREATE TABLE bench_plain "
            "(LIKE dossiers_dossier INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
            *(
                copied_index(d, "dossiers_dossier", "bench_plain", partitioned=False)
                for d in indexdefs
            ),
        ]
        part_ddl = partition_ddl("bench_part", "dossiers_dossier", months, indexdefs)
        result: dict = {"months": len(months) - 1, "indexes": indexdefs, "part_ddl": part_ddl}
        insert = "INSERT INTO {table} SELECT * FROM dossiers_dossier"
        for table, ddl in (("bench_plain", plain_ddl), ("bench_part", part_ddl)):
            subprocess.run(psql(self.db_url, *ddl), check=True, capture_output=True)
            result[f"insert_{table}"] = self.sql_timed(
                f"insert_{table}", insert.format(table=table)
            )
            subprocess.run(psql(self.db_url, f"ANALYZE {table}"), check=True)
        result["queries"] = self.partition_queries(months)
        sizes = {}
        for table in ("dossiers_dossier", "bench_plain", "bench_part"):
            # pg_partition_tree lists a plain table's own row only from PostgreSQL 16 on.
            tree = (
                f"pg_partition_tree('{table}')"
                if table == "bench_part"
                else f"(SELECT '{table}'::regclass AS relid) t"
            )
            row = self.value(
                "SELECT sum(pg_relation_size(relid)), sum(pg_indexes_size(relid)), "
                f"sum(pg_total_relation_size(relid)) FROM {tree}"
            ).split("|")
            sizes[table] = dict(zip(("table", "indexes", "total"), map(int, row), strict=True))
        result["sizes"] = sizes
        result["partition_rows"] = {
            line.split("|")[0]: int(line.split("|")[1])
            for line in self.value(
                "SELECT tableoid::regclass, count(*) FROM bench_part GROUP BY 1 ORDER BY 1"
            ).splitlines()
        }
        if not self.args.keep_copies:
            subprocess.run(psql(self.db_url, "DROP TABLE bench_plain, bench_part"), check=True)
        self.save("partitioning", result)

    def partition_queries(self, months: list[dt.date]) -> dict:
        """The cells pass, whole and refresh-shaped, on the dossier table and on bench_part."""
        os.environ["DATABASE_URL"] = self.db_url
        os.environ.pop("REDIS_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")
        sys.path.insert(0, str(ROOT))
        import django

        django.setup()
        from django.db import connection

        from kpi_portal.periods import month_bounds
        from reports.services import _cells_select_sql

        refresh_month = months[-3]  # the last full month of data (the file ends mid-month+1)
        agency_ids = [
            int(x)
            for x in self.value(
                "SELECT id FROM agencies_agency WHERE parent_id IS NOT NULL ORDER BY code LIMIT 3"
            ).splitlines()
        ]
        first, last = month_bounds(refresh_month)
        refresh_where = (
            f"d.agency_id IN ({', '.join(map(str, agency_ids))})"
            f" AND d.received_at >= '{first.isoformat()} 00:00:00+07'"
            f" AND d.received_at < '{(last + dt.timedelta(days=1)).isoformat()} 00:00:00+07'"
        )
        shapes = {"cells_full": "1 = 1", "cells_refresh": refresh_where}
        rounds = {"cells_full": self.args.full_rounds, "cells_refresh": 5}
        timings: dict = {}
        with connection.cursor() as cursor:
            # As the engine runs it: reports.services._cells_insert turns sorting off, and
            # kpi_portal.db.tune_for_batch gives 64 MB to hash in and turns JIT off (with sorting
            # off every plan costs over 1e10, and JIT would compile for seconds per statement).
            cursor.execute("SET enable_sort = off")
            cursor.execute("SET work_mem = '64MB'")
            cursor.execute("SET jit = off")
            for shape, where in shapes.items():
                statements = {
                    table: cells_select_sql(_cells_select_sql(where), table)
                    for table in ("dossiers_dossier", "bench_part")
                }
                for table, statement in statements.items():
                    cursor.execute("EXPLAIN " + statement, [])
                    plan = "\n".join(row[0] for row in cursor.fetchall())
                    timings[f"{shape}_{table}_plan_scans"] = sorted(
                        set(re.findall(r"on (dossiers_dossier|bench_part_\w+)", plan))
                    )
                runs: dict[str, list[float]] = {table: [] for table in statements}
                with self.locked(shape):
                    for _ in range(rounds[shape]):  # alternating, so load falls on both alike
                        for table, statement in statements.items():
                            started = time.perf_counter()
                            cursor.execute(statement, [])
                            rows = len(cursor.fetchall())
                            runs[table].append(time.perf_counter() - started)
                            timings[f"{shape}_{table}_cells"] = rows
                for table, times in runs.items():
                    timings[f"{shape}_{table}"] = {
                        "median": statistics.median(times),
                        "best": min(times),
                        "runs": times,
                    }
                    print(f"-- {shape} on {table}: {', '.join(f'{t:.2f}' for t in times)} s")
        timings["refresh_where"] = refresh_where
        return timings


def newest(folder: Path, pattern: str, *, after: float) -> Path:
    """The newest file matching `pattern` written after `after` (a harness that failed before
    writing its results leaves none)."""
    found = [p for p in folder.glob(pattern) if p.stat().st_mtime >= after]
    if not found:
        raise SystemExit(f"no {pattern} written in {folder}; see the logs")
    return max(found, key=lambda p: p.stat().st_mtime)


# --- the summary -----------------------------------------------------------------------------


def mib(value: float) -> str:
    return f"{value / 2**20:,.0f}"


def render_markdown(results: dict) -> str:
    stages = results["stages"]
    lines = [f"# {results['rows']:,} dossiers, database {results['db']}", ""]
    lines += ["| Stage | Seconds | Baseline (s) | × baseline | Peak RSS (MiB) | Result |"]
    lines += ["| --- | ---: | ---: | ---: | ---: | --- |"]
    if "generate" in stages and stages["generate"]["seconds"]:
        g = stages["generate"]
        lines.append(f"| generate CSV ({mib(g['bytes'])} MiB) | {g['seconds']:.1f} | | | | |")
    if "import" in stages:
        s = stages["import"]
        c, i = s["copy"], s["import"]
        lines.append(
            f"| COPY baseline | {c['seconds']:.1f} | | | {mib(c['peak_rss_bytes'])} | "
            f"{c['rows']:,} rows |"
        )
        lines.append(
            f"| import_dossiers | {i['seconds']:.1f} | {c['seconds']:.1f} | "
            f"{s['ratio_to_copy']:.2f} | {mib(i['peak_rss_bytes'])} | "
            f"{i['output_tail'].splitlines()[-1] if i['output_tail'] else ''} |"
        )
    if "recompute" in stages:
        s = stages["recompute"]
        b, f = s["baseline"], s["full"]
        lines.append(f"| VACUUM ANALYZE | {s['vacuum_analyze']['seconds']:.1f} | | | | |")
        lines.append(
            f"| compute_kpis --full | {f['seconds']:.1f} | {b['seconds']:.2f} | "
            f"{s['ratio_to_baseline']:.1f} | {mib(f['peak_rss_bytes'])} | "
            f"{s['counts']['reports_kpicell']:,} cells, {s['counts']['reports_kpifact']:,} facts |"
        )
    if "refresh" in stages:
        s = stages["refresh"]
        for key, label in (
            ("import", "refresh: import 1,000 changed"),
            ("refresh", "refresh: compute_kpis"),
        ):
            r = s[key]
            lines.append(
                f"| {label} | {r['seconds']:.1f} | | | {mib(r['peak_rss_bytes'])} | "
                f"{r['output_tail'].splitlines()[-1] if r['output_tail'] else ''} |"
            )
        lines.append(
            f"| refresh: both | {s['total_seconds']:.1f} | | | | "
            f"{s['touched_cells']} touched cells |"
        )
    if "pages" in stages:
        p = stages["pages"]
        lines += [
            "",
            "| Path | wrk median (ms) | wrk p95 (ms) | locust median (ms) | locust p95 (ms) |",
        ]
        lines += ["| --- | ---: | ---: | ---: | ---: |"]
        wrk_of = {
            "overview": "overview",
            "ping (trivial, signed in)": "signed_in",
            "healthz (trivial)": "trivial",
        }
        for name, s in p["load"]["paths"].items():
            w = p["pages"].get(wrk_of.get(name, ""), {})
            wrk_p50 = f"{w['p50_ms']:.2f}" if w else ""
            wrk_p95 = f"{w['p95_ms']:.2f}" if w else ""
            lines.append(
                f"| {name} | {wrk_p50} | {wrk_p95} | {s['p50_ms']:.0f} | {s['p95_ms']:.0f} |"
            )
        lines += [
            "",
            "In one process: "
            + ", ".join(f"{k} {v['median_ms']:.0f} ms" for k, v in p["custom_range"].items())
            + ".",
        ]
    if "sizes" in stages:
        lines += ["", "| Table | Rows | Table (MiB) | Indexes (MiB) | Total (MiB) |"]
        lines += ["| --- | ---: | ---: | ---: | ---: |"]
        for table in SIZE_TABLES:
            s = stages["sizes"][table]
            lines.append(
                f"| {table} | {s['rows']:,} | {mib(s['table'])} | {mib(s['indexes'])} | "
                f"{mib(s['total'])} |"
            )
    if "partitioning" in stages:
        s = stages["partitioning"]
        q = s["queries"]
        lines += [
            "",
            "| Partitioning | Plain | Partitioned by month | Ratio |",
            "| --- | ---: | ---: | ---: |",
        ]
        ip, ipart = s["insert_bench_plain"]["seconds"], s["insert_bench_part"]["seconds"]
        lines.append(
            f"| INSERT … SELECT every row (s) | {ip:.1f} | {ipart:.1f} | {ipart / ip:.2f} |"
        )
        for shape in ("cells_full", "cells_refresh"):
            a, b = q[f"{shape}_dossiers_dossier"]["median"], q[f"{shape}_bench_part"]["median"]
            lines.append(f"| {shape} median (s) | {a:.3f} | {b:.3f} | {b / a:.2f} |")
        for key in ("table", "indexes", "total"):
            a, b = s["sizes"]["bench_plain"][key], s["sizes"]["bench_part"][key]
            lines.append(f"| {key} size (MiB) | {mib(a)} | {mib(b)} | {b / a:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--stages", default=",".join(STAGES), help=", ".join(STAGES))
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="kpi_bench_10m", help="DROPPED by the import stage")
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=ROOT / "bench" / "out" / "data",
        help="where the generated files go (1.87 GB for ten million rows, and the importer's "
        "copy of the file as much again)",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--lock", default="", help="flock this file around each measured step")
    parser.add_argument("--port", type=int, default=8095, help="the pages stage's gunicorn")
    parser.add_argument(
        "--locust",
        default=str(ROOT / "bench" / "out" / "locust-venv" / "bin" / "locust"),
        help="the locust executable (see bench_load.py)",
    )
    parser.add_argument("--full-rounds", type=int, default=2, help="whole cells passes per table")
    parser.add_argument(
        "--quick-pages", action="store_true", help="short wrk and locust runs (a try)"
    )
    parser.add_argument("--regenerate", action="store_true", help="write the CSV again")
    parser.add_argument("--keep-copies", action="store_true", help="keep bench_plain, bench_part")
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = set(chosen) - set(STAGES)
    if unknown:
        parser.error(f"unknown stages: {', '.join(sorted(unknown))}")
    bench = Bench(args)
    bench.results.setdefault("machine", machine_facts(bench.admin_url))
    for stage in STAGES:
        if stage in chosen:
            print(f"== {stage}", flush=True)
            started = time.perf_counter()
            getattr(bench, "import_" if stage == "import" else stage)()
            print(f"== {stage} done in {time.perf_counter() - started:.0f} s", flush=True)
    print(render_markdown(bench.results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
