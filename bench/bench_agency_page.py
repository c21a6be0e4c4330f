"""The agency page's own cost on a database already loaded (issue 16 item 4).

    python bench/bench_agency_page.py --db kpi_agencypage_bench            # after bench_kpis.py
    python bench/bench_agency_page.py --db kpi_agencypage_bench --requests 20 --path /agencies/S0/

Run by hand, not by the test suite, on a database that bench_kpis.py (e.g. --hidden-like --rows
1000000) or bench_pages.py --skip-load left behind; it only adds a superuser `bench-agency`.
Each path is requested through Django's test client in this process (no HTTP server), after one
warm-up request; prints the median and the spread of the request times, and for the median
request the number of SQL queries and the slowest three with their times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--db", required=True)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--path", action="append", help="default: /agencies/QT/ and /agencies/S0/")
    parser.add_argument("--query", default="", help="query string, e.g. period=2026-H1")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.db}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kpi_portal.settings")
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    setup_test_environment()
    user = User.objects.filter(username="bench-agency").first() or User.objects.create_superuser(
        "bench-agency", password=None
    )
    client = Client()
    client.force_login(user)
    for path in args.path or ["/agencies/QT/", "/agencies/S0/"]:
        url = f"{path}?{args.query}" if args.query else path
        assert client.get(url).status_code == 200, url
        runs = []
        for _ in range(args.requests):
            queries: list[tuple[float, str]] = []

            def timed(execute, sql, params, many, context, queries=queries):
                began = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    queries.append((time.perf_counter() - began, sql))

            began = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = client.get(url)
            runs.append((time.perf_counter() - began, queries))
            assert response.status_code == 200
        runs.sort(key=lambda run: run[0])
        seconds = [run[0] for run in runs]
        queries = runs[len(runs) // 2][1]
        print(
            f"{url}: median {statistics.median(seconds) * 1000:.0f} ms "
            f"(min {seconds[0] * 1000:.0f}, max {seconds[-1] * 1000:.0f}; {len(runs)} requests); "
            f"{len(queries)} queries, {sum(q[0] for q in queries) * 1000:.0f} ms in SQL"
        )
        for spent, sql in sorted(queries, reverse=True)[:3]:
            print(f"    {spent * 1000:7.1f} ms  {sql[:150]}")


if __name__ == "__main__":
    main()
