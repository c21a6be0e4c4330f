"""Hostile input: property-based fuzzing of the importers (hypothesis).

Random bytes, random cells under the known headers, random header sets, as CSV and XLSX, for
dossiers, agencies and procedures; hand-built workbooks around the spreadsheet bounds.
Whatever the file, the import ends either applied (every row counted once: created + updated
+ unchanged + rejected = rows read) or refused with its one-sentence reason, and a refused
file writes nothing. Never "failed": that status is what an unhandled exception inside the
importer turns into. A workbook past a spreadsheet bound is refused naming the limit.

Bounded for the suite's time: EXAMPLES cases per test (the count is in docs/benchmarks.md),
no deadline (the first PostgreSQL call of a run is slow), no example database on disk.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from agencies.models import Agency, Domain, Procedure
from dossiers.importing import reading
from dossiers.importing.headers import AGENCY_COLUMNS, DOSSIER_COLUMNS, PROCEDURE_COLUMNS
from dossiers.importing.xlsx_reader import Limits
from dossiers.models import Apology, Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_file
from tests.reliability.workbooks import column_letters, write_workbook

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 100))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = {
    ImportKind.DOSSIERS: DOSSIER_COLUMNS,
    ImportKind.AGENCIES: AGENCY_COLUMNS,
    ImportKind.PROCEDURES: PROCEDURE_COLUMNS,
}
# Values that pass a column's checks, so some rows get through to the write.
PLAUSIBLE = {
    "code": ["H-1", "H-2", "1.001193", "HL-TT", "X"],
    "agency_code": ["HL-TT", "STP", "NOPE"],
    "procedure_code": ["1.001193", "1.004222", "9.999"],
    "procedure_name": ["Đăng ký khai sinh", ""],
    "domain": ["Hộ tịch", "Mới"],
    "channel": ["Trực tuyến", "Trực tiếp", "Bưu chính"],
    "received_at": ["12/06/2023 08:30", "2023-06-12", "31/02/2023"],
    "due_at": ["15/06/2023", "2023-06-10"],
    "finished_at": ["14/06/2023 16:00", ""],
    "components_total": ["2", "0", "-1", "1e9"],
    "components_digitized": ["2", "3"],
    "e_result": ["Có", "Không", "x"],
    "fee": ["0", "50000", "-5", "1.5"],
    "paid_online": ["Có", "Không"],
    "apology_issued_at": ["16/06/2023", ""],
    "apology_new_due_at": ["20/06/2023", ""],
    "apology_reason": ["Thiếu hồ sơ", ""],
    "name": ["Sở Tư pháp", "=1+1"],
    "level": ["so", "huyen", "xa", "tinh", "?"],
    "parent_code": ["QT", "HL", "HL-TT", "NOPE"],
    "online_level": ["1", "4", "toàn trình"],
    "full_process_eligible": ["Có", "Không"],
    "paper_result": ["Có", "Không"],
}
DOSSIER_HEADER = {column.key: column.header for column in DOSSIER_COLUMNS}
# Text a person, a spreadsheet or an attacker could put in a cell (no surrogates).
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=25)
XLSX_TEXT = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=25)


# One row each importer accepts; the fuzzing changes a few of its cells.
GOOD = {
    ImportKind.DOSSIERS: {
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
    },
    ImportKind.AGENCIES: {"name": "Xã mới", "level": "xa", "parent_code": "HL"},
    ImportKind.PROCEDURES: {"name": "Thủ tục mới", "domain": "Hộ tịch", "paper_result": "Có"},
}
CODES = {
    ImportKind.DOSSIERS: ["H-1", "H-2", "H-3"],
    ImportKind.AGENCIES: ["X-1", "X-2", "HL-TT"],
    ImportKind.PROCEDURES: ["2.000001", "2.000002", "1.001193"],
}


def _cell(key: str, text=TEXT) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PLAUSIBLE.get(key, [""])), text)


@st.composite
def _row(draw, kind: str, keys: list[str], text=TEXT) -> list[str]:
    """The good row under these keys (a code drawn from a few), with up to 3 cells changed."""
    row = {key: GOOD[kind].get(key, "") for key in keys}
    row["code"] = draw(st.sampled_from(CODES[kind]))
    for key in draw(st.lists(st.sampled_from(keys), max_size=3)) if keys else []:
        row[key] = draw(_cell(key, text))
    return [row[key] for key in keys]


def _rows(kind: str, keys: list[str], text=TEXT) -> st.SearchStrategy[list[list[str]]]:
    return st.lists(_row(kind, keys, text), min_size=0, max_size=6)


@st.composite
def _table(draw, kind: str, text=TEXT) -> tuple[list[str], list[list[str]]]:
    """A header row (the required headers, now and then one missing, a random subset of the
    optional ones, random extra headers, in any order, under any accepted spelling) and rows
    of cells for it."""
    columns = COLUMNS[kind]
    required = [c for c in columns if c.required]
    missing = draw(st.lists(st.sampled_from(required), max_size=1))
    optional = draw(st.lists(st.sampled_from([c for c in columns if not c.required]), unique=True))
    chosen = draw(st.permutations([c for c in required if c not in missing] + optional))
    headers = [draw(st.sampled_from([c.header, c.alias, c.header.upper()])) for c in chosen]
    extra = draw(st.lists(text, max_size=2))
    keys = [c.key for c in chosen] + ["extra"] * len(extra)
    headers += extra
    return headers, draw(_rows(kind, keys, text))


@st.composite
def _full_table(draw, kind: str) -> tuple[list[str], list[list[str]]]:
    """Every known header, random cells: the rows' checks are what is fuzzed."""
    columns = COLUMNS[kind]
    return [c.header for c in columns], draw(_rows(kind, [c.key for c in columns]))


