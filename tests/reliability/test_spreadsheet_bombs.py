"""Spreadsheet bombs (issue 15 item 1): a workbook built to exhaust the reader is refused with
a sentence naming the limit it passed, through every way in (the command in this process and as
a real `manage.py` process, the web upload, the postings import), nothing is written, and the
batch ends refused, never left "validating". The reading child dying is a refusal too.

The workbooks are built here with zipfile (tests/reliability/workbooks.py). Before the change
the sparse bomb (1,6 kB) aborted the whole process with exit 134 (docs/reliability.md, section
9). Bounds lowered with `monkeypatch` reach the child: it gets them on its command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from agencies.models import StaffPosting
from dossiers.importing import reading
from dossiers.importing.xlsx_reader import Limits
from dossiers.models import Dossier, ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_file
from tests.agencies.posting_data import posting_tree
from tests.dossiers.conftest import GOOD_ROW, HEADERS, run_import
from tests.personas import agencies_create, personas_create
from tests.reliability.workbooks import (
    column_letters,
    row_xml,
    sparse_bomb,
    table_rows,
    write_workbook,
)
from tests.workers import child_env

pytestmark = pytest.mark.django_db

KEYS = list(GOOD_ROW)


def dossier_rows(count: int) -> list[list[str]]:
    """The header row, then `count` good dossiers H-00001… (12 cells each)."""
    rows = [[HEADERS[key] for key in KEYS]]
    for n in range(1, count + 1):
        rows.append([f"H-{n:05d}" if key == "code" else GOOD_ROW[key] for key in KEYS])
    return rows


def bounds(monkeypatch, **fields) -> None:
    monkeypatch.setattr(reading, "XLSX_LIMITS", Limits(**fields))


def refused(path: Path) -> str:
    """Import the file with `import_dossiers`; it must be refused (exit 1) writing nothing.
    Returns the refusal, which the batch keeps."""
    outcome = run_import("import_dossiers", path)
    assert outcome.exit_code == 1, outcome
    assert not Dossier.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSED
    assert batch.refusal == outcome.error
    return outcome.error


# --- The bombs, each refused naming its limit ---------------------------------------------------


@pytest.mark.parametrize("with_dimension", [True, False], ids=["dimension", "no-dimension"])
def test_the_sparse_bomb_of_issue_15_is_refused(catalogue, tmp_path, with_dimension):
    path = sparse_bomb(tmp_path / "bom.xlsx", dimension=with_dimension)
    assert path.stat().st_size < 2000  # the issue's 1,6 kB
    message = refused(path)
    if with_dimension:
        assert message == (
            "Trang tính «Hồ sơ» của tệp bom.xlsx khai báo vùng dữ liệu 1.048.576 dòng × "
            "16.384 cột, vượt giới hạn 500 cột và 40.000.000 ô; hãy xóa các ô thừa ngoài bảng "
            "dữ liệu hoặc chia tệp."
        )
    else:  # nothing claimed: the cell itself is past the column bound
        assert message == (
            "Trang tính «Hồ sơ» của tệp bom.xlsx có ô XFD1048576 (cột thứ 16.384), vượt giới "
            "hạn 500 cột."
        )


def test_a_claimed_dimension_past_the_cell_bound_is_refused_before_any_cell(catalogue, tmp_path):
    # 500 columns (allowed) × 1.048.576 rows = 524 million cells; the sheet holds two rows.
    rows = table_rows(dossier_rows(1))
    path = write_workbook(tmp_path / "vung.xlsx", rows, dimension="A1:SF1048576")
    assert "1.048.576 dòng × 500 cột, vượt giới hạn 500 cột và 40.000.000 ô" in refused(path)


def test_more_cells_than_the_bound_are_refused_though_none_were_claimed(
    catalogue, tmp_path, monkeypatch
):
    bounds(monkeypatch, cells=1000)
    path = write_workbook(tmp_path / "o.xlsx", table_rows(dossier_rows(100)))  # 1.212 cells
    assert refused(path) == (
        "Trang tính «Hồ sơ» của tệp o.xlsx có hơn 1.000 ô, vượt giới hạn 1.000 ô; hãy chia tệp."
    )


def test_a_sheet_exactly_at_the_cell_bound_imports(catalogue, tmp_path, monkeypatch):
    bounds(monkeypatch, cells=12 * 11)  # the header and 10 dossiers, 12 cells each
    path = write_workbook(tmp_path / "vua.xlsx", table_rows(dossier_rows(10)))
    outcome = run_import("import_dossiers", path)
    assert outcome.exit_code == 0, outcome
    assert Dossier.objects.count() == 10


def test_a_row_past_the_row_bound_is_refused(catalogue, tmp_path, monkeypatch):
    bounds(monkeypatch, rows=100)
    rows = [*table_rows(dossier_rows(2)), row_xml(101, [("A101", "H-9")])]
    path = write_workbook(tmp_path / "dong.xlsx", rows)
    assert refused(path) == (
        "Trang tính «Hồ sơ» của tệp dong.xlsx có dòng 101, vượt giới hạn 100 dòng."
    )


def test_a_shared_strings_table_claiming_too_many_strings_is_refused_before_reading(
    catalogue, tmp_path
):
    path = write_workbook(
        tmp_path / "chuoi.xlsx",
        table_rows(dossier_rows(1)),
        shared_strings=["a", "b"],
        shared_count=9_000_000,
    )
    assert refused(path) == (
        "Tệp Excel chuoi.xlsx khai báo 9.000.000 chuỗi dùng chung, vượt giới hạn 5.000.000 chuỗi."
    )


def test_a_shared_strings_table_holding_more_than_it_claims_is_refused(
    catalogue, tmp_path, monkeypatch
):
    bounds(monkeypatch, shared_strings=100)
    path = write_workbook(
        tmp_path / "chuoi.xlsx",
        table_rows(dossier_rows(1)),
        shared_strings=[f"s{n}" for n in range(150)],
        shared_count=3,  # it lies
    )
    assert refused(path) == (
        "Tệp Excel chuoi.xlsx có bảng chuỗi dùng chung vượt giới hạn 100 chuỗi hoặc "
        "200.000.000 ký tự."
    )


def test_a_shared_string_longer_than_a_cell_may_hold_is_refused(catalogue, tmp_path):
    path = write_workbook(
        tmp_path / "dai.xlsx", table_rows(dossier_rows(1)), shared_strings=["ok", "x" * 40_000]
    )
    assert refused(path) == (
        "Tệp Excel dai.xlsx có chuỗi dùng chung thứ 2 dài 40.000 ký tự, vượt giới hạn 32.767 ký "
        "tự của một ô."
    )


def test_a_cell_longer_than_excel_allows_is_refused(catalogue, tmp_path):
    rows = dossier_rows(1)
    rows[1][KEYS.index("channel")] = "y" * 33_000
    path = write_workbook(tmp_path / "o-dai.xlsx", table_rows(rows))
    assert refused(path) == (
        "Trang tính «Hồ sơ» của tệp o-dai.xlsx có ô D2 dài 33.000 ký tự, vượt giới hạn "
        "32.767 ký tự của một ô."
    )


def test_a_zip_bomb_member_is_refused_by_its_compression_ratio(catalogue, tmp_path):
    # 20 MB of zeros deflate to about 20 kB: a ratio near 1.000 where a real sheet has 5 to 20.
    path = write_workbook(
        tmp_path / "nen.xlsx", table_rows(dossier_rows(1)), extra={"xl/bom.bin": bytes(20 << 20)}
    )
    with zipfile.ZipFile(path) as book:
        packed = book.getinfo("xl/bom.bin").compress_size
    assert refused(path) == (
        f"Tệp Excel nen.xlsx có phần «xl/bom.bin» nén quá mức ({packed:,} byte nở ra ".replace(
            ",", "."
        )
        + "20.971.520 byte, giới hạn 200 lần): tệp có thể là một «quả bom nén»."
    )


def test_a_member_declaring_more_bytes_than_the_bound_is_refused(catalogue, tmp_path, monkeypatch):
    bounds(monkeypatch, member_bytes=1_000_000)
    path = write_workbook(
        tmp_path / "lon.xlsx",
        table_rows(dossier_rows(1)),
        extra={"xl/media/a.bin": os.urandom(1_500_000)},
    )
    assert refused(path) == (
        "Tệp Excel lon.xlsx khai báo phần «xl/media/a.bin» 1.500.000 byte khi giải nén, vượt "
        "giới hạn 1.000.000 byte."
    )


def test_a_zip_of_too_many_members_is_refused(catalogue, tmp_path, monkeypatch):
    bounds(monkeypatch, members=20)
    extra = {f"xl/media/{n}.bin": b"" for n in range(30)}
    path = write_workbook(tmp_path / "nhieu.xlsx", table_rows(dossier_rows(1)), extra=extra)
    assert refused(path) == "Tệp Excel nhieu.xlsx có 35 phần nén, vượt giới hạn 20 phần."


def test_a_sheet_giving_more_text_than_a_csv_upload_may_hold_is_refused(
    catalogue, tmp_path, monkeypatch
):
    bounds(monkeypatch, text_bytes=10_000)
    path = write_workbook(tmp_path / "van-ban.xlsx", table_rows(dossier_rows(200)))
    assert refused(path) == (
        "Dữ liệu của tệp Excel van-ban.xlsx vượt 10.000 byte khi đọc ra thành văn bản (giới "
        "hạn như của một tệp CSV); hãy chia tệp."
    )


def test_a_dense_sheet_under_the_bounds_imports(catalogue, tmp_path):
    # 2.000 dossiers × 12 columns, one shared string table as Excel writes, dimension claimed.
    rows = dossier_rows(2000)
    strings = sorted({cell for row in rows for cell in row})
    index = {text: n for n, text in enumerate(strings)}
    xml = (
        f'<row r="{r}">'
        + "".join(
            f'<c r="{column_letters(c)}{r}" t="s"><v>{index[text]}</v></c>'
            for c, text in enumerate(row)
        )
        + "</row>"
        for r, row in enumerate(rows, start=1)
    )
    path = write_workbook(tmp_path / "day.xlsx", xml, dimension="A1:L2001", shared_strings=strings)
    outcome = run_import("import_dossiers", path)
    assert outcome.exit_code == 0, outcome
    assert Dossier.objects.count() == 2000
    assert ImportBatch.objects.get().created == 2000


# --- The reading child dying ----------------------------------------------------------------------


def test_the_child_killed_while_reading_is_a_refusal_naming_its_limits(
    catalogue, tmp_path, monkeypatch
):
    started = reading._XlsxChild.__init__

    def killed_at_once(self, *args, **kwargs):  # as the kernel's OOM killer would
        started(self, *args, **kwargs)
        self.process.kill()

    monkeypatch.setattr(reading._XlsxChild, "__init__", killed_at_once)
    path = write_workbook(tmp_path / "chet.xlsx", table_rows(dossier_rows(3)))
    assert refused(path) == (
        "Không đọc được tệp Excel chet.xlsx: tiến trình đọc tệp dừng bất thường (tín hiệu 9), "
        "có thể vì tệp vượt giới hạn bộ nhớ 1.536 MB hoặc thời gian 900 s dành cho việc đọc tệp."
    )


def test_a_child_out_of_memory_is_a_refusal(catalogue, tmp_path, monkeypatch):
    # Less address space than Python itself maps: the child cannot grow at all, and 4,8 MB of
    # shared strings (random, so not a compression bomb) must be held to read the sheet.
    monkeypatch.setattr(reading, "XLSX_CHILD_MEMORY_BYTES", 8 << 20)
    strings = [os.urandom(12_000).hex() for _ in range(200)]
    path = write_workbook(
        tmp_path / "bo-nho.xlsx", table_rows(dossier_rows(3)), shared_strings=strings
    )
    assert refused(path) == (
        "Tệp Excel bo-nho.xlsx cần quá nhiều bộ nhớ để đọc (giới hạn 8 MB); hãy chia tệp."
    )


# --- Every way in -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_manage_py_import_dossiers_refuses_the_bomb_with_exit_1(tmp_path):
    path = sparse_bomb(tmp_path / "bom.xlsx", dimension=False)
    done = subprocess.run(
        [sys.executable, "manage.py", "import_dossiers", str(path)],
        cwd=Path(settings.BASE_DIR),
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=120,  # a guard so a hang fails the test; the refusal comes at once
    )
    assert done.returncode == 1, done.stderr
    assert "vượt giới hạn 500 cột" in done.stderr
    assert not Dossier.objects.exists()
    assert ImportBatch.objects.get().status == ImportStatus.REFUSED


def test_a_web_upload_of_the_bomb_ends_refused_with_its_reason(
    client, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client.force_login(personas_create(agencies_create())["province_officer"])
    content = sparse_bomb(tmp_path / "bom.xlsx", dimension=True).read_bytes()
    upload = SimpleUploadedFile("bom.xlsx", content)
    with django_capture_on_commit_callbacks(execute=True):  # the validation task, inline
        response = client.post(reverse("imports:index"), {"kind": "dossiers", "file": upload})
    assert response.status_code == 302
    batch = ImportBatch.objects.get()  # validated by the (inline) task
    assert batch.status == ImportStatus.REFUSED
    assert "vượt giới hạn 500 cột và 40.000.000 ô" in batch.refusal
    page = client.get(reverse("imports:detail", args=[batch.pk]))
    assert "vượt giới hạn 500 cột và 40.000.000 ô" in page.content.decode()
    assert not Dossier.objects.exists()


def test_the_postings_import_refuses_the_bomb(tmp_path):
    posting_tree()
    batch = import_file(
        kind=ImportKind.POSTINGS, path=sparse_bomb(tmp_path / "bom.xlsx", dimension=False)
    )
    assert batch.status == ImportStatus.REFUSED
    assert "có ô XFD1048576 (cột thứ 16.384), vượt giới hạn 500 cột" in batch.refusal
    assert not StaffPosting.objects.exists()
