"""Operations (issue 8): the probes, the request id, the logs, and the compose file."""

from __future__ import annotations

import io
import json
import logging
import logging.config
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import OperationalError

from kpi_portal import views
from kpi_portal.celery import app as celery_app
from kpi_portal.request_id import HEADER, request_id_from_header

ROOT = Path(__file__).resolve().parent.parent
# Port 1 on the loopback: nothing listens there, so a connection is refused at once.
CLOSED_REDIS = "redis://127.0.0.1:1/0"


# --- /healthz and /readyz -------------------------------------------------------------------------


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: a query here would raise "Database access not allowed".
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
class TestReadyz:
    def test_it_is_ready_when_the_database_answers_and_no_redis_is_configured(
        self, client, settings
    ):
        settings.REDIS_URL = ""
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "skipped"},
        }

    @pytest.mark.redis
    def test_it_is_ready_when_the_database_and_redis_answer(self, client, settings):
        import os

        settings.REDIS_URL = os.environ["REDIS_URL"]
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"] == {"database": "ok", "redis": "ok"}

    def test_a_redis_that_does_not_answer_makes_it_unavailable(self, client, settings):
        settings.REDIS_URL = CLOSED_REDIS
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "ok", "redis": "failed: ConnectionError"},
        }

    def test_a_database_that_does_not_answer_makes_it_unavailable(
        self, client, settings, monkeypatch
    ):
        # The shared PostgreSQL is never stopped: the probe's query is made to fail instead.
        def refuse() -> None:
            raise OperationalError("connection refused")

        monkeypatch.setattr(views, "_database_answers", refuse)
        settings.REDIS_URL = ""
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "failed: OperationalError", "redis": "skipped"},
        }
        assert "refused" not in response.content.decode()  # no error text leaks out

    def test_it_is_never_cached(self, client, settings):
        settings.REDIS_URL = ""
        assert "no-cache" in client.get("/readyz")["Cache-Control"]


# --- The request id -------------------------------------------------------------------------------


class TestTheRequestId:
    def test_a_request_without_one_gets_a_fresh_id(self, client):
        first = client.get("/healthz")[HEADER]
        second = client.get("/healthz")[HEADER]
        assert re.fullmatch(r"[0-9a-f]{32}", first)
        assert first != second

    def test_the_proxys_id_is_kept(self, client):
        response = client.get("/healthz", headers={HEADER: "nginx-7f3a.42_b"})
        assert response[HEADER] == "nginx-7f3a.42_b"

    @pytest.mark.parametrize(
        "given",
        ["two words", "x" * 65, "line\nbreak", 'quote"', "", "id;rm -rf"],
        ids=["space", "too-long", "newline", "quote", "empty", "semicolon"],
    )
    def test_an_unsafe_id_is_replaced(self, given):
        made = request_id_from_header(given)
        assert made != given
        assert re.fullmatch(r"[0-9a-f]{32}", made)

    def test_a_redirect_carries_it_too(self, client):
        response = client.get("/", headers={HEADER: "abc-123"})
        assert response.status_code == 302
        assert response[HEADER] == "abc-123"


@pytest.fixture
def json_log(settings):
    """The project's logging configuration with the JSON formatter, writing to a buffer; the
    lines logged are parsed with `lines()`."""
    buffer = io.StringIO()
    config = json.loads(json.dumps(settings.LOGGING, default=str))
    config["handlers"]["console"]["formatter"] = "json"
    config["handlers"]["console"]["stream"] = buffer
    logging.config.dictConfig(config)

    class Log:
        @staticmethod
        def lines() -> list[dict]:
            return [json.loads(line) for line in buffer.getvalue().splitlines() if line]

    yield Log
    logging.config.dictConfig(settings.LOGGING)


@pytest.mark.django_db
class TestStructuredLogs:
    def test_every_record_of_a_request_carries_its_id(self, client, settings, json_log):
        settings.REDIS_URL = CLOSED_REDIS  # /readyz then logs a warning while it runs
        client.get("/readyz", headers={HEADER: "req-0001"})
        records = [r for r in json_log.lines() if r["logger"] == "kpi_portal.views"]
        assert [r["message"].split(":")[0] for r in records] == ["readyz"]
        assert records[0]["request_id"] == "req-0001"
        assert records[0]["level"] == "WARNING"
        assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", records[0]["time"])

    def test_a_record_outside_a_request_has_an_empty_id(self, json_log):
        logging.getLogger("tests.outside").warning("no request here")
        (record,) = [r for r in json_log.lines() if r["logger"] == "tests.outside"]
        assert record["request_id"] == ""
        assert record["message"] == "no request here"

    def test_a_celery_task_logs_its_task_id(self, json_log):
        @celery_app.task(name="tests.operations.log_inside_a_task")
        def log_inside_a_task() -> None:
            logging.getLogger("tests.task").warning("working")

        log_inside_a_task.apply(task_id="task-0042")
        (record,) = [r for r in json_log.lines() if r["logger"] == "tests.task"]
        assert record["task_id"] == "task-0042"


