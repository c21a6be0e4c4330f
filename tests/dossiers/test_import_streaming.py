"""A dossier file is read, checked and staged in bounded batches (issue 16): the outcome is the
same whatever the batch size, and a file given to the command is taken whatever its size."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, connection, transaction

from dossiers.importing import apply, json_records, reading
from dossiers.models import Apology, Dossier, ImportBatch, ImportStatus
from dossiers.services import import_batch_create
from tests.dossiers.conftest import dossier_csv, run_import

pytestmark = pytest.mark.django_db


class _RolledBack(Exception):
    pass


def outcome_with(monkeypatch, batch_rows: int, path, *options: str) -> dict:
    """Import `path` with batches of `batch_rows` rows, note everything the import left, and
    roll it back so that the next run starts from the same database."""
    monkeypatch.setattr(reading, "BATCH_ROWS", batch_rows)
    seen: dict = {}
    try:
        with transaction.atomic():
            result = run_import("import_dossiers", path, *options)
            batch = ImportBatch.objects.get()
            seen = {
                "exit": result.exit_code,
                "stdout": result.stdout,
                "stderr": result.stderr,
                "error": result.error,
                "batch": (batch.status, batch.total_rows, batch.processed_rows, batch.rejected),
                "messages": list(
                    batch.row_errors.order_by("row_number", "id").values_list(
                        "row_number", "column", "value", "message", "is_warning"
                    )
                ),
                "dossiers": list(
                    Dossier.objects.order_by("code").values_list(
                        "code",
                        "agency__code",
                        "procedure__code",
                        "received_at",
                        "due_at",
                        "finished_at",
                        "fee",
                        "paid_online",
                        "late_reason",
                    )
                ),
                "apologies": list(
                    Apology.objects.order_by("dossier__code").values_list(
                        "dossier__code", "issued_at", "new_due_at", "reason"
                    )
                ),
            }
            raise _RolledBack
    except _RolledBack:
        pass
    return seen


# Rows whose outcome depends on other rows far away in the file: a code repeated 9 rows later
# (and a second repetition), a procedure that row 3 uses before row 12 registers it, bad cells,
# an apology, rows without a code.
MIXED_ROWS = [
    {"code": "A-01"},
    {"code": "A-02", "procedure_code": "1.000777"},  # registered by a later row
    {"code": "A-03", "received_at": "31/02/2023"},
    {"code": "A-04", "due_at": "2023-06-20", "finished_at": "20230619080000"},
    {"code": "A-05", "agency_code": "NOPE"},
    {"code": "A-01", "fee": "abc"},  # repeats row 2, and is bad itself
    {"code": ""},
    {"code": "A-08", "apology_issued_at": "16/06/2023", "apology_reason": "Chờ xác minh"},
    {"code": "A-09", "finished_at": "20/06/2023 10:00"},
    {"code": "A-01"},  # repeats row 2 again
    {
        "code": "A-11",
        "procedure_code": "1.000777",
        "procedure_name": "Thủ tục mới",
        "domain": "Hộ tịch",
    },
    {"code": ""},
    {"code": "A-13", "apology_reason": "Lý do không kèm ngày xin lỗi"},
    {"code": "A-14", "components_digitized": "5"},
]


@pytest.mark.parametrize("options", [(), ("--dry-run",), ("--atomic",)])
def test_small_batches_give_exactly_the_outcome_of_one_batch(
    catalogue, write_file, monkeypatch, options
):
    path = write_file(dossier_csv(MIXED_ROWS))
    whole = outcome_with(monkeypatch, 1000, path, *options)
    for rows in (1, 3, 4, 7):
        assert outcome_with(monkeypatch, rows, path, *options) == whole, rows
    if not options:  # the outcome itself, so that "the same" is not "the same wrong"
        assert whole["stdout"].strip() == "created 7, updated 0, unchanged 0, rejected 7"
        repeated = [m for m in whole["messages"] if m[3].startswith("Mã hồ sơ trùng")]
        assert [(m[0], m[3]) for m in repeated] == [
            (7, "Mã hồ sơ trùng với dòng 2; chỉ dòng đó được nhập."),
            (11, "Mã hồ sơ trùng với dòng 2; chỉ dòng đó được nhập."),
            (13, "Mã hồ sơ trùng với dòng 8; chỉ dòng đó được nhập."),
        ]
        codes = [d[0] for d in whole["dossiers"]]
        assert "A-02" in codes and "A-11" in codes  # A-02 uses the procedure A-11 registers


def test_a_json_key_first_met_in_a_later_batch_counts_for_every_record(
    catalogue, write_file, monkeypatch
):
    base = {
        "MaHoSo": "J-1",
        "MaCoQuan": "HL-TT",
        "MaTTHC": "1.001193.000.00.00.H48",
        "NgayTiepNhan": "20230612083000",
        "NgayHenTra": "20230615235959",
    }
    records = [
        {**base, "MaHoSo": "J-1"},
        {**base, "MaHoSo": "J-2"},
        {**base, "MaHoSo": "J-3", "NgayKetThucXuLy": "20230614160000", "LePhi": 20000},
    ]
    path = write_file(json.dumps(records), "ho_so.json")
    whole = outcome_with(monkeypatch, 1000, path)
    assert outcome_with(monkeypatch, 1, path) == whole
    assert whole["stdout"].strip() == "created 3, updated 0, unchanged 0, rejected 0"
    # The fee column exists for the file: the records without one get the column's default, 0.
    assert [d[6] for d in whole["dossiers"]] == [0, 0, 20000]


def test_a_file_refused_far_down_keeps_no_row_errors(catalogue, write_file, monkeypatch):
    rows = [{"code": f"B-{n}"} for n in range(10)] + [{"code": "B-x", "due_at": "hôm qua"}]
    content = dossier_csv(rows).encode() + b"B-y,HL-TT,1.001193,\xff\xfe\n"
    path = write_file(content)
    for batch_rows in (1000, 2):
        seen = outcome_with(monkeypatch, batch_rows, path)
        assert seen["exit"] == 1
        assert seen["error"] == (
            "Tệp ho_so.csv không được mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8."
        )
        assert seen["messages"] == []
        assert seen["dossiers"] == []


def test_the_command_takes_a_dossier_file_over_the_web_bound(
    catalogue, write_file, settings, tmp_path
):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    path = write_file(dossier_csv([{"code": f"C-{n}"} for n in range(20)]))
    assert path.stat().st_size > 100

    outcome = run_import("import_dossiers", path)

    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "created 20, updated 0, unchanged 0, rejected 0"
    # The same file uploaded on the web is still refused for its size, and not kept.
    with path.open("rb") as upload:
        batch = import_batch_create(kind="dossiers", uploaded_file=upload, original_name="lon.csv")
    assert batch.status == ImportStatus.REFUSED
    assert "quá lớn" in batch.refusal
    assert not batch.file


def _foreign_keys() -> list[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = 'dossiers_dossier'::regclass AND contype = 'f' ORDER BY conname"
        )
        return cursor.fetchall()


def test_a_bulk_load_checks_the_foreign_keys_at_once_and_keeps_them(
    catalogue, write_file, monkeypatch
):
    monkeypatch.setattr(apply, "BULK_FOREIGN_KEY_ROWS", 1)  # every load counts as bulk here
    before = _foreign_keys()
    assert len(before) == 2 and "DEFERRABLE INITIALLY DEFERRED" in before[0][1]

    outcome = run_import("import_dossiers", write_file(dossier_csv(MIXED_ROWS)))

    assert outcome.stdout.strip() == "created 7, updated 0, unchanged 0, rejected 7"
    assert _foreign_keys() == before


def test_a_row_naming_no_agency_makes_the_bulk_load_fail_whole(catalogue, write_file):
    run_import("import_dossiers", write_file(dossier_csv([{"code": "D-1"}])))
    loading = apply.foreign_keys_checked_at_once(10**6)
    with pytest.raises(IntegrityError), transaction.atomic(), loading:
        assert _foreign_keys() == []  # dropped for the load
        Dossier.objects.filter(code="D-1").update(agency_id=987654)
    assert len(_foreign_keys()) == 2  # rolled back with the load
    assert Dossier.objects.get(code="D-1").agency.code == "HL-TT"


def test_a_file_read_whole_stays_bounded_when_given_to_the_command(write_file, settings, db):
    settings.IMPORT_MAX_WHOLE_FILE_BYTES = 100
    content = "Mã đơn vị,Tên đơn vị,Cấp\n" + "X,Đơn vị,tinh\n" * 20  # 397 bytes in UTF-8
    path = write_file(content, "don_vi.csv")

    outcome = run_import("import_agencies", path)

    assert outcome.exit_code == 1
    assert outcome.error == (
        "Tệp don_vi.csv quá lớn (397\u00a0byte); chỉ nhận tệp tối đa 100\u00a0byte. "
        "Hãy chia tệp thành nhiều phần."
    )


def _one_per_line(records: list) -> str:
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


SYNC = {
    "MaCoQuan": "HL-TT",
    "MaTTHC": "1.001193.000.00.00.H48",
    "NgayTiepNhan": "20230612083000",
    "NgayHenTra": "20230615235959",
    "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "Gia": 20000.0}],
}
JSON_FILES = {
    "one record per line": _one_per_line(
        [{**SYNC, "MaHoSo": f"J-{n}", "KenhThucHien": 1 + n % 3} for n in range(40)]
        + [{**SYNC, "MaHoSo": "J-bad", "NgayTiepNhan": "2023-13-45"}]
    ),
    "records over several lines": json.dumps(
        {"data": [{**SYNC, "MaHoSo": f"K-{n}"} for n in range(12)]}, indent=2
    ),
    "a trailing comma": _one_per_line([{**SYNC, "MaHoSo": "T-1"}]).replace("}\n]", "},\n]"),
    "cut off": _one_per_line([{**SYNC, "MaHoSo": f"C-{n}"} for n in range(9)])[:-60],
    "an element that is no record": _one_per_line([{**SYNC, "MaHoSo": "E-1"}, 7, {}]),
    "text after the array": _one_per_line([{**SYNC, "MaHoSo": "X-1"}]) + "[]\n",
}


@pytest.mark.parametrize("name", JSON_FILES)
def test_json_lines_read_at_once_give_what_one_by_one_gives(
    catalogue, write_file, monkeypatch, name
):
    path = write_file(JSON_FILES[name], "ho_so.json")
    monkeypatch.setattr(json_records, "_READ_BYTES", 300)  # many windows, records cut by them
    at_once = outcome_with(monkeypatch, 7, path)
    monkeypatch.setattr(json_records._Text, "whole_lines", lambda self: None)
    assert outcome_with(monkeypatch, 7, path) == at_once
    if name == "one record per line":
        assert at_once["stdout"].strip() == "created 40, updated 0, unchanged 0, rejected 1"
        assert {d[6] for d in at_once["dossiers"]} == {20000}
