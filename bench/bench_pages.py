"""Pages under load: the overview page against trivial views of the same server (issue 4).

    python bench/bench_pages.py                       # 1,000,000 dossiers, 3 rounds of 10 s per URL
    python bench/bench_pages.py --rows 20000 --seconds 3 --rounds 1   # a quick try
    python bench/bench_pages.py --skip-load           # reuse the data of the previous run

Run by hand, not by the test suite. It needs PostgreSQL on 127.0.0.1:5432 (user postgres) and
`wrk` (apt-get install wrk). On PostgreSQL at --pg, in a database --db (default kpi_pages) that is
DROPPED and created afresh each run (unless --skip-load):

1. the files of bench/generate_dossiers.py (reused from --out when already there: the generator is
   deterministic), then `migrate`, `import_agencies`, `import_procedures`, `import_dossiers` (its
   KPI refresh queued and dropped: CELERY_TASK_ALWAYS_EAGER=0, no broker) and `compute_kpis --full`;
2. a province-office user with a random password (the demo password is refused with DEBUG off);
3. `collectstatic` into a temporary STATIC_ROOT and gunicorn with the production configuration
   (kpi_portal/gunicorn_conf.py; DEBUG=0, a random SECRET_KEY, ALLOWED_HOSTS=127.0.0.1;
   SECURE_SSL_REDIRECT=0 because loopback is plain http) on 127.0.0.1:--port, --workers workers;
4. a session cookie from a real sign-in (GET /login/, POST the form); the cookies are Secure-flagged
   with DEBUG off, so they are read from Set-Cookie and sent back by hand;
5. wrk, --connections connections, alternating /healthz, /ping, /login/ (for context) and the
   overview for --rounds rounds of --seconds each (so background load on a shared machine hits
   them alike), after a warm-up; a Lua hook counts every response whose status is not 200 (wrk
   only flags statuses >= 400);
6. the number of SQL queries one overview request makes (Django's test client in a process).

Target ratio = median latency of the overview / median latency of /ping, the trivial signed-in
view (target <= 5); the ratio to /healthz is reported beside it. Results go to --out as
pages-*.json and pages-*.md; docs/benchmarks.md quotes them. bench_load.py reuses the set-up.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from generate_dossiers import generate  # noqa: E402

TARGET_RATIO = 5.0
TRIVIAL_PATH = "/healthz"
# The target's baseline: the access check every signed-in page makes, and nothing else.
SIGNED_IN_PATH = "/ping"
# For context, not the target: a template page through the whole stack (session, user, CSRF).
TEMPLATE_PATH = "/login/"

# Per-thread counters; done() sums them over the threads wrk started and prints one JSON line.
WRK_SCRIPT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) total = 0; not_ok = 0; last_bad = 0 end
function response(status, headers, body)
  total = total + 1
  if status ~= 200 then not_ok = not_ok + 1; last_bad = status end
end
function done(summary, latency, requests)
  local counted, bad, last = 0, 0, 0
  for _, t in ipairs(threads) do
    counted = counted + t:get("total"); bad = bad + t:get("not_ok")
    if t:get("last_bad") ~= 0 then last = t:get("last_bad") end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "p50_us": %d, "p90_us": %d, ' ..
    '"p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f, "counted": %d, "not_200": %d, ' ..
    '"last_bad_status": %d, "err_connect": %d, "err_read": %d, "err_write": %d, ' ..
    '"err_status": %d, "err_timeout": %d}\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50),
    latency:percentile(90), latency:percentile(95), latency:percentile(99), latency.max,
    latency.mean, counted, bad, last, e.connect, e.read, e.write, e.status, e.timeout))
end
"""