def test_production_logs_are_json_lines_on_stdout():
    from tests.test_security import _production_env, _settings_in

    seen = _settings_in(_production_env(), "LOG_FORMAT", "LOGGING")
    assert seen["LOG_FORMAT"] == "json"
    handler = seen["LOGGING"]["handlers"]["console"]
    assert handler["formatter"] == "json"
    assert handler["stream"] == "ext://sys.stdout"
    assert handler["filters"] == ["request_id"]


def test_an_unknown_log_format_stops_start_up():
    from tests.test_security import _production_env

    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=_production_env(LOG_FORMAT="xml"),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "LOG_FORMAT must be json or plain" in done.stderr


# --- docker-compose.yml ---------------------------------------------------------------------------


def _services(text: str) -> dict[str, str]:
    """Each top-level service's block of text (no YAML library needed for this much)."""
    block = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    services: dict[str, str] = {}
    name = None
    for line in block.splitlines():
        match = re.match(r"^  ([a-z]+):\s*$", line)
        if match:
            name = match.group(1)
            services[name] = ""
        elif name:
            services[name] += line + "\n"
    return services


def _compose_command() -> list[str] | None:
    """`docker compose` when the plugin is there, else `docker-compose`, else None."""
    if shutil.which("docker"):
        probe = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
        if probe.returncode == 0:
            return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


# The compose tool, when this machine has one. `config` validates the file against the compose
# schema (keys, types, references, required variables) without a Docker engine, which machines
# here do not have. CI (REQUIRE_SERVICES=1) installs Debian's docker-compose (.ci/run) and then
# these tests must run; elsewhere they are skipped when no compose tool is installed.
COMPOSE = _compose_command()
REQUIRED = os.environ.get("REQUIRE_SERVICES") == "1"
NEEDS_COMPOSE = pytest.mark.skipif(
    COMPOSE is None and not REQUIRED,
    reason="no docker compose here (docker compose plugin or docker-compose)",
)


def _compose_config(compose_file: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    assert COMPOSE is not None, "REQUIRE_SERVICES=1 but no compose tool: .ci/run installs one"
    env = tmp_path / ".env"
    env.write_text("SECRET_KEY=x\nPOSTGRES_PASSWORD=y\n")
    return subprocess.run(
        [*COMPOSE, "--env-file", str(env), "-f", str(compose_file), "config", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


class TestTheComposeFile:
    text = (ROOT / "docker-compose.yml").read_text()

    def test_it_runs_the_five_services_each_with_a_health_check(self):
        services = _services(self.text)
        assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
        for name, block in services.items():
            assert "healthcheck:" in block, name
        assert "/readyz" in services["web"]
        assert "inspect ping" in services["worker"]
        assert "gunicorn" in services["web"]

    def test_every_variable_it_sets_is_described_in_the_operations_guide(self):
        guide = (ROOT / "docs" / "operations.md").read_text()
        anchor = self.text.split("environment: &app-env\n", 1)[1].split("  volumes:", 1)[0]
        names = re.findall(r"^    ([A-Z_]+):", anchor, re.M)
        assert len(names) > 10
        missing = [name for name in names if f"`{name}`" not in guide]
        assert missing == []

    @NEEDS_COMPOSE
    def test_compose_validates_it(self, tmp_path):
        done = _compose_config(ROOT / "docker-compose.yml", tmp_path)
        assert done.returncode == 0, done.stderr

    @NEEDS_COMPOSE
    def test_compose_would_refuse_a_broken_copy(self, tmp_path):
        # The validation above can fail: an unknown key and a misspelt condition are refused.
        for wrong, right in (("  volumez:", "  volumes:"), ("service_hapy", "service_healthy")):
            broken = tmp_path / "docker-compose.yml"
            broken.write_text(self.text.replace(right, wrong))
            assert _compose_config(broken, tmp_path).returncode != 0, wrong
