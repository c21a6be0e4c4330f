"""A file that cannot be read, or lacks a required column, is refused whole: exit status 1, one
Vietnamese sentence naming the file, no data written, the batch kept with its original file."""

from __future__ import annotations

import pytest

from agencies.models import Agency
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import HEADERS, dossier_csv, run_import, write_xlsx

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"


def assert_refused(outcome, *fragments: str) -> None:
    assert outcome.exit_code == 1
    assert outcome.stdout == ""
    for fragment in fragments:
        assert fragment in outcome.error
    assert not Dossier.objects.exists()
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSED
    assert batch.refusal == outcome.error


def test_a_file_that_does_not_exist_is_refused(catalogue, tmp_path):
    outcome = run_import("import_dossiers", tmp_path / "khong_co.csv")

    assert_refused(outcome, "Không mở được tệp khong_co.csv")


def test_png_bytes_named_csv_are_refused(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(PNG, "anh.csv"))

    assert_refused(outcome, "Tệp anh.csv không phải tệp CSV dạng văn bản")


def test_pdf_bytes_named_xlsx_are_refused(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(PDF, "bao_cao.xlsx"))

    assert_refused(outcome, "Tệp bao_cao.xlsx không phải tệp Excel (.xlsx) hợp lệ")


def test_a_text_file_is_refused_for_its_type(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(dossier_csv([{}]), "ho_so.txt"))

    assert_refused(outcome, "Tệp ho_so.txt không phải tệp CSV hoặc Excel (.xlsx)")


def test_an_empty_file_is_refused(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(b""))

    assert_refused(outcome, "Tệp ho_so.csv trống.")


def test_a_file_with_only_a_header_is_refused(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(dossier_csv([])))

    assert_refused(outcome, "Tệp ho_so.csv không có dòng dữ liệu nào")


def test_a_missing_required_column_is_named(catalogue, write_file):
    keys = [key for key in HEADERS if key not in ("due_at",) and "apology" not in key]
    path = write_file(dossier_csv([{}], keys=keys))

    outcome = run_import("import_dossiers", path)

    assert_refused(outcome, "Tệp ho_so.csv thiếu cột bắt buộc: «Ngày hẹn trả» (ngay_hen_tra).")


def test_a_file_not_in_utf8_is_refused(catalogue, write_file):
    path = write_file(dossier_csv([{"code": "Hồ-sơ"}]).encode("utf-16"))

    outcome = run_import("import_dossiers", path)

    assert outcome.exit_code == 1
    assert "ho_so.csv" in outcome.error
    assert not Dossier.objects.exists()


def test_a_legacy_vietnamese_encoding_is_refused_as_not_utf8(catalogue, write_file):
    path = write_file(dossier_csv([{"channel": "Trực tiếp"}]).encode("cp1258", "replace"))

    outcome = run_import("import_dossiers", path)

    assert_refused(outcome, "Tệp ho_so.csv không được mã hóa UTF-8")


def test_an_unknown_sheet_is_refused(catalogue, tmp_path):
    path = write_xlsx(tmp_path / "dossiers.xlsx", [list(HEADERS.values())])

    outcome = run_import("import_dossiers", path, "--sheet", "Không có")

    assert_refused(outcome, "Tệp dossiers.xlsx không có trang tính «Không có»")


def test_a_refused_file_is_kept_with_its_checksum_for_the_record(catalogue, write_file):
    path = write_file(b"")
    run_import("import_dossiers", path)

    batch = ImportBatch.objects.get()
    assert batch.size == 0
    assert batch.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert batch.original_name == "ho_so.csv"


def test_a_refused_agency_file_writes_no_agency(db, write_file):
    path = write_file("Mã đơn vị,Tên đơn vị\nQT,UBND tỉnh\n", "don_vi.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.exit_code == 1
    assert outcome.error == "Tệp don_vi.csv thiếu cột bắt buộc: «Cấp» (cap)."
    assert not Agency.objects.exists()


def test_a_column_given_twice_is_refused(catalogue, write_file):
    text = dossier_csv([{}])
    header, body = text.split("\n", 1)
    path = write_file(header + ",ma_ho_so\n" + body.replace("\n", ",H-9\n"))

    outcome = run_import("import_dossiers", path)

    assert_refused(outcome, "Tệp ho_so.csv có cột «Mã hồ sơ» (ma_ho_so) hai lần")


def test_two_columns_with_the_same_header_are_refused(catalogue, write_file):
    text = dossier_csv([{}])
    header, body = text.split("\n", 1)
    path = write_file(header + ",Mã hồ sơ\n" + body.replace("\n", ",H-9\n"))

    outcome = run_import("import_dossiers", path)

    assert_refused(outcome, "Tệp ho_so.csv có nhiều cột cùng tên «Mã hồ sơ».")