QUERY_COUNT_SNIPPET = """
import json
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
client = Client()
client.force_login(get_user_model().objects.get(username={username!r}))
client.get({path!r}, secure=True)  # warm caches (bands, indicators) as a running worker has them
with CaptureQueriesContext(connection) as queries:
    response = client.get({path!r}, secure=True)
print("QUERYJSON", json.dumps({{"status": response.status_code, "queries": len(queries),
    "bytes": len(response.content),
    "sql": [q["sql"][:160] for q in queries.captured_queries]}}))
"""

USER_SNIPPET = """
from django.contrib.auth import get_user_model
from agencies.models import Agency, Membership, Role
root = Agency.objects.get(parent__isnull=True)
user, _ = get_user_model().objects.get_or_create(username={username!r})
user.set_password({password!r})
user.save()
Membership.objects.update_or_create(
    user=user, defaults={{"role": Role.PROVINCE_OFFICE, "agency": root, "title": "bench"}}
)
print("root agency", root.code)
"""


def psql(url: str, command: str) -> None:
    subprocess.run(
        ["psql", url, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", command],
        check=True,
        capture_output=True,
    )


def run(name: str, argv: list[str], *, env: dict[str, str], logs: Path) -> str:
    print(f"-- {name}: {' '.join(argv[1:])}", flush=True)
    started = time.perf_counter()
    result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
    (logs / f"pages_{name}.log").write_text(result.stdout + result.stderr)
    print(f"   {time.perf_counter() - started:.1f} s, exit {result.returncode}", flush=True)
    if result.returncode != 0:
        raise SystemExit(
            f"{name} failed; see {logs / f'pages_{name}.log'}\n{result.stderr[-2000:]}"
        )
    return result.stdout


def set_cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    """Cookie name -> value from every Set-Cookie header, Secure flag or not."""
    found = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0]
    return found


