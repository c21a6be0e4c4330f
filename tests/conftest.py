"""Test-wide set-up.

`make test` decides the services: it sets DATABASE_URL to PostgreSQL and REDIS_URL when they
answer (see tests/services.py); REQUIRE_SERVICES=1 turns a missing service into an error there.
Tests that need one of them are marked and skipped otherwise, unless REQUIRE_SERVICES=1.
"""

from __future__ import annotations

import os

import pytest
from django.conf import settings


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def pytest_report_header(config: pytest.Config) -> list[str]:
    database = "PostgreSQL" if _on_postgres() else "SQLite (PostgreSQL not configured)"
    redis = os.environ.get("REDIS_URL") or "none (Celery tasks run inline)"
    return [f"database: {database}", f"redis: {redis}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    required = os.environ.get("REQUIRE_SERVICES") == "1"
    for item in items:
        if "postgres" in item.keywords and not _on_postgres():
            if required:
                raise pytest.UsageError("REQUIRE_SERVICES=1 but the tests run without PostgreSQL")
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL"))
        if "redis" in item.keywords and not os.environ.get("REDIS_URL"):
            if required:
                raise pytest.UsageError("REQUIRE_SERVICES=1 but REDIS_URL is not set")
            item.add_marker(pytest.mark.skip(reason="needs Redis"))


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
