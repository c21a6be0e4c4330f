"""Shared set-up for the import tests: a small catalogue, file builders and a command runner."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from dossiers.importing.headers import DOSSIER_COLUMNS

FIXTURES = Path(__file__).parent / "fixtures"

# One good dossier row, by column key; tests override single cells.
GOOD_ROW = {
    "code": "H-0001",
    "agency_code": "HL-TT",
    "procedure_code": "1.001193",
    "channel": "Trực tuyến",
    "received_at": "12/06/2023 08:30",
    "due_at": "15/06/2023",
    "finished_at": "14/06/2023 16:00",
    "components_total": "2",
    "components_digitized": "2",
    "e_result": "Có",
    "fee": "0",
    "paid_online": "Không",
}
HEADERS = {column.key: column.header for column in DOSSIER_COLUMNS}


@dataclass
class Outcome:
    exit_code: int
    stdout: str
    stderr: str
    error: str = ""  # the CommandError message when refused


@pytest.fixture
def catalogue(db) -> dict[str, Agency]:
    """The province, a department, a district with one commune, and three procedures."""
    province = Agency.objects.create(
        code="QT", name="UBND tỉnh Quảng Trị", level=AgencyLevel.PROVINCE
    )
    department = Agency.objects.create(
        code="STP", name="Sở Tư pháp", level=AgencyLevel.DEPARTMENT, parent=province
    )
    district = Agency.objects.create(
        code="HL", name="UBND huyện Hải Lăng", level=AgencyLevel.DISTRICT, parent=province
    )
    commune = Agency.objects.create(
        code="HL-TT", name="UBND thị trấn Diên Sanh", level=AgencyLevel.COMMUNE, parent=district
    )
    civil = Domain.objects.create(name="Hộ tịch")
    land = Domain.objects.create(name="Đất đai")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    Procedure.objects.create(code="1.004222", name="Đăng ký biến động đất đai", domain=land)
    return {"QT": province, "STP": department, "HL": district, "HL-TT": commune}


def dossier_csv(rows: list[dict], *, keys: list[str] | None = None, separator: str = ",") -> str:
    """A dossier CSV with the Vietnamese headers; each row is GOOD_ROW with its overrides."""
    keys = keys or list(GOOD_ROW) + sorted({k for row in rows for k in row} - set(GOOD_ROW))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
    writer.writerow([HEADERS[key] for key in keys])
    for row in rows:
        cells = {**GOOD_ROW, **row}
        writer.writerow([cells.get(key) or "" for key in keys])
    return buffer.getvalue()


def run_import(command: str, path: Path, *options: str) -> Outcome:
    """Run an import command as an operator would; a refusal is exit status 1."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(command, str(path), *options, stdout=stdout, stderr=stderr)
    except CommandError as exc:
        return Outcome(exc.returncode, stdout.getvalue(), stderr.getvalue(), str(exc))
    return Outcome(0, stdout.getvalue(), stderr.getvalue())


@pytest.fixture
def write_file(tmp_path):
    def write(content: str | bytes, name: str = "ho_so.csv") -> Path:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


def write_xlsx(path: Path, rows: list[list], *, sheet: str = "Hồ sơ") -> Path:
    """An XLSX file whose datetime values are real Excel date cells and numbers numeric cells."""
    from openpyxl import Workbook

    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    for row in rows:
        worksheet.append(row)
    workbook.save(path)
    return path


def table_csv(headers: list[str], rows: list[list[str]], *, separator: str = ",") -> str:
    """A CSV file with these headers as written (sync field names, list-export headers…)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue()


def records_csv(records: list[dict[str, str]]) -> str:
    """A CSV of records (the sync layout's field → value), every field of any record a column."""
    headers: list[str] = []
    for record in records:
        headers += [field for field in record if field not in headers]
    return table_csv(headers, [[record.get(field, "") for field in headers] for record in records])
