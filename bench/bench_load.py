"""The portal under load: 50 signed-in users for 60 s across its pages and API (issue 8).

    python bench/bench_load.py                        # 1,000,000 dossiers, 50 users, 60 s
    python bench/bench_load.py --skip-load            # reuse the data of the previous run
    python bench/bench_load.py --rows 20000 --users 10 --seconds 15   # a quick try

Run by hand, not by the test suite. It needs PostgreSQL on 127.0.0.1:5432 (user postgres) and
locust (https://locust.io) in its own virtual environment, so that the project's environment
does not carry a load tool:

    python -m venv bench/out/locust-venv && bench/out/locust-venv/bin/pip install locust==2.47.0

The data, the database (--db, DROPPED and created afresh unless --skip-load) and the server are
bench_pages.py's: gunicorn with the production configuration (kpi_portal/gunicorn_conf.py, DEBUG
off) on loopback. Then:

1. --users province-office users, each with a session of their own, made in a management shell
   (signing in 50 times through the form would spend the first minute hashing passwords);
2. a warm-up: each path requested a few times (the overview's cache is per worker process);
3. locust, headless, --users users started at once for --seconds seconds. Each user requests the
   paths in turn (each user starts at a different one), with a pause of --wait seconds (a range)
   between two requests. A response counts as an error unless it is a 200 that contains the
   path's marker text: a redirect to the sign-in page or an error page is an error;
4. the load average sampled every 5 s during the run.

Paths: the overview, an agency page (a district: its subtree, trends, domains and overdue list
read from the million dossiers), the rankings, the KPI API, and the two trivial views measured
in the same run: /ping (signed in: session, user, membership) and /healthz (no session, no
database). Results go to --out as load-*.json and load-*.md; docs/benchmarks.md quotes them.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_pages import (  # noqa: E402
    SIGNED_IN_PATH,
    TRIVIAL_PATH,
    Setup,
    add_arguments,
    fetch,
    prepare,
    run,
    serve,
)

SESSIONS_SNIPPET = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model, load_backend
from agencies.models import Agency, Membership, Role
store = import_module(settings.SESSION_ENGINE).SessionStore
# The backend a form sign-in records: the first that can load a user (a throttling backend that
# only refuses sign-ins cannot).
backend = next(
    path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
)
root = Agency.objects.get(parent__isnull=True)
keys = []
for n in range({users}):
    user, _ = get_user_model().objects.get_or_create(username=f"bench_load_{{n:03d}}")
    user.set_unusable_password()
    user.save()
    Membership.objects.update_or_create(
        user=user, defaults={{"role": Role.PROVINCE_OFFICE, "agency": root, "title": "bench"}}
    )
    session = store()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = backend
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    keys.append(session.session_key)
print("SESSIONSJSON", json.dumps(keys))
"""

LOCUSTFILE = r'''
"""Written by bench/bench_load.py: each user walks the paths in turn with its own session."""
import itertools
import json
import os

from locust import FastHttpUser, between, task

SESSIONS = json.loads(os.environ["BENCH_SESSIONS"])
PATHS = json.loads(os.environ["BENCH_PATHS"])  # [[name, path, marker], ...]
LOW, HIGH = (float(x) for x in os.environ["BENCH_WAIT"].split(","))
_numbers = itertools.count()


class PortalUser(FastHttpUser):
    wait_time = between(LOW, HIGH)

    def on_start(self):
        number = next(_numbers)
        self.cookie = "sessionid=" + SESSIONS[number % len(SESSIONS)]
        start = number % len(PATHS)
        self.paths = itertools.cycle(PATHS[start:] + PATHS[:start])

    @task
    def next_path(self):
        name, path, marker = next(self.paths)
        with self.client.get(
            path,
            name=name,
            headers={"Cookie": self.cookie},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif marker not in (response.text or ""):
                response.failure("marker text missing")
            else:
                response.success()
'''


def sessions_create(setup: Setup, users: int) -> list[str]:
    snippet = SESSIONS_SNIPPET.format(users=users)
    argv = [*setup.manage, "shell", "-c", snippet]
    output = run("sessions", argv, env=setup.env, logs=setup.logs)
    return json.loads(output.split("SESSIONSJSON ", 1)[1])


def load_sampler(samples: list[tuple[float, float]], stop: threading.Event) -> None:
    while not stop.wait(5):
        samples.append((time.time(), os.getloadavg()[0]))


