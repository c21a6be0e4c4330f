"""`make test` decides its services in tests/services.py; tested on ports nobody answers on."""

from __future__ import annotations

import socket

import pytest

from tests.services import ServiceMissing, decide


@pytest.fixture
def closed_port() -> int:
    # A port that was free a moment ago: nothing listens on it.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nowhere(closed_port: int) -> dict[str, str]:
    return {
        "postgres_url": f"postgres://postgres@127.0.0.1:{closed_port}/kpi_portal",
        "redis_url": f"redis://127.0.0.1:{closed_port}/15",
    }


def test_it_falls_back_to_sqlite_and_inline_jobs_when_no_service_answers(nowhere):
    decision = decide({}, **nowhere)
    assert "DATABASE_URL" not in decision.env
    assert "REDIS_URL" not in decision.env
    assert decision.env["CELERY_TASK_ALWAYS_EAGER"] == "1"
    assert decision.lines[0].startswith("database: SQLite")
    assert decision.lines[1].startswith("redis: none, Celery tasks run inline")


def test_it_refuses_to_fall_back_when_services_are_required(nowhere):
    with pytest.raises(ServiceMissing, match="PostgreSQL does not answer"):
        decide({"REQUIRE_SERVICES": "1"}, **nowhere)


def test_it_refuses_a_sqlite_database_url_when_services_are_required(nowhere):
    environ = {"REQUIRE_SERVICES": "1", "DATABASE_URL": "sqlite:///x.sqlite3"}
    with pytest.raises(ServiceMissing, match="not PostgreSQL"):
        decide(environ, **nowhere)


def test_a_database_url_given_in_the_environment_is_not_replaced(nowhere):
    environ = {"DATABASE_URL": "sqlite:///x.sqlite3"}
    decision = decide(environ, **nowhere)
    assert "DATABASE_URL" not in decision.env
    assert decision.lines[0] == "database: sqlite:///x.sqlite3 (from the environment)"


def test_a_redis_url_given_in_the_environment_that_does_not_answer_is_an_error(nowhere):
    with pytest.raises(ServiceMissing, match="Redis does not answer"):
        decide({"REDIS_URL": nowhere["redis_url"]}, postgres_url=nowhere["postgres_url"])


def test_jobs_stay_inline_in_the_suite_unless_told_otherwise(nowhere):
    assert decide({}, **nowhere).env["CELERY_TASK_ALWAYS_EAGER"] == "1"
    told = decide({"CELERY_TASK_ALWAYS_EAGER": "0"}, **nowhere)
    assert told.env["CELERY_TASK_ALWAYS_EAGER"] == "0"
