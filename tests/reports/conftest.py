from __future__ import annotations

import pytest
import time_machine

from kpi_portal.celery import app as celery_app
from tests.reports.kpi_data import Tree, make_tree, vn


@pytest.fixture(autouse=True)
def _celery_inline(request):
    """Run Celery tasks inline here, even when REDIS_URL is set (the worker test opts out)."""
    if request.node.get_closest_marker("redis"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _today_is_1_july_2023(request):
    """The engine computes periods up to today; the small data sets here end in mid-2023, so
    today is 01/07/2023 for them (keeps the universe, and the tests, small). The real-worker and
    demo tests use the real clock."""
    if request.node.get_closest_marker("redis") or "demo" in request.node.module.__name__:
        yield
        return
    with time_machine.travel(vn(2023, 7, 1, 10), tick=True):
        yield


@pytest.fixture
def tree(db) -> Tree:
    return make_tree()
