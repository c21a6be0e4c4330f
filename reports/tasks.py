"""Celery tasks of the KPI engine: thin adapters around reports.services.

Every task recomputes its scope from the sources, so running one twice (a retry, a duplicate
beat tick) does no harm. Without Redis, CELERY_TASK_ALWAYS_EAGER runs them inline.
"""

from __future__ import annotations

from celery import shared_task

from reports import services


@shared_task(name="reports.kpi_refresh_touched")
def kpi_refresh_touched_task() -> dict[str, int]:
    """Drain the touched cells an import left and refresh the facts they overlap."""
    result = services.kpi_refresh_touched()
    return {"touched": result.touched, "cells": result.cells, "periods": result.periods}


@shared_task(name="reports.kpi_full_recompute")
def kpi_full_recompute_task() -> int:
    """Rebuild every cell, then fan the facts out to one task per (basis, year)."""
    groups = services.kpi_full_recompute(
        enqueue=lambda basis, year: kpi_periods_recompute_task.delay(basis, year)
    )
    return len(groups)


@shared_task(name="reports.kpi_periods_recompute")
def kpi_periods_recompute_task(basis: str, year: int) -> int:
    """Recompute the facts of every period of one basis and year from the cells."""
    return services.kpi_periods_recompute(basis=basis, year=year)


@shared_task(name="reports.ranking_monthly_mail")
def ranking_monthly_mail_task() -> int:
    """Mail last month's rankings XLSX to Home Affairs (once per month, however often it runs)."""
    from reports.ranking_mail import ranking_monthly_mail_send

    return ranking_monthly_mail_send()
