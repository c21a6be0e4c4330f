"""`manage.py compute_kpis [--full]`: recompute the KPI facts now, in this process."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reports.services import kpi_full_recompute, kpi_refresh_touched


class Command(BaseCommand):
    help = (
        "Recompute KPI facts now: by default what imports touched since the last run "
        "(everything on the first run); with --full, everything."
    )
    # Django's system checks import every URL and view (half a second): a batch command run
    # by cron or by hand after an import needs none of them, and `manage.py check` runs them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--full", action="store_true", help="recompute every period")

    def handle(self, *args: Any, full: bool, **options: Any) -> None:
        if full:
            groups = kpi_full_recompute()
            self.stdout.write(f"full recompute: {len(groups)} basis-year groups")
        else:
            result = kpi_refresh_touched()
            self.stdout.write(
                f"refresh: {result.touched} touched cells, {result.periods} periods recomputed"
            )
