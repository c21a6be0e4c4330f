"""Child processes for tests that need a real peer: the test database's URL and environment for
them, a real Celery worker, side connections, and polling until something happens.

Used by the fault tests (tests/reliability) and the KPI jobs' real-worker test.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings

from kpi_portal.celery import app as celery_app


def database_url() -> str:
    """The URL of the database the tests use (pytest-django's test_ copy), for child processes."""
    db = settings.DATABASES["default"]
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{host}:{port}/{db['NAME']}"


def side_connection() -> psycopg.Connection:
    """A connection of its own, outside Django: another client of the same database."""
    return psycopg.connect(database_url().replace("postgres://", "postgresql://"), autocommit=True)


def closed_port() -> int:
    """A local TCP port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def child_env(**overrides: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DEBUG": "1",
    }
    env.update(overrides)
    return env


@contextmanager
def celery_worker(**env: str) -> Iterator[subprocess.Popen]:
    """A real worker (solo pool) on the suite's Redis database, stopped (or killed) after."""
    celery_app.control.purge()
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "kpi_portal",
            "worker",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel",
            "WARNING",
        ],
        cwd=Path(settings.BASE_DIR),
        env=child_env(**env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
        worker.output = output.decode(errors="replace")  # what it printed, for assertions
        celery_app.control.purge()


def wait_until(condition: Callable[[], object], *, timeout: float = 60, what: str = "") -> object:
    """Poll `condition` until it is truthy; fail the test after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what or condition}")
