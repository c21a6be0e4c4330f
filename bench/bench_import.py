"""Import benchmark: `manage.py import_dossiers` against PostgreSQL's own COPY of the same file.

    python bench/bench_import.py                      # the full run: 1,000,000 CSV + 150,000 XLSX
    python bench/bench_import.py --rows 20000 --xlsx-rows 5000   # a quick try

On PostgreSQL at --pg (default postgres://postgres@127.0.0.1:5432), in a database --db (default
kpi_bench) that is DROPPED and created afresh each run:

1. generate the files with bench/generate_dossiers.py (reused from --out when already there: the
   generator is deterministic);
2. `migrate`, `import_agencies`, `import_procedures`;
3. baseline: psql `\\copy` of the dossier CSV into `bench_copy`, a table with the file's columns
   typed (text codes, timestamps, dates, integers, booleans), a primary key on the code and the
   same secondary indexes as the dossier table ((agency, received) and the partial index of open
   or late dossiers);
4. `import_dossiers` of the same file into the empty dossier table: wall time and peak RSS;
5. `import_dossiers` of the same file again (every row unchanged);
6. `compute_kpis --full` when the command exists (the KPI job an import triggers in production);
7. `import_dossiers` of an XLSX file of --xlsx-rows new dossiers, and as its floor the time
   python-calamine alone takes to read that sheet;
8. with --json: the same records as the CSV, written as a JSON array of records (the CSV's
   headers as keys, numbers as numbers, empty cells null), imported into the emptied dossier
   table: the JSON reader against the CSV reader on the same data, in the same run.

Each step is a separate process timed from start to exit (so Django's start-up is included) with
its peak resident memory from wait4(). The KPI refresh an import announces is not run inside the
import steps (CELERY_TASK_ALWAYS_EAGER=0 with no broker: the task is queued in memory and
dropped); step 6 measures it on its own. Results go to --out as results-*.json and
benchmarks-*.md; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate_dossiers import generate  # noqa: E402

TARGET_RATIO_TO_COPY = 3.0
COPY_COLUMNS = [
    "code",
    "agency",
    "procedure",
    "procedure_name",
    "domain",
    "channel",
    "received_at",
    "due_on",
    "finished_at",
    "components_total",
    "components_digitized",
    "e_result",
    "fee",
    "paid_online",
    "apology_on",
    "new_due_on",
    "delay_reason",
]
TARGET_PEAK_BYTES = 1.5e9
TARGET_XLSX_SECONDS = 60.0

COPY_TABLE_SQL = """
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_copy;
CREATE TABLE bench_copy (
    code text PRIMARY KEY,
    agency text NOT NULL,
    procedure text NOT NULL,
    procedure_name text,
    domain text,
    channel text NOT NULL,
    received_at timestamptz NOT NULL,
    due_on date NOT NULL,
    finished_at timestamptz,
    components_total integer NOT NULL CHECK (components_total >= 1),
    components_digitized integer NOT NULL
        CHECK (components_digitized BETWEEN 0 AND components_total),
    e_result boolean NOT NULL,
    fee bigint NOT NULL CHECK (fee >= 0),
    paid_online boolean NOT NULL,
    apology_on date,
    new_due_on date,
    delay_reason text
);
-- The dossier table's own indexes: its key, the unique code, (agency, received_at) and the
-- partial index of open or late dossiers (agency, due date). The file's due date has no time:
-- late is finished on a later local day (an immutable expression, as an index predicate needs).
CREATE INDEX bench_copy_agency_received ON bench_copy (agency, received_at);
CREATE INDEX bench_copy_late_or_open ON bench_copy (agency, due_on)
    WHERE finished_at IS NULL OR (finished_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date > due_on;
"""


@dataclass
class Step:
    name: str
    command: str
    seconds: float
    peak_rss_bytes: int
    returncode: int
    output_tail: str


def run_measured(name: str, argv: list[str], *, env: dict[str, str], logs: Path) -> Step:
    """Run one command, timing it and reading its peak RSS (and its children's) from wait4()."""
    log_path = logs / f"{name}.log"
    print(f"-- {name}: {' '.join(argv)}", flush=True)
    with log_path.open("wb") as log:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    output = log_path.read_text(encoding="utf-8", errors="replace")
    tail = "\n".join(output.strip().splitlines()[-5:])
    step = Step(name, " ".join(argv), seconds, usage.ru_maxrss * 1024, process.returncode, tail)
    print(
        f"   {seconds:.1f} s, peak RSS {step.peak_rss_bytes / 2**20:.0f} MiB, "
        f"exit {process.returncode}"
    )
    if tail:
        print("   " + tail.replace("\n", "\n   "), flush=True)
    if process.returncode != 0:
        raise SystemExit(f"{name} failed (exit {process.returncode}); see {log_path}")
    return step


def psql(url: str, *commands: str) -> list[str]:
    argv = ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At"]
    for command in commands:
        argv += ["-c", command]
    return argv


def psql_value(url: str, query: str) -> str:
    return subprocess.run(
        psql(url, query), check=True, capture_output=True, text=True
    ).stdout.strip()


def machine_facts(pg_url: str) -> dict[str, str]:
    cpu = "unknown"
    memory = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    versions = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, polars, pandas, psycopg; print(django.__version__, "
            "polars.__version__, pandas.__version__, psycopg.__version__)",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    return {
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "postgresql": psql_value(pg_url, "SHOW server_version"),
        "django": versions[0],
        "polars": versions[1],
        "pandas": versions[2],
        "psycopg": versions[3],
        "commit": commit or "unknown",
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def counts_from(output: str) -> dict[str, int]:
    found = re.search(r"created (\d+), updated (\d+), unchanged (\d+), rejected (\d+)", output)
    if not found:
        return {}
    keys = ("created", "updated", "unchanged", "rejected")
    return dict(zip(keys, (int(x) for x in found.groups()), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=150_000, help="0 skips the XLSX step")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="kpi_bench")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--note", default="", help="a remark kept with the results")
    parser.add_argument(
        "--json",
        action="store_true",
        help="also import the same records as JSON into the emptied table (step 8)",
    )
    parser.add_argument(
        "--profile",
        choices=["default", "hidden"],
        default="default",
        help="hidden: a file shaped like an independent export (17 agencies, 6%% still open, "
        "mixed date forms; the JSON as section 11 sync records): generate_dossiers.generate()",
    )
    parser.add_argument("--no-again", action="store_true", help="skip the re-import step")
    parser.add_argument(
        "--rounds", type=int, default=1, help="pairs of COPY and first import (shared machines)"
    )
    parser.add_argument("--no-kpis", action="store_true", help="skip compute_kpis --full")
    parser.add_argument(
        "--no-apologies",
        action="store_true",
        help="files without the three apology columns (the importer then leaves apologies alone)",
    )
    args = parser.parse_args(argv)

    out: Path = args.out
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    admin_url = f"{args.pg}/postgres"
    db_url = f"{args.pg}/{args.db}"
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(
        DATABASE_URL=db_url,
        CELERY_TASK_ALWAYS_EAGER="0",
        KPI_VAR_DIR=str(out / "var"),
    )
    # The file's dates are dd/mm/yyyy in local time: tell COPY so (the importer knows by itself).
    copy_env = {**env, "PGOPTIONS": "-c datestyle=ISO,DMY -c timezone=Asia/Ho_Chi_Minh"}

    facts = machine_facts(admin_url)
    facts["note"] = args.note
    hidden = args.profile == "hidden"
    apologies = hidden or not args.no_apologies
    suffix = "" if apologies else "-noapology"
    facts["profile"] = args.profile
    print("machine:", json.dumps(facts, ensure_ascii=False), flush=True)

    csv_path = out / f"dossiers-{'hidden-' if hidden else ''}{args.rows}{suffix}.csv"
    if not csv_path.exists():
        print(f"-- generating {args.rows} CSV rows", flush=True)
        generate(out=out, rows=args.rows, apologies=apologies, profile=args.profile)
    xlsx_path = out / f"dossiers-X{args.xlsx_rows}{suffix}.xlsx"
    if args.xlsx_rows and not xlsx_path.exists():
        print(f"-- generating {args.xlsx_rows} XLSX rows", flush=True)
        generate(
            out=out,
            rows=args.xlsx_rows,
            file_format="xlsx",
            code_prefix="X",
            seed=7,
            apologies=apologies,
        )
    agencies_path = out / ("agencies-hidden.csv" if hidden else "agencies.csv")
    procedures_path = out / "procedures.csv"
    if not agencies_path.exists():
        generate(out=out, rows=1, profile=args.profile)

    print(f"-- recreating database {args.db}", flush=True)
    subprocess.run(psql(admin_url, f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)'), check=True)
    subprocess.run(psql(admin_url, f'CREATE DATABASE "{args.db}"'), check=True)

    steps: dict[str, Step] = {}

    def step(name: str, argv_: list[str], *, step_env: dict[str, str] = env) -> Step:
        subprocess.run(psql(db_url, "CHECKPOINT"), check=True)  # start each step with clean WAL
        steps[name] = run_measured(name, argv_, env=step_env, logs=logs)
        return steps[name]

    step("migrate", [*manage, "migrate", "--noinput", "-v", "0"])
    step("import_agencies", [*manage, "import_agencies", str(agencies_path)])
    step("import_procedures", [*manage, "import_procedures", str(procedures_path)])

    copy_argv = psql(
        db_url,
        f"\\copy bench_copy ({', '.join(COPY_COLUMNS[: 17 if apologies else 14])}) "
        f"FROM '{csv_path}' WITH (FORMAT csv, HEADER true)",
    )
    empty_dossiers = "TRUNCATE dossiers_apology, dossiers_touchedcell, dossiers_dossier"
    # On a shared machine one pair can be skewed by another session's load: with --rounds N,
    # N pairs (COPY, then the first import into the emptied table), each ratio within its pair.
    pairs: list[tuple[str, str]] = []
    for round_ in range(1, args.rounds + 1):
        suffix_ = "" if round_ == 1 else f"_round{round_}"
        subprocess.run(psql(db_url, COPY_TABLE_SQL), check=True, env=env)
        step(f"copy_baseline{suffix_}", copy_argv, step_env=copy_env)
        copied = int(psql_value(db_url, "SELECT count(*) FROM bench_copy"))
        subprocess.run(psql(db_url, "DROP TABLE bench_copy"), check=True)
        if round_ > 1:
            subprocess.run(psql(db_url, empty_dossiers), check=True)
        step(f"import_csv_first{suffix_}", [*manage, "import_dossiers", str(csv_path)])
        pairs.append((f"copy_baseline{suffix_}", f"import_csv_first{suffix_}"))
    first = steps["import_csv_first"]
    stored = int(psql_value(db_url, "SELECT count(*) FROM dossiers_dossier"))
    second = None
    if not args.no_again:
        second = step("import_csv_again", [*manage, "import_dossiers", str(csv_path)])

    has_compute = not args.no_kpis and (
        subprocess.run(
            [*manage, "help", "compute_kpis"], env=env, cwd=ROOT, capture_output=True
        ).returncode
        == 0
    )
    if has_compute:
        step("compute_kpis_full", [*manage, "compute_kpis", "--full"])

    if args.xlsx_rows:
        step(
            "xlsx_read_floor",
            [
                sys.executable,
                "-c",
                "import sys, python_calamine as c; "
                "book = c.CalamineWorkbook.from_path(sys.argv[1]); "
                "rows = book.get_sheet_by_index(0).to_python(); "
                "print(len(rows) - 1, 'rows read')",
                str(xlsx_path),
            ],
        )
        step("import_xlsx", [*manage, "import_dossiers", str(xlsx_path)])

    if args.json:
        json_path = csv_path.with_suffix(".json")
        if not json_path.exists():
            print(f"-- writing {json_path.name}", flush=True)
            if hidden:  # the same dossiers as section 11 sync records
                generate(out=out, rows=args.rows, file_format="json", profile="hidden")
            else:
                csv_to_json(csv_path, json_path)
        subprocess.run(
            psql(db_url, "TRUNCATE dossiers_apology, dossiers_touchedcell, dossiers_dossier"),
            check=True,
        )
        step("import_json_first", [*manage, "import_dossiers", str(json_path)])

    facts["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    copy = steps["copy_baseline"]
    summary = {
        "apology_columns": apologies,
        "rows": args.rows,
        "xlsx_rows": args.xlsx_rows,
        "copied_rows": copied,
        "stored_rows_after_first_import": stored,
        "first_counts": counts_from(first.output_tail),
        "ratio_first_to_copy": first.seconds / copy.seconds,
        "ratios_per_round": [steps[i].seconds / steps[c].seconds for c, i in pairs],
    }
    if second is not None:
        summary["second_counts"] = counts_from(second.output_tail)
        summary["ratio_second_to_copy"] = second.seconds / copy.seconds
    if "import_xlsx" in steps:
        summary["xlsx_counts"] = counts_from(steps["import_xlsx"].output_tail)
    if "import_json_first" in steps:
        summary["json_counts"] = counts_from(steps["import_json_first"].output_tail)
        summary["ratio_json_to_csv"] = steps["import_json_first"].seconds / first.seconds
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    result = {"machine": facts, "summary": summary, "steps": [asdict(s) for s in steps.values()]}
    (out / f"results-{stamp}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    report = render_markdown(result)
    (out / f"benchmarks-{stamp}.md").write_text(report)
    print()
    print(report)
    return 0


NUMBER_COLUMNS = {"Số thành phần hồ sơ", "Số thành phần đã số hóa", "Phí, lệ phí (đồng)"}


def csv_to_json(csv_path: Path, json_path: Path) -> None:
    """The CSV's rows as a JSON array of records, streamed (one record per line)."""
    with (
        csv_path.open(encoding="utf-8-sig", newline="") as source,
        json_path.open("w", encoding="utf-8") as target,
    ):
        reader = csv.reader(source)
        headers = next(reader)
        numeric = [h in NUMBER_COLUMNS for h in headers]
        target.write("[\n")
        for n, row in enumerate(reader):
            record = {
                header: (int(cell) if is_number and cell.isdigit() else cell) if cell else None
                for header, cell, is_number in zip(headers, row, numeric, strict=False)
            }
            target.write((",\n" if n else "") + json.dumps(record, ensure_ascii=False))
        target.write("\n]\n")


def render_markdown(result: dict) -> str:
    facts, summary = result["machine"], result["summary"]
    steps = {s["name"]: s for s in result["steps"]}
    copy_seconds = steps["copy_baseline"]["seconds"]
    lines = [
        f"Run {facts['date']} at commit {facts['commit']}: {facts['cpu']}, {facts['nproc']} CPUs, "
        f"{facts['memory']}; Python {facts['python']}, PostgreSQL {facts['postgresql']}, "
        f"Django {facts['django']}, polars {facts['polars']}, pandas {facts['pandas']}, "
        f"psycopg {facts['psycopg']}. Load average before {facts['load_before']}, "
        f"after {facts['load_after']}. Files: profile {facts.get('profile', 'default')}.",
        *([f"Note: {facts['note']}"] if facts.get("note") else []),
        "",
        "| Step | Rows | Wall time (s) | × COPY | Peak RSS (MiB) | Result |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    rows_of = {
        **{n: summary["rows"] for n in steps if "_round" in n},
        "copy_baseline": summary["rows"],
        "import_csv_first": summary["rows"],
        "import_csv_again": summary["rows"],
        "compute_kpis_full": summary["rows"],
        "xlsx_read_floor": summary["xlsx_rows"],
        "import_xlsx": summary["xlsx_rows"],
        "import_json_first": summary["rows"],
    }
    for name, s in steps.items():
        if name in {"migrate", "import_agencies", "import_procedures"}:
            continue
        own_copy = copy_seconds
        if "_round" in name:  # a later pair: against its own COPY
            own_copy = steps["copy_baseline" + name[name.index("_round") :]]["seconds"]
        ratio = (
            f"{s['seconds'] / own_copy:.2f}"
            if name.startswith(("import_csv", "import_json"))
            else ""
        )
        if name.startswith("copy_baseline"):
            ratio = "1.00"
        result_text = s["output_tail"].splitlines()[-1] if s["output_tail"] else ""
        lines.append(
            f"| {name} | {rows_of.get(name, '')} | {s['seconds']:.1f} | {ratio} | "
            f"{s['peak_rss_bytes'] / 2**20:.0f} | {result_text.replace('|', '/')} |"
        )
    first = steps["import_csv_first"]
    peak = max(
        s["peak_rss_bytes"] for n, s in steps.items() if n.startswith(("import_csv", "import_xlsx"))
    )
    ratios = summary.get("ratios_per_round", [])
    lines += [
        "",
        *(
            [
                "Import ÷ COPY per round: "
                + ", ".join(f"{r:.2f}" for r in ratios)
                + f" (worst {max(ratios):.2f})."
            ]
            if len(ratios) > 1
            else []
        ),
        "Targets:",
        f"- first import ≤ {TARGET_RATIO_TO_COPY:g}× COPY: "
        f"{first['seconds'] / copy_seconds:.2f}× "
        f"({'met' if first['seconds'] <= TARGET_RATIO_TO_COPY * copy_seconds else 'NOT met'})",
        f"- peak memory of an import < 1.5 GB: {peak / 1e9:.2f} GB "
        f"({'met' if peak < TARGET_PEAK_BYTES else 'NOT met'})",
    ]
    if "import_json_first" in steps:
        json_step = steps["import_json_first"]
        lines.append(
            f"- the same records as JSON: {json_step['seconds']:.1f} s "
            f"({json_step['seconds'] / first['seconds']:.2f}× the CSV import), peak "
            f"{json_step['peak_rss_bytes'] / 2**20:.0f} MiB against "
            f"{first['peak_rss_bytes'] / 2**20:.0f} MiB"
        )
    if "import_xlsx" in steps:
        xlsx = steps["import_xlsx"]["seconds"]
        lines.append(
            f"- {summary['xlsx_rows']:,} XLSX rows < {TARGET_XLSX_SECONDS:g} s: {xlsx:.1f} s "
            f"({'met' if xlsx < TARGET_XLSX_SECONDS else 'NOT met'})"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
