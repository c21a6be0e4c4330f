"""`manage.py export_report06 --period P [--basis B] [--by level-domain|agency|domain] -o PATH`.

PATH ends in .xlsx, .pdf or .csv. The rows default to the form as filed: the domains handled at
each level, with each level's subtotal and the grand total."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpi_portal.periods import PeriodError, parse_period
from reports.report06 import DEFAULT_LAYOUT, LAYOUTS, report06_build
from reports.report06_files import report06_csv, report06_pdf, report06_xlsx


class Command(BaseCommand):
    help = "Export the standard result report (Biểu số 06/VPCP/KSTT) as XLSX, PDF or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2023, 2023-H1, 2023-Q3, 2023-06, …")
        parser.add_argument("--basis", default="calendar", choices=["calendar", "reporting"])
        parser.add_argument(
            "--by",
            default=DEFAULT_LAYOUT,
            choices=LAYOUTS,
            help="rows: the domains at each level (the form), agencies, or the province's domains",
        )
        parser.add_argument(
            "-o", "--output", required=True, help="file to write (.xlsx, .pdf or .csv)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"], options["basis"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        output = Path(options["output"])
        report = report06_build(period=period, by=options["by"])
        if output.suffix.lower() == ".pdf":
            report06_pdf(report, output)
        elif output.suffix.lower() == ".csv":
            output.write_text(report06_csv(report), encoding="utf-8")
        else:
            report06_xlsx(report, output)
        self.stdout.write(f"wrote {output}")
