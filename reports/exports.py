"""The KPI table as the JSON of design.md ("Stable interfaces"), CSV and XLSX."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import Agency
from kpi_portal.spreadsheets import neutralise_csv_cell, neutralise_workbook
from reports.indicators import INDICATOR_CODES, indicator_fraction
from reports.selectors import PREDECESSORS_LABEL, KpiTable, kpi_rolled_up

CSV_COLUMNS = (
    "period",
    "basis",
    "start",
    "end",
    "agency",
    "name",
    "indicator",
    "numerator",
    "denominator",
    "rate",
    "target",
    "meets_target",
    "shortfall",
    "dossiers_without_fact",
    "computed_at",
)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else None


def kpi_table_as_dict(table: KpiTable) -> dict[str, Any]:
    """{period, basis, start, end, computed_at, rows: [...]}, plus domain when filtered."""
    data: dict[str, Any] = {
        "period": table.period.code,
        "basis": table.period.basis.value,
        "start": table.period.start.isoformat(),
        "end": table.period.end.isoformat(),
        "computed_at": _iso(table.computed_at),
    }
    if table.domain is not None:
        data["domain"] = table.domain.name
    data["rows"] = [
        {
            "agency": row.scope,
            "indicator": row.indicator,
            "numerator": row.numerator,
            "denominator": row.denominator,
            "rate": row.rate,
            "target": float(row.target) if row.target is not None else None,
            "meets_target": row.meets_target,
            "shortfall": row.shortfall,
            "dossiers_without_fact": row.without_fact,
        }
        for row in table.rows
    ]
    return data


def kpi_predecessors_as_dict(
    *, agency: Agency, predecessors: list[Agency], table: KpiTable
) -> dict[str, Any]:
    """The successor view's series in the API: the units `agency` was merged from, rolled up
    (Σnum/Σden of their nodes) for a period that begins before `agency` existed, kept apart
    from its own rows and labelled."""
    counters = kpi_rolled_up(counters=table.counters, predecessors=predecessors)
    rows = []
    for code in INDICATOR_CODES:
        numerator, denominator = indicator_fraction(code, counters)
        rows.append(
            {
                "agency": agency.code,
                "indicator": code,
                "numerator": numerator,
                "denominator": denominator,
                "rate": numerator / denominator if denominator else None,
            }
        )
    return {
        "label": gettext(PREDECESSORS_LABEL),
        "successor": agency.code,
        "valid_from": agency.valid_from.isoformat() if agency.valid_from else None,
        "agencies": [former.code for former in predecessors],
        "rows": rows,
    }


def kpi_table_json(table: KpiTable) -> str:
    return json.dumps(kpi_table_as_dict(table), ensure_ascii=False, indent=1)


def _flat_rows(table: KpiTable) -> list[list[Any]]:
    data = kpi_table_as_dict(table)
    return [
        [
            data["period"],
            data["basis"],
            data["start"],
            data["end"],
            row.scope,
            row.name,
            row.indicator,
            row.numerator,
            row.denominator,
            row.rate,
            float(row.target) if row.target is not None else None,
            row.meets_target,
            row.shortfall,
            row.without_fact,
            data["computed_at"],
        ]
        for row in table.rows
    ]


def kpi_table_csv(table: KpiTable) -> str:
    """UTF-8 CSV (the caller adds a BOM for Excel if it wants one); empty cell for null."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for values in _flat_rows(table):
        writer.writerow(
            [
                ""
                if v is None
                else ("true" if v is True else "false" if v is False else neutralise_csv_cell(v))
                for v in values
            ]
        )
    return buffer.getvalue()


def cut_rate(numerator: int, denominator: int) -> float | None:
    """The rate as a spreadsheet shows it on the page: cut (not rounded) to hundredths of a
    percent, so that a cell formatted 0.00% reads 99.58% for 151 606 / 152 243, never a rounded
    100.00% for a rate that misses 100%."""
    if not denominator:
        return None
    return (numerator * 10_000 // denominator) / 10_000


def kpi_table_xlsx(table: KpiTable, path: Path) -> None:
    """One sheet, real numeric cells: counts with thousands separators, rates cut to two decimals
    of a percent like the pages (numerator and denominator stay exact beside them), targets as
    percentages. The JSON keeps the exact rate for machines."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "KPI"
    sheet.append(list(CSV_COLUMNS))
    formats = {
        "numerator": "#,##0",
        "denominator": "#,##0",
        "shortfall": "#,##0",
        "dossiers_without_fact": "#,##0",
        "rate": "0.00%",
        "target": "0.00%",
    }
    columns = {CSV_COLUMNS.index(name) + 1: fmt for name, fmt in formats.items()}
    rate_index = CSV_COLUMNS.index("rate")
    for row, values in zip(table.rows, _flat_rows(table), strict=True):
        values[rate_index] = cut_rate(row.numerator, row.denominator)
        sheet.append(values)
        for column, number_format in columns.items():
            sheet.cell(row=sheet.max_row, column=column).number_format = number_format
    sheet.freeze_panes = "A2"
    neutralise_workbook(workbook)
    workbook.save(path)
