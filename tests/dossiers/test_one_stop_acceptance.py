"""Acceptance for issue 12's import side, written from domain.md sections 3, 9 and 11 alone: an
independent catalogue and three files as real one-stop systems write them, the exact import
counts, and every fact stored for every dossier.

1. The national sync record as JSON, agencies by code (numbers as numbers, the fee list a list).
2. The sync record as CSV with agencies by NAME as people type them (case, diacritics dropped,
   "Ủy ban nhân dân" for "UBND", extra spaces), two unknown names, reasons without apologies,
   never-received dossiers, supplementation, statuses by code and by name.
3. A dossier list export (XLSX): agency, procedure and status by name, no fact columns; it
   updates one dossier of file 1 and adds two.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from dossiers.models import Apology, Dossier, ImportRowError
from tests.dossiers.conftest import run_import, table_csv, write_xlsx

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
ONLINE, IN_PERSON, POSTAL = "truc_tuyen", "truc_tiep", "buu_chinh"


def t(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


def eod(year: int, month: int, day: int) -> dt.datetime:
    return t(year, month, day, 23, 59, 59)


@pytest.fixture
def province(db):
    """A province of its own: two departments, two districts with two communes each."""
    root = Agency.objects.create(code="TN", name="UBND tỉnh Thử Nghiệm", level=AgencyLevel.PROVINCE)
    made = {"TN": root}
    for code, name, level, parent in [
        ("STP", "Sở Tư pháp", AgencyLevel.DEPARTMENT, "TN"),
        ("STNMT", "Sở Tài nguyên và Môi trường", AgencyLevel.DEPARTMENT, "TN"),
        ("DK", "UBND huyện Đakrông", AgencyLevel.DISTRICT, "TN"),
        ("DK-TR", "UBND xã Tà Rụt", AgencyLevel.COMMUNE, "DK"),
        ("DK-KK", "UBND thị trấn Krông Klang", AgencyLevel.COMMUNE, "DK"),
        ("TX", "UBND thị xã Quảng Trị", AgencyLevel.DISTRICT, "TN"),
        ("TX-P1", "UBND Phường 1", AgencyLevel.COMMUNE, "TX"),
        ("TX-AD", "UBND phường An Đôn", AgencyLevel.COMMUNE, "TX"),
    ]:
        made[code] = Agency.objects.create(code=code, name=name, level=level, parent=made[parent])
    civil = Domain.objects.create(name="Hộ tịch")
    land = Domain.objects.create(name="Đất đai")
    records = Domain.objects.create(name="Lý lịch tư pháp")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    Procedure.objects.create(
        code="1.004222",
        name="Đăng ký biến động quyền sử dụng đất của hộ gia đình, cá nhân",
        domain=land,
    )
    Procedure.objects.create(code="2.000488", name="Cấp Phiếu lý lịch tư pháp", domain=records)
    return made


# File 1: the sync record with agency codes, every field of section 11.
SYNC_BY_CODE = [
    {  # online, returned, fully digitized, e-result, fees summed from the list, paid on the portal
        "MaHoSo": "S-01",
        "MaDonVi": "STP",
        "MaTTHC": "2.000488.000.00.00.H99",
        "KenhThucHien": "2",
        "NgayTiepNhan": "20230302081500",
        "NgayHenTra": "20230310170000",
        "NgayKetThucXuLy": "20230309100000",
        "TrangThaiHoSo": "10",
        "HoSoCoThanhPhanSoHoa": "1",
        "DuongDanTepTinKetQua": "https://dvc.example.vn/kq/S-01.pdf",
        "DuocThanhToanTrucTuyen": "1",
        "DanhSachLePhi": json.dumps([{"TenPhiLePhi": "Phí", "Gia": 200000}, {"Gia": 5000}]),
        "SoLanYeuCauBoSung": "0",
    },
    {  # in person, late, apologised, supplemented once and completed, paid on the province's
        # gateway; the MaCoQuan spelling is not used here: MaDonVi
        "MaHoSo": "S-02",
        "MaDonVi": "DK",
        "MaTTHC": "1.004222.000.00.00.H99",
        "KenhThucHien": "1",
        "NgayTiepNhan": "20230306090000",
        "NgayHenTra": "20230320170000",
        "NgayKetThucXuLy": "20230324160000",
        "TrangThaiHoSo": "10",
        "HoSoCoThanhPhanSoHoa": "0",
        "DuongDanTepTinKetQua": "",
        "DuocThanhToanTrucTuyen": "2",
        "DanhSachLePhi": json.dumps([{"Gia": "100.000"}]),
        "SoLanYeuCauBoSung": "1",
        "NgayYeuCauBoSung": "20230308",
        "NgayHoanThanhBoSung": "20230313",
        "NgayXinLoi": "20230320",
        "NgayHenLai": "20230327",
        "LyDoQuaHan": "Chờ đo đạc",
    },
    {  # postal, still being processed after two requests, waiting for the applicant
        "MaHoSo": "S-03",
        "MaDonVi": "DK-TR",
        "MaTTHC": "1.001193",
        "KenhThucHien": "3",
        "NgayTiepNhan": "20230601",
        "NgayHenTra": "20230605",
        "NgayKetThucXuLy": "",
        "TrangThaiHoSo": "5",
        "HoSoCoThanhPhanSoHoa": "",
        "DuocThanhToanTrucTuyen": "0",
        "DanhSachLePhi": "[]",
        "SoLanYeuCauBoSung": "2",
        "NgayYeuCauBoSung": "20230603100000",
    },
    {  # empty channel = in person; withdrawn (7); ended by its return date only
        "MaHoSo": "S-04",
        "MaDonVi": "TX",
        "MaTTHC": "1.004222.000.00.00.H99",
        "KenhThucHien": "",
        "NgayTiepNhan": "20230410140000",
        "NgayHenTra": "20230425170000",
        "NgayKetThucXuLy": "",
        "NgayTra": "20230418093000",
        "TrangThaiHoSo": "7",
        "HoSoCoThanhPhanSoHoa": "1",
        "DuocThanhToanTrucTuyen": "",
        "DanhSachLePhi": "",
    },
    {  # processing (4): its return date does not end it
        "MaHoSo": "S-05",
        "MaDonVi": "TX-AD",
        "MaTTHC": "1.001193",
        "KenhThucHien": "2",
        "NgayTiepNhan": "20230612080000",
        "NgayHenTra": "20230613170000",
        "NgayTra": "20230613",
        "TrangThaiHoSo": "4",
        "HoSoCoThanhPhanSoHoa": "1",
        "DanhSachLePhi": "[]",
    },
    {  # a status code out of range: rejected (the only bad row of this file)
        "MaHoSo": "S-06",
        "MaDonVi": "STP",
        "MaTTHC": "2.000488",
        "KenhThucHien": "2",
        "NgayTiepNhan": "20230302081500",
        "NgayHenTra": "20230310170000",
        "TrangThaiHoSo": "12",
    },
]

# File 2: the sync record as CSV, agencies by name as people type them.
NAMES_HEADERS = [
    "MaHoSo",
    "DonViXuLy",
    "MaTTHC",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "TrangThaiHoSo",
    "HoSoCoThanhPhanSoHoa",
    "LePhi",
    "DuocThanhToanTrucTuyen",
    "SoLanYeuCauBoSung",
    "NgayYeuCauBoSung",
    "NgayHoanThanhBoSung",
    "NgayXinLoi",
    "LyDoQuaHan",
]
# fmt: off
NAMES_ROWS = [
    # lower case; a reason without an apology: imported, the reason kept
    ["N-01", "sở tư pháp", "2.000488", "2", "01/03/2023 08:00", "10/03/2023",
     "14/03/2023 09:00", "Đã trả kết quả", "1", "200000", "1", "", "", "", "",
     "Hồ sơ phải xác minh tại địa phương"],
    # capitals, no diacritics
    ["N-02", "UBND HUYEN DAKRONG", "1.004222", "1", "20230302", "20230316", "20230315",
     "10", "0", "100.000", "0", "", "", "", "", ""],
    # "Ủy ban nhân dân" for UBND, two spaces
    ["N-03", "Ủy ban nhân dân  xã Tà Rụt", "1.001193", "2", "20230303090000", "20230303170000",
     "20230303110000", "DA TRA KET QUA", "1", "", "", "", "", "", "", ""],
    # extra spaces, lower case; supplemented and completed
    ["N-04", "  ubnd   thị trấn krông klang ", "1.001193", "1", "20230306", "20230310",
     "20230314160000", "9", "0", "0", "0", "1", "20230307", "20230309", "", ""],
    # never received (1): no dates at all
    ["N-05", "UBND Phường 1", "1.001193", "2", "", "", "", "1", "0", "", "", "", "", "", "", ""],
    # never received (3, by name): no dates
    ["N-06", "Ủy ban nhân dân phường An Đôn", "1.001193", "2", "", "", "",
     "Không được tiếp nhận", "0", "", "", "", "", "", "", ""],
    # unknown names: rejected, each naming its name
    ["N-07", "Phòng Tư pháp huyện Đakrông", "1.001193", "1", "20230301", "20230305", "",
     "4", "0", "", "", "", "", "", "", ""],
    ["N-08", "UBND xã Tà Long", "1.001193", "1", "20230301", "20230305", "20230304",
     "10", "1", "", "", "", "", "", "", ""],
    ["N-09", "phong tu phap huyen dakrong", "1.004222", "1", "20230301", "20230305", "",
     "4", "0", "", "", "", "", "", "", ""],
    # a late dossier with a reason and no apology, still open
    ["N-10", "Sở Tài Nguyên Và Môi Trường", "1.004222", "1", "20230315080000", "20230329170000",
     "", "4", "0", "500000", "0", "", "", "", "", "Chờ ý kiến cơ quan thuế"],
]
# fmt: on

# File 3: a list export. It names S-02 again (agency, procedure, status, dates) and adds two.
LIST_HEADERS = [
    "STT",
    "Đơn vị tiếp nhận",
    "Người tiếp nhận",
    "Tên thủ tục hành chính",
    "Mã hồ sơ",
    "Trạng thái",
    "Chủ hồ sơ",
    "Ngày nộp hồ sơ",
    "Ngày nhận",
    "Ngày hẹn trả",
    "Ngày có kết quả",
    "Lĩnh vực",
]
# fmt: off
LIST_ROWS = [
    [1, "UBND huyện Đakrông", "Hồ Văn A",
     "Đăng ký biến động quyền sử dụng đất của hộ gia đình, cá nhân", "S-02", "Đã trả kết quả",
     "Lê B", dt.datetime(2023, 3, 5, 20, 0), dt.datetime(2023, 3, 6, 9, 0),
     dt.datetime(2023, 3, 20, 17, 0), dt.datetime(2023, 3, 25, 8, 0), "Đất đai"],
    [2, "SỞ TƯ PHÁP", "Trần C", "cấp phiếu lý lịch tư pháp", "L-01", "Đang xử lý", "Phan D",
     None, "20/06/2023 10:00", "30/06/2023", None, "Lý lịch tư pháp"],
    [3, "Ủy ban nhân dân xã Tà Rụt", "Võ E", "Đăng ký khai sinh", "L-02", "Đã xử lý xong",
     "Ngô F", dt.datetime(2023, 6, 19, 7, 30), dt.datetime(2023, 6, 19, 8, 0),
     dt.datetime(2023, 6, 19, 17, 0), dt.datetime(2023, 6, 19, 10, 0), "Hộ tịch"],
]
# fmt: on


def facts(code: str) -> tuple:
    d = Dossier.objects.select_related("agency", "procedure").get(code=code)
    apology = Apology.objects.filter(dossier=d).first()
    return (
        d.agency.code,
        d.procedure.code,
        d.channel,
        d.status,
        d.received_at,
        d.due_at,
        d.finished_at,
        d.components_total,
        d.components_digitized,
        d.e_result,
        d.fee,
        d.paid_online,
        d.supplement_requests,
        d.supplement_requested_at,
        d.supplement_completed_at,
        d.late_reason,
        (apology.issued_at, apology.new_due_at, apology.reason) if apology else None,
        d.submitted_at,
    )


# Worked out by hand from domain.md: (agency, procedure, channel, status, received, due, finished,
# components total, digitized, e-result, fee, paid online, supplement requests, last request,
# completion, late reason, apology (issued, new due, reason), submitted).
# fmt: off
EXPECTED_AFTER_FILES_1_AND_2 = {
    "S-01": ("STP", "2.000488", ONLINE, 10, t(2023, 3, 2, 8, 15), t(2023, 3, 10, 17),
             t(2023, 3, 9, 10), 1, 1, True, 205_000, True, 0, None, None, "", None, None),
    "S-02": ("DK", "1.004222", IN_PERSON, 10, t(2023, 3, 6, 9), t(2023, 3, 20, 17),
             t(2023, 3, 24, 16), 1, 0, False, 100_000, True, 1, t(2023, 3, 8), t(2023, 3, 13),
             "", (eod(2023, 3, 20), eod(2023, 3, 27), "Chờ đo đạc"), None),
    "S-03": ("DK-TR", "1.001193", POSTAL, 5, t(2023, 6, 1), eod(2023, 6, 5), None, 1, 0,
             False, 0, False, 2, t(2023, 6, 3, 10), None, "", None, None),
    "S-04": ("TX", "1.004222", IN_PERSON, 7, t(2023, 4, 10, 14), t(2023, 4, 25, 17),
             t(2023, 4, 18, 9, 30), 1, 1, False, 0, False, 0, None, None, "", None, None),
    "S-05": ("TX-AD", "1.001193", ONLINE, 4, t(2023, 6, 12, 8), t(2023, 6, 13, 17), None, 1, 1,
             False, 0, False, 0, None, None, "", None, None),
    "N-01": ("STP", "2.000488", ONLINE, 10, t(2023, 3, 1, 8), eod(2023, 3, 10), t(2023, 3, 14, 9),
             1, 1, None, 200_000, True, 0, None, None, "Hồ sơ phải xác minh tại địa phương",
             None, None),
    "N-02": ("DK", "1.004222", IN_PERSON, 10, t(2023, 3, 2), eod(2023, 3, 16), eod(2023, 3, 15),
             1, 0, None, 100_000, False, 0, None, None, "", None, None),
    "N-03": ("DK-TR", "1.001193", ONLINE, 10, t(2023, 3, 3, 9), t(2023, 3, 3, 17),
             t(2023, 3, 3, 11), 1, 1, None, 0, False, 0, None, None, "", None, None),
    "N-04": ("DK-KK", "1.001193", IN_PERSON, 9, t(2023, 3, 6), eod(2023, 3, 10),
             t(2023, 3, 14, 16), 1, 0, None, 0, False, 1, t(2023, 3, 7), t(2023, 3, 9), "", None,
             None),
    "N-05": ("TX-P1", "1.001193", ONLINE, 1, None, None, None, 1, 0, None, 0, False, 0, None,
             None, "", None, None),
    "N-06": ("TX-AD", "1.001193", ONLINE, 3, None, None, None, 1, 0, None, 0, False, 0, None,
             None, "", None, None),
    "N-10": ("STNMT", "1.004222", IN_PERSON, 4, t(2023, 3, 15, 8), t(2023, 3, 29, 17), None, 1,
             0, None, 500_000, False, 0, None, None, "Chờ ý kiến cơ quan thuế", None, None),
}
# fmt: on


NUMBERS = ("KenhThucHien", "TrangThaiHoSo", "HoSoCoThanhPhanSoHoa", "DuocThanhToanTrucTuyen")


def sync_json(records: list[dict[str, str]]) -> str:
    """The records as a one-stop system sends them: {"data": [...]}, codes as JSON numbers, the
    fee list as a JSON list, an empty field as null."""
    typed = []
    for record in records:
        out: dict[str, object] = {}
        for key, value in record.items():
            if value == "":
                out[key] = None
            elif key == "DanhSachLePhi":
                out[key] = json.loads(value)
            elif key in NUMBERS or key == "SoLanYeuCauBoSung":
                out[key] = int(value)
            else:
                out[key] = value
        typed.append(out)
    return json.dumps({"data": typed}, ensure_ascii=False)


def _import_files_1_and_2(write_file):
    first = run_import("import_dossiers", write_file(sync_json(SYNC_BY_CODE), "dong_bo.json"))
    second = run_import(
        "import_dossiers", write_file(table_csv(NAMES_HEADERS, NAMES_ROWS), "ten_don_vi.csv")
    )
    return first, second


def test_the_sync_record_and_agencies_by_name_store_exactly_these_dossiers(province, write_file):
    first, second = _import_files_1_and_2(write_file)

    assert first.stdout.strip() == "created 5, updated 0, unchanged 0, rejected 1"
    # JSON records count from 1 (no header row): S-06 is record 6.
    assert "Dòng 6, cột «TrangThaiHoSo» (giá trị «12») [bị loại]" in first.stderr
    # rejected = the three rows of the two unknown names, each naming its name
    assert second.stdout.strip() == "created 7, updated 0, unchanged 0, rejected 3"
    rejected = list(
        ImportRowError.objects.filter(batch__original_name__endswith="ten_don_vi.csv").values_list(
            "row_number", "column", "value"
        )
    )
    assert rejected == [
        (8, "DonViXuLy", "Phòng Tư pháp huyện Đakrông"),
        (9, "DonViXuLy", "UBND xã Tà Long"),
        (10, "DonViXuLy", "phong tu phap huyen dakrong"),
    ]
    assert "Không có đơn vị nào tên «UBND xã Tà Long»" in second.stderr
    assert {d: facts(d) for d in EXPECTED_AFTER_FILES_1_AND_2} == EXPECTED_AFTER_FILES_1_AND_2
    assert Dossier.objects.count() == 12


def test_the_list_export_updates_what_it_gives_and_keeps_what_it_lacks(
    province, write_file, tmp_path
):
    _import_files_1_and_2(write_file)

    outcome = run_import(
        "import_dossiers", write_xlsx(tmp_path / "danh_sach.xlsx", [LIST_HEADERS, *LIST_ROWS])
    )

    assert outcome.stdout.strip() == "created 2, updated 1, unchanged 0, rejected 0"
    # S-02: the export's end (Ngày có kết quả) and submission date; everything else as stored.
    s02 = list(EXPECTED_AFTER_FILES_1_AND_2["S-02"])
    s02[6] = t(2023, 3, 25, 8)
    s02[17] = t(2023, 3, 5, 20)
    assert facts("S-02") == tuple(s02)
    unknown = (None, None, None, None, None, None)  # channel, components, e-result, fee, paid
    assert facts("L-01") == (
        "STP",
        "2.000488",
        *unknown[:1],
        4,
        t(2023, 6, 20, 10),
        eod(2023, 6, 30),
        None,
        *unknown[1:],
        0,
        None,
        None,
        "",
        None,
        None,
    )
    assert facts("L-02") == (
        "DK-TR",
        "1.001193",
        None,
        9,
        t(2023, 6, 19, 8),
        t(2023, 6, 19, 17),
        t(2023, 6, 19, 10),
        None,
        None,
        None,
        None,
        None,
        0,
        None,
        None,
        "",
        None,
        t(2023, 6, 19, 7, 30),
    )
    assert Dossier.objects.count() == 14


def test_importing_every_file_again_changes_nothing(province, write_file, tmp_path):
    _import_files_1_and_2(write_file)
    export = write_xlsx(tmp_path / "danh_sach.xlsx", [LIST_HEADERS, *LIST_ROWS])
    run_import("import_dossiers", export)
    stamps = dict(Dossier.objects.values_list("code", "updated_at"))

    first, second = _import_files_1_and_2(write_file)
    third = run_import("import_dossiers", export)

    # S-02's end comes back from file 1, then the export sets it again: 1 updated each time.
    assert first.stdout.strip() == "created 0, updated 1, unchanged 4, rejected 1"
    assert second.stdout.strip() == "created 0, updated 0, unchanged 7, rejected 3"
    assert third.stdout.strip() == "created 0, updated 1, unchanged 2, rejected 0"
    changed = {
        code
        for code, stamp in Dossier.objects.values_list("code", "updated_at")
        if stamps[code] != stamp
    }
    assert changed == {"S-02"}