def locust_stats(prefix: Path) -> dict[str, dict]:
    """Per name: requests, failures, median, p95, p99, max (ms), requests/s, from locust's CSV."""
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "max_ms": float(row["Max Response Time"]),
                "mean_ms": float(row["Average Response Time"]),
                "rps": float(row["Requests/s"]),
            }
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument(
        "--wait", default="2,6", help="pause between a user's requests: LOW,HIGH seconds"
    )
    parser.add_argument("--agency", default="H01", help="the agency page's agency code")
    parser.add_argument(
        "--locust",
        default=str(ROOT / "bench" / "out" / "locust-venv" / "bin" / "locust"),
        help="the locust executable",
    )
    args = parser.parse_args(argv)
    if not Path(args.locust).exists():
        raise SystemExit(f"{args.locust} is missing; see the top of {__file__}")
    setup = prepare(args)
    facts = setup.facts
    sessions = sessions_create(setup, args.users)
    period = urllib.parse.urlencode({"period": args.period, "basis": args.basis})
    paths = [
        ["overview", f"/?{period}", 'id="rates-table"'],
        ["agency", f"/agencies/{args.agency}/?{period}", 'id="overdue"'],
        ["rankings", f"/rankings/?{period}", 'id="ranking-table"'],
        ["api", f"/api/kpis/?{period}", '"rows"'],
        ["ping (trivial, signed in)", SIGNED_IN_PATH, '"ok"'],
        ["healthz (trivial)", TRIVIAL_PATH, '"ok"'],
    ]
    locustfile = args.out / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M")
    prefix = args.out / f"load-{stamp}"
    samples: list[tuple[float, float]] = []
    with serve(setup) as base:
        cookie = f"sessionid={sessions[0]}"
        for _name, path, marker in paths:  # warm-up, and a check that each path answers
            for _ in range(3 * args.workers):
                status, body = fetch(host="127.0.0.1", port=args.port, path=path, cookie=cookie)
                if status != 200 or marker.encode() not in body:
                    raise SystemExit(f"{path} answered {status} without {marker!r}")
        facts["load_start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
        print(f"-- locust: {args.users} users, {args.seconds} s, wait {args.wait} s", flush=True)
        stop = threading.Event()
        sampler = threading.Thread(target=load_sampler, args=(samples, stop), daemon=True)
        sampler.start()
        locust = subprocess.run(
            [
                args.locust,
                "-f",
                str(locustfile),
                "--headless",
                "--users",
                str(args.users),
                "--spawn-rate",
                str(args.users),
                "--run-time",
                f"{args.seconds}s",
                "--stop-timeout",
                "30",
                "--host",
                base,
                "--csv",
                str(prefix),
                "--only-summary",
                "--loglevel",
                "WARNING",
                "--exit-code-on-error",
                "0",
            ],
            env={
                **os.environ,
                "BENCH_SESSIONS": json.dumps(sessions),
                "BENCH_PATHS": json.dumps(paths),
                "BENCH_WAIT": args.wait,
            },
            capture_output=True,
            text=True,
        )
        stop.set()
        (setup.logs / "load_locust.log").write_text(locust.stdout + locust.stderr)
        if locust.returncode != 0:
            raise SystemExit(f"locust failed:\n{locust.stderr[-3000:]}")
    facts["load_after"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    stats = locust_stats(prefix)
    failures = []
    if Path(f"{prefix}_failures.csv").exists():
        with open(f"{prefix}_failures.csv", newline="") as handle:
            failures = list(csv.DictReader(handle))
    loads = [load for _when, load in samples]
    summary = {
        "dossiers": setup.dossiers,
        "paths": {name: {"path": path, **stats[name]} for name, path, _marker in paths},
        "total": stats.get("Aggregated", {}),
        "failures": failures,
        "load_during": {
            "min": min(loads, default=0.0),
            "median": statistics.median(loads) if loads else 0.0,
            "max": max(loads, default=0.0),
        },
    }
    result = {"machine": facts, "args": {k: str(v) for k, v in vars(args).items()}}
    result["summary"] = summary
    (args.out / f"load-{stamp}.json").write_text(json.dumps(result, indent=2))
    report = render_markdown(result)
    (args.out / f"load-{stamp}.md").write_text(report)
    print()
    print(report)
    errors = summary["total"].get("failures", 1)
    return 0 if errors == 0 else 1


def render_markdown(result: dict) -> str:
    facts, summary, args = result["machine"], result["summary"], result["args"]
    paths = summary["paths"]
    signed_in = paths["ping (trivial, signed in)"]["p50_ms"] or float("nan")
    trivial = paths["healthz (trivial)"]["p50_ms"] or float("nan")
    load = summary["load_during"]
    total = summary["total"]
    lines = [
        f"Run {facts['date']} at commit {facts['commit']} (with the working tree's changes): "
        f"{facts['cpu']}, {facts['nproc']} CPUs, {facts['memory']}; Python {facts['python']}, "
        f"{facts['gunicorn']}, locust 2.47.0. Load average (1 min) before {facts['load_start']}, "
        f"during {load['min']:.2f}–{load['max']:.2f} (median {load['median']:.2f}), after "
        f"{facts['load_after']}.",
        f"{summary['dossiers']:,} dossiers; gunicorn with kpi_portal/gunicorn_conf.py, "
        f"{args['workers']} sync workers; {args['users']} users for {args['seconds']} s, each "
        f"pausing {args['wait'].replace(',', '–')} s between requests; period "
        f"{args['period']} ({args['basis']}).",
        "",
        "| Path | Requests | Errors | Median (ms) | p95 (ms) | p99 (ms) | Max (ms) | "
        "Median / `/ping` | Median / `/healthz` |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, s in paths.items():
        lines.append(
            f"| {name}: `{s['path']}` | {s['requests']:,} | {s['failures']} | "
            f"{s['p50_ms']:.0f} | {s['p95_ms']:.0f} | {s['p99_ms']:.0f} | {s['max_ms']:.0f} | "
            f"{s['p50_ms'] / signed_in:.1f} | {s['p50_ms'] / trivial:.1f} |"
        )
    lines += [
        "",
        f"All paths: {total.get('requests', 0):,} requests, {total.get('failures', '?')} errors, "
        f"{total.get('rps', 0):.1f} requests/s. Locust rounds response times above 100 ms to "
        "two significant digits in its percentiles.",
    ]
    for failure in summary["failures"]:
        name, error, count = failure.get("Name"), failure.get("Error"), failure.get("Occurrences")
        lines.append(f"- error: {name} — {error} × {count}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