def sign_in(*, host: str, port: int, username: str, password: str) -> str:
    """Sign in through the login form and return the Cookie header value to send."""
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    if page.status != 200:
        raise SystemExit(f"GET /login/ answered {page.status}")
    cookies = set_cookies(page)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if not token or "csrftoken" not in cookies:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token[1], "username": username, "password": password}
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    cookies |= set_cookies(answer)
    if answer.status != 302 or "sessionid" not in cookies:
        raise SystemExit(f"sign-in failed: {answer.status}, cookies {sorted(cookies)}")
    conn.close()
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def fetch(*, host: str, port: int, path: str, cookie: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", path, headers={"Cookie": cookie})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def wrk(*, url: str, cookie: str, seconds: int, connections: int, script: Path) -> dict:
    argv = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        "-H",
        f"Cookie: {cookie}",
        url,
    ]
    output = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("WRKJSON "))
    result = json.loads(line.removeprefix("WRKJSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def git_head() -> str:
    """The commit checked out, read from .git without running git (helpers never run it)."""
    git = ROOT / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head.removeprefix("ref: ")
        if (git / ref).exists():
            return (git / ref).read_text().strip()[:7]
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0][:7]
    except OSError:
        pass
    return "unknown"


def machine_facts() -> dict[str, str]:
    cpu, memory = "unknown", "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
            break
    commit = git_head()
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    gunicorn = subprocess.run(
        [str(Path(sys.executable).parent / "gunicorn"), "--version"], capture_output=True, text=True
    )
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "nproc": str(os.cpu_count()),
        "memory": memory,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "commit": commit or "unknown",
        "wrk": (wrk_version.stdout + wrk_version.stderr).split("\n")[0].strip(),
        "gunicorn": (gunicorn.stdout + gunicorn.stderr).strip(),
        "load_before": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


@dataclass
class Setup:
    """What a page benchmark needs after `prepare`: the server's environment and the data."""

    args: argparse.Namespace
    env: dict[str, str]
    manage: list[str]
    logs: Path
    db_url: str
    facts: dict[str, str]
    dossiers: int


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options bench_pages.py and bench_load.py share (data, database, server)."""
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", default="kpi_pages")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--port", type=int, default=8077)
    parser.add_argument("--workers", type=int, default=3, help="WEB_CONCURRENCY (production: 3)")
    parser.add_argument("--period", default="2023-H2", help="the data covers 2023-01..2024-03")
    parser.add_argument("--basis", default="calendar")
    parser.add_argument("--skip-load", action="store_true", help="reuse the data (migrate only)")


def prepare(args: argparse.Namespace) -> Setup:
    """Load the data (or, with --skip-load, only migrate) and describe the machine."""
    # `kill` of the bench stops the server it started too (the `finally` of `serve` runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out: Path = args.out
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    db_url = f"{args.pg}/{args.db}"
    manage = [sys.executable, str(ROOT / "manage.py")]
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(DATABASE_URL=db_url, CELERY_TASK_ALWAYS_EAGER="0", KPI_VAR_DIR=str(out / "var"))
    # One random key for the run: the server signs sessions with it, and bench_load.py makes its
    # users' sessions in a management shell that must sign them the same way.
    env["SECRET_KEY"] = secrets.token_urlsafe(48)[:50]
    facts = machine_facts()
    print("machine:", json.dumps(facts), flush=True)

    if not args.skip_load:
        csv_path = out / f"dossiers-{args.rows}.csv"
        if not csv_path.exists() or not (out / "agencies.csv").exists():
            print(f"-- generating {args.rows} rows", flush=True)
            generate(out=out, rows=args.rows)
        print(f"-- recreating database {args.db}", flush=True)
        psql(f"{args.pg}/postgres", f'DROP DATABASE IF EXISTS "{args.db}" WITH (FORCE)')
        psql(f"{args.pg}/postgres", f'CREATE DATABASE "{args.db}"')
        run("migrate", [*manage, "migrate", "--noinput", "-v", "0"], env=env, logs=logs)
        run("agencies", [*manage, "import_agencies", str(out / "agencies.csv")], env=env, logs=logs)
        run(
            "procedures",
            [*manage, "import_procedures", str(out / "procedures.csv")],
            env=env,
            logs=logs,
        )
        print(run("dossiers", [*manage, "import_dossiers", str(csv_path)], env=env, logs=logs))
        print(run("compute", [*manage, "compute_kpis", "--full"], env=env, logs=logs))
        psql(db_url, "VACUUM ANALYZE")
    else:  # the data stays; the schema follows the code (a new app may have come since)
        run("migrate", [*manage, "migrate", "--noinput", "-v", "0"], env=env, logs=logs)
    stored = subprocess.run(
        ["psql", db_url, "-X", "-At", "-c", "SELECT count(*) FROM dossiers_dossier"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return Setup(args, env, manage, logs, db_url, facts, int(stored))


def province_user_create(setup: Setup, username: str = "bench_province") -> tuple[str, str]:
    """A province-office user with a random password (the demo password is refused)."""
    password = secrets.token_urlsafe(18)
    snippet = USER_SNIPPET.format(username=username, password=password)
    print(run("user", [*setup.manage, "shell", "-c", snippet], env=setup.env, logs=setup.logs))
    return username, password


def overview_queries(setup: Setup, username: str, path: str) -> dict:
    """How many SQL queries one overview request makes (Django's test client, in a process)."""
    snippet = QUERY_COUNT_SNIPPET.format(username=username, path=path)
    # The test client's host is "testserver", which ALLOWED_HOSTS (127.0.0.1 and localhost by
    # default) refuses with a 400 before any query: the count would read 0.
    env = {**setup.env, "ALLOWED_HOSTS": "testserver"}
    output = run("queries", [*setup.manage, "shell", "-c", snippet], env=env, logs=setup.logs)
    found = json.loads(output.split("QUERYJSON ", 1)[1])
    if found["status"] != 200:
        raise SystemExit(f"{path} answered {found['status']} in the query count")
    return found


@contextlib.contextmanager
def serve(setup: Setup, extra: Sequence[str] = ()) -> Iterator[str]:
    """gunicorn with production settings on loopback, for the length of the block; yields its
    base URL once /healthz answers. `extra` is added to gunicorn's command line."""
    args = setup.args
    static_root = tempfile.mkdtemp(prefix="kpi_pages_static_")
    server_env = {
        **setup.env,
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": static_root,
        "LOG_LEVEL": "WARNING",
        # kpi_portal/gunicorn_conf.py, the production configuration, reads these.
        "GUNICORN_BIND": f"127.0.0.1:{args.port}",
        "WEB_CONCURRENCY": str(args.workers),
    }
    run(
        "collectstatic",
        [*setup.manage, "collectstatic", "--noinput", "-v", "0"],
        env=server_env,
        logs=setup.logs,
    )
    gunicorn_log = (setup.logs / "pages_gunicorn.log").open("wb")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "-c",
            "python:kpi_portal.gunicorn_conf",
            *extra,
            "kpi_portal.wsgi",
        ],
        env=server_env,
        cwd=ROOT,
        stdout=gunicorn_log,
        stderr=subprocess.STDOUT,
    )
    print(f"-- gunicorn pid {server.pid} on 127.0.0.1:{args.port}", flush=True)
    try:
        for _ in range(100):
            try:
                if fetch(host="127.0.0.1", port=args.port, path=TRIVIAL_PATH, cookie="")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise SystemExit("gunicorn did not answer /healthz")
        yield f"http://127.0.0.1:{args.port}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        gunicorn_log.close()
        shutil.rmtree(static_root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10, help="length of one wrk round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per URL, alternating")
    args = parser.parse_args(argv)
    setup = prepare(args)
    facts = setup.facts
    username, password = province_user_create(setup)
    overview_path = f"/?{urllib.parse.urlencode({'period': args.period, 'basis': args.basis})}"
    queries = overview_queries(setup, username, overview_path)
    print(f"   overview in-process: status {queries['status']}, {queries['queries']} queries")

    targets = {
        "trivial": TRIVIAL_PATH,
        "signed_in": SIGNED_IN_PATH,
        "template": TEMPLATE_PATH,
        "overview": overview_path,
    }
    # Worker recycling off: at thousands of /healthz a second, max_requests would restart a worker
    # every second or so, and the restarts (seconds each) would be timed as /healthz latency.
    with serve(setup, ["--max-requests", "0"]) as base:
        cookie = sign_in(host="127.0.0.1", port=args.port, username=username, password=password)
        for path in (SIGNED_IN_PATH, overview_path):
            status, body = fetch(host="127.0.0.1", port=args.port, path=path, cookie=cookie)
            if status != 200:
                raise SystemExit(f"{path} answered {status} with the session cookie")
        page_bytes = len(body)
        print(f"   overview over http: 200, {page_bytes} bytes", flush=True)
        script = args.out / "count_status.lua"
        script.write_text(WRK_SCRIPT)
        for path in targets.values():  # warm-up: workers' connections, caches, page cache
            wrk(
                url=base + path,
                cookie=cookie,
                seconds=3,
                connections=args.connections,
                script=script,
            )
        rounds: dict[str, list[dict]] = {name: [] for name in targets}
        for number in range(1, args.rounds + 1):
            for name, path in targets.items():
                result = wrk(
                    url=base + path,
                    cookie=cookie,
                    seconds=args.seconds,
                    connections=args.connections,
                    script=script,
                )
                rounds[name].append(result)
                print(
                    f"   round {number} {name}: p50 {result['p50_us'] / 1000:.2f} ms, "
                    f"p95 {result['p95_us'] / 1000:.2f} ms, {result['rps']:.1f} req/s, "
                    f"{result['requests']} requests, non-200 {result['not_200']}",
                    flush=True,
                )

    facts["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    summary = {}
    for name, results in rounds.items():
        summary[name] = {
            "path": targets[name],
            "p50_ms": statistics.median(r["p50_us"] for r in results) / 1000,
            "p95_ms": statistics.median(r["p95_us"] for r in results) / 1000,
            "rps": statistics.median(r["rps"] for r in results),
            "requests": sum(r["requests"] for r in results),
            "not_200": sum(r["not_200"] for r in results),
            "socket_errors": sum(
                r[k]
                for r in results
                for k in ("err_connect", "err_read", "err_write", "err_timeout")
            ),
        }

    def ratios(baseline: str) -> list[float]:
        return [
            o["p50_us"] / t["p50_us"]
            for o, t in zip(rounds["overview"], rounds[baseline], strict=True)
        ]

    summary["ratio"] = summary["overview"]["p50_ms"] / summary["trivial"]["p50_ms"]
    summary["ratio_per_round"] = ratios("trivial")
    summary["ratio_signed_in"] = summary["overview"]["p50_ms"] / summary["signed_in"]["p50_ms"]
    summary["ratio_signed_in_per_round"] = ratios("signed_in")
    summary["ratio_to_template"] = summary["overview"]["p50_ms"] / summary["template"]["p50_ms"]
    summary["dossiers"] = setup.dossiers
    summary["overview_bytes"] = page_bytes
    summary["overview_queries"] = queries["queries"]
    summary["overview_sql"] = queries["sql"]
    result = {"machine": facts, "args": {k: str(v) for k, v in vars(args).items()}}
    result |= {"summary": summary, "rounds": rounds}
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    (args.out / f"pages-{stamp}.json").write_text(json.dumps(result, indent=2))
    report = render_markdown(result)
    (args.out / f"pages-{stamp}.md").write_text(report)
    print()
    print(report)
    return 0 if summary["ratio_signed_in"] <= TARGET_RATIO else 1


def render_markdown(result: dict) -> str:
    facts, summary, args = result["machine"], result["summary"], result["args"]
    lines = [
        f"Run {facts['date']} at commit {facts['commit']} (with the working tree's changes): "
        f"{facts['cpu']}, {facts['nproc']} CPUs, "
        f"{facts['memory']}; Python {facts['python']}, {facts['gunicorn']}, {facts['wrk']}. "
        f"Load average before {facts['load_before']}, after {facts['load_after']}.",
        f"{summary['dossiers']:,} dossiers; gunicorn {args['workers']} sync workers; wrk "
        f"{args['connections']} connections, {args['rounds']} rounds of {args['seconds']} s per "
        f"URL, alternating. Overview: {summary['overview_bytes']:,} bytes, "
        f"{summary['overview_queries']} SQL queries per request.",
        "",
        "| URL | Median (ms) | p95 (ms) | Requests/s | Requests | Non-200 | Socket errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in ("trivial", "signed_in", "template", "overview"):
        s = summary[name]
        lines.append(
            f"| `{s['path']}` | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | {s['rps']:.1f} | "
            f"{s['requests']} | {s['not_200']} | {s['socket_errors']} |"
        )
    signed_in = summary["ratio_signed_in"]
    verdict = "met" if signed_in <= TARGET_RATIO else "NOT met"
    per_round = ", ".join(f"{r:.2f}" for r in summary["ratio_signed_in_per_round"])
    per_round_trivial = ", ".join(f"{r:.2f}" for r in summary["ratio_per_round"])
    lines += [
        "",
        f"Ratio of medians, overview / `{SIGNED_IN_PATH}` (the trivial signed-in view, the "
        f"target's baseline): **{signed_in:.2f}** (target ≤ {TARGET_RATIO:g}: {verdict}); per "
        f"round {per_round}. Overview / `{TRIVIAL_PATH}` (no session, no database): "
        f"**{summary['ratio']:.2f}** (per round {per_round_trivial}). Overview / "
        f"`{TEMPLATE_PATH}` (a template page with the session): "
        f"{summary['ratio_to_template']:.2f}.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