def _csv(headers: list[str], rows: list[list[str]], separator: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def _xlsx(headers: list[str], rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"  # keep "=…" as typed text, as a person's file would
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


@pytest.fixture
def catalogue_small(db):
    province = Agency.objects.create(code="QT", name="UBND tỉnh", level="tinh")
    district = Agency.objects.create(code="HL", name="UBND huyện", level="huyen", parent=province)
    Agency.objects.create(code="HL-TT", name="UBND thị trấn", level="xa", parent=district)
    Agency.objects.create(code="STP", name="Sở Tư pháp", level="so", parent=province)
    civil = Domain.objects.create(name="Hộ tịch")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    Procedure.objects.create(code="1.004222", name="Đăng ký đất đai", domain=civil)


def _written() -> tuple[int, ...]:
    return tuple(model.objects.count() for model in (Agency, Domain, Procedure, Dossier, Apology))


def _import_checked(kind: str, name: str, data: bytes) -> ImportBatch:
    """Import the bytes as file `name` in a transaction rolled back afterwards (each example
    starts from the same catalogue) and check the outcome's promises."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / name
        path.write_bytes(data)
        with transaction.atomic():
            before = _written()
            batch = import_file(kind=kind, path=path)
            event(f"{batch.status}, {'some' if batch.created + batch.updated else 'no'} rows")
            assert batch.status in (ImportStatus.APPLIED, ImportStatus.REFUSED), batch.refusal
            if batch.status == ImportStatus.REFUSED:
                assert batch.refusal
                assert _written() == before, "a refused file wrote something"
            else:
                counted = batch.created + batch.updated + batch.unchanged + batch.rejected
                assert counted == batch.total_rows, batch.summary
            transaction.set_rollback(True)
    return batch


@FUZZ
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".csv", ".xlsx"]))
def test_random_bytes(catalogue_small, data, suffix):
    _import_checked(ImportKind.DOSSIERS, f"random{suffix}", data)


@FUZZ
@given(
    data=st.binary(max_size=3000),
    start=st.sampled_from([b"PK\x03\x04", b"\xef\xbb\xbfM\xc3\xa3 h\xe1\xbb\x93 s\xc6\xa1\n"]),
)
def test_random_bytes_behind_a_plausible_start(catalogue_small, data, start):
    """Past the first sniffing: a zip signature (XLSX) or a BOM and a header line (CSV)."""
    suffix = ".xlsx" if start.startswith(b"PK") else ".csv"
    _import_checked(ImportKind.DOSSIERS, f"random{suffix}", start + data)


@FUZZ
@given(table=_full_table(ImportKind.DOSSIERS), separator=st.sampled_from([",", ";"]))
def test_dossier_csv_random_cells(catalogue_small, table, separator):
    _import_checked(ImportKind.DOSSIERS, "ho-so.csv", _csv(*table, separator))


@FUZZ
@given(table=_table(ImportKind.DOSSIERS), separator=st.sampled_from([",", ";"]))
def test_dossier_csv_random_headers(catalogue_small, table, separator):
    _import_checked(ImportKind.DOSSIERS, "ho-so.csv", _csv(*table, separator))


XLSX_CELL = st.one_of(
    st.none(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=False),
    st.booleans(),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 1, 1)),
    XLSX_TEXT,
)


@FUZZ
@given(table=_table(ImportKind.DOSSIERS, XLSX_TEXT), data=st.data())
def test_dossier_xlsx_random_headers_and_cells(catalogue_small, table, data):
    headers, rows = table
    # Now and then a cell becomes a number, a date or a boolean, as Excel stores them.
    typed = [
        [data.draw(XLSX_CELL) if data.draw(st.integers(0, 5)) == 0 else cell for cell in row]
        for row in rows
    ]
    _import_checked(ImportKind.DOSSIERS, "ho-so.xlsx", _xlsx(headers, typed))


@FUZZ
@given(table=_table(ImportKind.AGENCIES))
def test_agency_csv_random_headers_and_cells(catalogue_small, table):
    _import_checked(ImportKind.AGENCIES, "don-vi.csv", _csv(*table, ","))


@FUZZ
@given(table=_table(ImportKind.PROCEDURES))
def test_procedure_csv_random_headers_and_cells(catalogue_small, table):
    _import_checked(ImportKind.PROCEDURES, "thu-tuc.csv", _csv(*table, ","))


# --- Spreadsheet bounds (issue 15 item 1) -------------------------------------------------------
#
# Workbooks built by hand (tests/reliability/workbooks.py) around lowered bounds: random widths
# and lengths, cells moved to a shared-strings table, a claimed dimension (true, none or any),
# a claimed shared-strings count, a far cell, long texts. The property: a workbook past a bound
# is refused with a sentence naming the limit ("giới hạn"); one within every bound is never
# refused for a limit (it imports, or is refused for what it says, e.g. a missing column).

SMALL = Limits(
    columns=16, rows=40, cells=200, shared_strings=20, shared_string_chars=300, cell_chars=40
)
BOUND_TEXT = st.text(st.sampled_from(list("aăâbđêôơưÁàẢãẠ09 -/&<>\"'")), max_size=60)


@st.composite
def _bounded_workbook(draw) -> tuple[dict, bool]:
    """A dossier workbook's parts (`write_workbook`'s arguments) and whether it passes one of
    SMALL's bounds."""
    keys = ["code", *GOOD[ImportKind.DOSSIERS]]
    width = draw(st.integers(len(keys) - 2, 20))
    headers = [DOSSIER_HEADER[k] for k in keys][:width] + [f"Thêm {n}" for n in range(width - 12)]
    rows = [headers]
    for n in range(draw(st.integers(0, 16))):
        row = ([f"H-{n}", *GOOD[ImportKind.DOSSIERS].values()] + [""] * 8)[:width]
        for column in draw(st.lists(st.integers(0, width - 1), max_size=2)):
            row[column] = draw(BOUND_TEXT)
        rows.append(row)
    # Cells as (row number, column index, text, shared?); now and then one far away.
    cells = [
        (r, c, text, draw(st.booleans()))
        for r, row in enumerate(rows, start=1)
        for c, text in enumerate(row)
    ]
    if draw(st.booleans()):
        far_row = draw(st.integers(len(rows) + 1, 60))
        cells.append((far_row, draw(st.integers(0, 23)), draw(BOUND_TEXT), False))
    strings = sorted({text for _, _, text, shared in cells if shared})
    strings += [draw(BOUND_TEXT) for _ in range(draw(st.integers(0, 12)))]
    index = {text: n for n, text in enumerate(strings)}
    claimed_strings = draw(st.one_of(st.none(), st.integers(0, 40)))
    if claimed_strings is None:
        claimed_strings = len(strings)
    last_row = max(r for r, *_ in cells)
    last_column = max(c for _, c, *_ in cells) + 1
    dimension = draw(
        st.one_of(
            st.none(),
            st.just((last_row, last_column)),
            st.tuples(st.integers(1, 80), st.integers(1, 30)),
        )
    )
    xml = []
    for number in sorted({r for r, *_ in cells}):
        inner = "".join(
            f'<c r="{column_letters(c)}{r}" t="s"><v>{index[text]}</v></c>'
            if shared
            else f'<c r="{column_letters(c)}{r}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'
            for r, c, text, shared in cells
            if r == number
        )
        xml.append(f'<row r="{number}">{inner}</row>')
    over = (
        last_row > SMALL.rows
        or last_column > SMALL.columns
        or len(cells) > SMALL.cells
        or claimed_strings > SMALL.shared_strings
        or len(strings) > SMALL.shared_strings
        or sum(map(len, strings)) > SMALL.shared_string_chars
        or any(len(text) > SMALL.cell_chars for text in strings)
        or any(len(text) > SMALL.cell_chars for _, _, text, _ in cells)
    )
    if dimension:
        rows_claimed, columns_claimed = dimension
        over = over or (
            rows_claimed > SMALL.rows
            or columns_claimed > SMALL.columns
            or rows_claimed * columns_claimed > SMALL.cells
        )
    event("past a bound" if over else "within the bounds")
    claimed = f"A1:{column_letters(dimension[1] - 1)}{dimension[0]}" if dimension else None
    return {
        "rows": xml,
        "dimension": claimed,
        "shared_strings": strings,
        "shared_count": claimed_strings,
    }, over


@FUZZ
@given(workbook=_bounded_workbook())
def test_dossier_xlsx_around_the_spreadsheet_bounds(catalogue_small, monkeypatch, workbook):
    monkeypatch.setattr(reading, "XLSX_LIMITS", SMALL)
    parts, over = workbook  # shown as is when a case fails
    with tempfile.TemporaryDirectory() as directory:
        data = write_workbook(Path(directory) / "bien.xlsx", **parts).read_bytes()
    batch = _import_checked(ImportKind.DOSSIERS, "bien.xlsx", data)
    if over:
        assert batch.status == ImportStatus.REFUSED
        assert "giới hạn" in batch.refusal, batch.refusal
    else:
        assert "giới hạn" not in batch.refusal, batch.refusal
