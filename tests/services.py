"""Decide which services `make test` runs against, say which, then run the test command.

    python tests/services.py COMMAND [ARG...]

PostgreSQL when 127.0.0.1:5432 answers (database kpi_portal, created if missing; pytest-django
then creates and drops test_kpi_portal), Redis when 127.0.0.1:6379 answers (db 15), else SQLite
and inline jobs. A DATABASE_URL or REDIS_URL already in the environment is used as given (tests
only ever touch pytest-django's test_ copy of a database). With REQUIRE_SERVICES=1 (CI) a missing
service is an error, not a fallback. Celery tasks run inline in the suite even with Redis
(CELERY_TASK_ALWAYS_EAGER=1); a test that needs a real worker starts one itself.

Plain Python, no Django: it runs before Django is configured.
"""

from __future__ import annotations

import os
import socket
import sys
from dataclasses import dataclass, field
from urllib.parse import urlsplit

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/kpi_portal"
REDIS_URL = "redis://127.0.0.1:6379/15"
PROBE_TIMEOUT_SECONDS = 2.0


class ServiceMissing(Exception):
    """A required service does not answer."""


@dataclass
class Decision:
    env: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def port_answers(host: str, port: int, *, timeout: float = PROBE_TIMEOUT_SECONDS) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_prepare(url: str) -> None:
    """Connect through the server's maintenance database and create the named one if missing."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, connect_timeout=5, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redis_ping(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=PROBE_TIMEOUT_SECONDS)
    try:
        client.ping()
    finally:
        client.close()


def _host_port(url: str, default_port: int) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or default_port


def decide_database(environ: dict[str, str], *, required: bool, default_url: str) -> Decision:
    given = environ.get("DATABASE_URL", "")
    url = given or default_url
    if given and not given.startswith(("postgres://", "postgresql://")):
        if required:
            raise ServiceMissing(f"REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL: {given}")
        return Decision(lines=[f"database: {given} (from the environment)"])
    host, port = _host_port(url, 5432)
    problem = None
    if not port_answers(host, port):
        problem = f"PostgreSQL does not answer on {host}:{port}"
    else:
        try:
            postgres_prepare(url)
        except Exception as exc:
            problem = f"PostgreSQL on {host}:{port} refused the connection: {exc}".strip()
    if problem:
        if required or given:
            raise ServiceMissing(problem)
        return Decision(lines=[f"database: SQLite in memory ({problem})"])
    source = " (from the environment)" if given else ""
    name = urlsplit(url).path.lstrip("/")
    return Decision(
        env={"DATABASE_URL": url},
        lines=[f"database: PostgreSQL {url}{source}; the tests use test_{name}"],
    )


def decide_redis(environ: dict[str, str], *, required: bool, default_url: str) -> Decision:
    given = environ.get("REDIS_URL", "")
    url = given or default_url
    host, port = _host_port(url, 6379)
    problem = None
    if not port_answers(host, port):
        problem = f"Redis does not answer on {host}:{port}"
    else:
        try:
            redis_ping(url)
        except Exception as exc:
            problem = f"Redis on {host}:{port} did not answer PING: {exc}"
    if problem:
        if required or given:
            raise ServiceMissing(problem)
        return Decision(lines=[f"redis: none, Celery tasks run inline ({problem})"])
    source = " (from the environment)" if given else ""
    return Decision(
        env={"REDIS_URL": url},
        lines=[f"redis: {url}{source}; Celery tasks still run inline in the suite"],
    )


def decide(
    environ: dict[str, str],
    *,
    postgres_url: str = POSTGRES_URL,
    redis_url: str = REDIS_URL,
) -> Decision:
    required = environ.get("REQUIRE_SERVICES", "") == "1"
    database = decide_database(environ, required=required, default_url=postgres_url)
    broker = decide_redis(environ, required=required, default_url=redis_url)
    env = {**database.env, **broker.env}
    env.setdefault("CELERY_TASK_ALWAYS_EAGER", environ.get("CELERY_TASK_ALWAYS_EAGER", "1"))
    return Decision(env=env, lines=database.lines + broker.lines)


def main(argv: list[str]) -> int:
    try:
        decision = decide(dict(os.environ))
    except ServiceMissing as exc:
        print(f"make test: {exc}. REQUIRE_SERVICES=1 (or a given URL) makes this an error.")
        return 2
    for line in decision.lines:
        print(f"make test: {line}")
    sys.stdout.flush()
    if len(argv) < 2:
        return 0
    os.environ.update(decision.env)
    os.execvp(argv[1], argv[1:])
    return 0  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv))
