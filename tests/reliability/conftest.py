"""Shared set-up of the fault tests: Celery inline by default (as elsewhere in the suite); the
child processes they start (a real worker, side connections) come from tests/workers.py.

Faults are simulated without touching the shared services (docs/reliability.md): Redis "down"
is a URL to a closed port; a PostgreSQL restart is `pg_terminate_backend` of the importing
connection; a killed worker is SIGKILL of a worker process this test started.
"""

from __future__ import annotations

import pytest

from kpi_portal.celery import app as celery_app
from tests.dossiers.conftest import catalogue  # noqa: F401  (the import tests' catalogue)


@pytest.fixture(autouse=True)
def _celery_inline(request):
    """Celery inline, except in tests marked redis (they talk to a real broker and worker)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = not request.node.get_closest_marker("redis")
    yield
    celery_app.conf.task_always_eager = previous
