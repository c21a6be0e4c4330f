"""`manage.py export_ranking --period P [--basis B] [--format xlsx|csv|json|pdf] -o PATH`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kpi_portal.periods import PeriodError, parse_period
from reports.export_files import ranking_csv, ranking_json, ranking_pdf, ranking_xlsx
from reports.ranking import ranking_build, ranking_no_data_text


class Command(BaseCommand):
    help = "Export the Home Affairs ranking (provincial agencies, districts, all) of a period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="2023, 2023-H1, 2023-Q3, 2023-06, …")
        parser.add_argument("--basis", default="calendar", choices=["calendar", "reporting"])
        parser.add_argument("--format", choices=["xlsx", "csv", "json", "pdf"])
        parser.add_argument("-o", "--output", required=True, help="file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            period = parse_period(options["period"], options["basis"])
        except PeriodError as exc:
            raise CommandError(str(exc)) from None
        output = Path(options["output"])
        kind = options["format"] or output.suffix.lstrip(".").lower() or "json"
        if kind not in ("xlsx", "csv", "json", "pdf"):
            raise CommandError("--format phải là xlsx, csv, json hoặc pdf")
        ranking = ranking_build(period=period)
        if kind == "xlsx":
            ranking_xlsx(ranking, output)
        elif kind == "pdf":
            ranking_pdf(ranking, output)
        elif kind == "csv":
            output.write_text(ranking_csv(ranking), encoding="utf-8")
        else:
            output.write_text(ranking_json(ranking), encoding="utf-8")
        if not ranking.has_data:
            self.stdout.write(ranking_no_data_text(period))
        self.stdout.write(f"wrote {output}")
