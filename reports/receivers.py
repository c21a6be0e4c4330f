"""Receivers connecting other apps' signals to the KPI engine (connected in ReportsConfig.ready)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from dossiers.signals import dossiers_changed
from reports.services import kpi_refresh_enqueue


@receiver(dossiers_changed, dispatch_uid="reports.refresh_kpis_on_dossiers_changed")
def refresh_kpis_on_dossiers_changed(sender: Any, **kwargs: Any) -> None:
    # Runs after the importer's transaction commits (inline when Celery is eager).
    kpi_refresh_enqueue()
