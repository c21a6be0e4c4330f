"""The national sync record as JSON, typed as one-stop systems send it (numbers as numbers, the fee
list as a list, nulls), read for what it means exactly as the same records in CSV."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from dossiers.models import Channel, Dossier, DossierStatus, ImportRowError
from tests.dossiers.conftest import records_csv, run_import

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
FACTS = (
    "code",
    "agency__code",
    "procedure__code",
    "channel",
    "status",
    "received_at",
    "due_at",
    "finished_at",
    "components_total",
    "components_digitized",
    "e_result",
    "fee",
    "paid_online",
    "supplement_requests",
    "supplement_requested_at",
    "supplement_completed_at",
    "late_reason",
)


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


RECORDS = [
    {
        "MaHoSo": "J-1",
        "MaDonVi": "HL-TT",
        "MaTTHC": "1.001193.000.00.00.H48",
        "KenhThucHien": 2,
        "NgayTiepNhan": "20230612083000",
        "NgayHenTra": "20230615170000",
        "NgayKetThucXuLy": "20230614160000",
        "TrangThaiHoSo": 10,
        "HoSoCoThanhPhanSoHoa": 1,
        "DuongDanTepTinKetQua": "https://dvc.example.vn/kq/J-1.pdf",
        "DuocThanhToanTrucTuyen": 1,
        "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "Gia": 8000}, {"Gia": 2000.0}],
        "SoLanYeuCauBoSung": 0,
        "NgayYeuCauBoSung": None,
        "LyDoQuaHan": None,
    },
    {
        "MaHoSo": "J-2",
        "MaDonVi": "HL",
        "MaTTHC": "1.004222",
        "KenhThucHien": None,
        "NgayTiepNhan": "20230601",
        "NgayHenTra": "20230605",
        "NgayKetThucXuLy": None,
        "NgayTra": "20230607090000",
        "TrangThaiHoSo": None,
        "HoSoCoThanhPhanSoHoa": 0,
        "DuongDanTepTinKetQua": None,
        "DuocThanhToanTrucTuyen": 0,
        "DanhSachLePhi": [],
        "SoLanYeuCauBoSung": 2,
        "NgayYeuCauBoSung": "20230602100000",
        "NgayHoanThanhBoSung": "20230603100000",
        "LyDoQuaHan": "Chờ xác minh",
    },
    {
        "MaHoSo": "J-3",
        "MaDonVi": "STP",
        "MaTTHC": "1.001193",
        "KenhThucHien": 3,
        "NgayTiepNhan": None,
        "NgayHenTra": None,
        "TrangThaiHoSo": 3,
        "HoSoCoThanhPhanSoHoa": False,
        "DuocThanhToanTrucTuyen": 0,
        "DanhSachLePhi": None,
    },
]


def as_cells(records: list[dict]) -> list[dict[str, str]]:
    """The same records as CSV cells: a list as its JSON text, null as an empty cell."""
    cells = []
    for record in records:
        row = {}
        for key, value in record.items():
            if value is None:
                row[key] = ""
            elif isinstance(value, list):
                row[key] = json.dumps(value)
            elif isinstance(value, bool):
                row[key] = str(value).lower()
            else:
                row[key] = str(value)
        cells.append(row)
    return cells


def stored() -> dict[str, tuple]:
    return {row[0]: row for row in Dossier.objects.order_by("code").values_list(*FACTS)}


def test_sync_records_as_json_are_read_for_what_they_mean(catalogue, write_file):
    outcome = run_import("import_dossiers", write_file(json.dumps({"data": RECORDS}), "ds.json"))

    assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
    assert outcome.stderr == ""
    assert stored() == {
        "J-1": (
            "J-1", "HL-TT", "1.001193", Channel.ONLINE, DossierStatus.RETURNED,
            local(2023, 6, 12, 8, 30), local(2023, 6, 15, 17), local(2023, 6, 14, 16),
            1, 1, True, 10_000, True, 0, None, None, "",
        ),
        "J-2": (
            "J-2", "HL", "1.004222", Channel.IN_PERSON, None,
            local(2023, 6, 1), local(2023, 6, 5, 23, 59, 59), local(2023, 6, 7, 9),
            1, 0, False, 0, False, 2, local(2023, 6, 2, 10), local(2023, 6, 3, 10),
            "Chờ xác minh",
        ),
        "J-3": (
            "J-3", "STP", "1.001193", Channel.POSTAL, DossierStatus.NOT_ACCEPTED,
            None, None, None, 1, 0, False, 0, False, 0, None, None, "",
        ),
    }  # fmt: skip


def test_the_same_records_as_json_and_as_csv_store_identical_dossiers(catalogue, write_file):
    run_import("import_dossiers", write_file(json.dumps(RECORDS), "ds.json"))
    from_json = stored()
    stamps = dict(Dossier.objects.values_list("code", "updated_at"))

    outcome = run_import("import_dossiers", write_file(records_csv(as_cells(RECORDS)), "ds.csv"))

    assert outcome.stdout.strip() == "created 0, updated 0, unchanged 3, rejected 0"
    assert stored() == from_json
    assert dict(Dossier.objects.values_list("code", "updated_at")) == stamps


def test_keys_match_at_every_depth_in_any_spelling(catalogue, write_file):
    record = {
        "maHoSo": "J-9",
        "MADONVI": "HL-TT",
        "maTTHC": "1.001193",
        "ngayTiepNhan": "20230612",
        "ngayHenTra": "20230615",
        "danhSachLePhi": [{"gia": 1000}, {"GIA": "2.500"}, {"tenPhiLePhi": "không có giá"}],
    }

    outcome = run_import("import_dossiers", write_file(json.dumps({"Data": [record]}), "j.json"))

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
    assert Dossier.objects.get().fee == 3_500


def test_records_may_name_one_field_by_either_of_its_names(catalogue, write_file):
    # Section 11 gives MaDonVi and MaCoQuan for the agency: a file whose records use one or the
    # other (two one-stop systems' exports put together) was refused as "the column twice".
    dates = {"MaTTHC": "1.001193", "NgayTiepNhan": "20230612", "NgayHenTra": "20230615"}
    records = [
        {"MaHoSo": "J-1", "MaDonVi": "HL-TT", **dates},
        {"MaHoSo": "J-2", "MaCoQuan": "STP", **dates},
    ]

    outcome = run_import("import_dossiers", write_file(json.dumps(records), "j.json"))

    assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
    stored = dict(Dossier.objects.values_list("code", "agency__code"))
    assert stored == {"J-1": "HL-TT", "J-2": "STP"}


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("TrangThaiHoSo", 11, "mã 1 đến 10"),
        ("KenhThucHien", 4, "1 (trực tiếp)"),
        ("NgayTiepNhan", "20230231083000", "yyyyMMddHHmmss"),
        ("DanhSachLePhi", [{"Gia": "năm nghìn"}], "danh sách JSON"),
        ("DanhSachLePhi", ["5000"], "danh sách JSON"),
        ("SoLanYeuCauBoSung", "hai", "số nguyên"),
        ("HoSoCoThanhPhanSoHoa", 2, "dùng 1"),
    ],
)
def test_a_bad_json_record_is_rejected_with_its_number_field_and_reason(
    catalogue, write_file, field, value, reason
):
    records = [RECORDS[0], {**RECORDS[0], "MaHoSo": "J-BAD", field: value}]

    outcome = run_import("import_dossiers", write_file(json.dumps(records), "ds.json"))

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    error = ImportRowError.objects.get()
    assert (error.row_number, error.column) == (2, field)
    assert reason in error.message
    assert list(Dossier.objects.values_list("code", flat=True)) == ["J-1"]
