"""`manage.py export_kpis --period P [--basis B] [--domain NAME] [--format F] [-o PATH]`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from agencies.models import Domain
from kpi_portal.periods import PeriodError, parse_period
from reports.exports import kpi_table_csv, kpi_table_json, kpi_table_xlsx
from reports.selectors import kpi_table


class Command(BaseCommand):
    help = "Export the KPI table of a period: one row per agency node and level group × indicator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2023, 2023-H1, 2023-Q3, 2023-9M, …")
        parser.add_argument("--basis", default="calendar", choices=["calendar", "reporting"])
        parser.add_argument("--domain", help="restrict every figure to this domain's dossiers")
        parser.add_argument("--format", default="json", choices=["json", "csv", "xlsx"])
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"], options["basis"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        domain = None
        if options["domain"]:
            domain = Domain.objects.filter(name=options["domain"]).first()
            if domain is None:
                raise CommandError(f"Không có lĩnh vực {options['domain']!r}")
        table = kpi_table(period=period, domain=domain)
        output = options["output"]
        if options["format"] == "xlsx":
            if not output:
                raise CommandError("--format xlsx cần -o PATH")
            kpi_table_xlsx(table, Path(output))
            return
        text = kpi_table_json(table) if options["format"] == "json" else kpi_table_csv(table)
        if output:
            Path(output).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text)
