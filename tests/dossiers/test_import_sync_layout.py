"""The national sync record (domain.md section 11) as CSV and XLSX: every field read for what it
means, recognised from the fields present with no flag, mixed with section 9's columns."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from dossiers.models import Apology, Channel, Dossier, DossierStatus, ImportRowError
from tests.dossiers.conftest import dossier_csv, records_csv, run_import, write_xlsx

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


# One complete sync record; tests override fields.
RECORD = {
    "MaHoSo": "000.00.30.H48-230612-0001",
    "MaDonVi": "HL-TT",
    "MaTTHC": "1.001193.000.00.00.H48",
    "TenTTHC": "Đăng ký khai sinh",
    "KenhThucHien": "2",
    "NgayTiepNhan": "20230612083000",
    "NgayHenTra": "20230615170000",
    "NgayKetThucXuLy": "20230614160000",
    "TrangThaiHoSo": "10",
    "HoSoCoThanhPhanSoHoa": "1",
    "DuongDanTepTinKetQua": "https://dichvucong.quangtri.gov.vn/kq/0001.pdf",
    "DuocThanhToanTrucTuyen": "1",
    "DanhSachLePhi": json.dumps([{"TenPhiLePhi": "Lệ phí", "Gia": 8000}, {"Gia": "2.000"}]),
    "SoLanYeuCauBoSung": "0",
    "NgayYeuCauBoSung": "",
    "NgayHoanThanhBoSung": "",
    "NgayXinLoi": "",
    "NgayHenLai": "",
    "LyDoQuaHan": "",
    "ChuHoSo": "Nguyễn Văn A",  # an unknown field: ignored
}


def record(**overrides: str) -> dict[str, str]:
    return {**RECORD, **overrides}


def stored(code: str = RECORD["MaHoSo"]) -> Dossier:
    return Dossier.objects.select_related("agency", "procedure").get(code=code)


class TestEveryFieldOfTheSyncRecord:
    def test_a_complete_record_is_read_as_section_11_says(self, catalogue, write_file):
        outcome = run_import("import_dossiers", write_file(records_csv([RECORD])))

        assert outcome.stdout == "created 1, updated 0, unchanged 0, rejected 0\n"
        assert outcome.stderr == ""
        dossier = stored()
        assert (dossier.agency.code, dossier.procedure.code) == ("HL-TT", "1.001193")
        assert dossier.channel == Channel.ONLINE
        assert (dossier.received_at, dossier.due_at, dossier.finished_at) == (
            local(2023, 6, 12, 8, 30),
            local(2023, 6, 15, 17, 0),
            local(2023, 6, 14, 16, 0),
        )
        assert dossier.status == DossierStatus.RETURNED
        assert (dossier.components_total, dossier.components_digitized) == (1, 1)
        assert dossier.e_result is True
        assert (dossier.fee, dossier.paid_online) == (10_000, True)  # 8.000 + 2.000
        assert (dossier.supplement_requests, dossier.supplement_requested_at) == (0, None)
        assert dossier.supplement_completed_at is None
        assert dossier.late_reason == ""
        assert dossier.submitted_at is None  # the file has no submitted date: unknown

    def test_the_channel_codes_and_an_empty_channel_mean_in_person(self, catalogue, write_file):
        records = [
            record(MaHoSo="K1", KenhThucHien="1"),
            record(MaHoSo="K2", KenhThucHien="2"),
            record(MaHoSo="K3", KenhThucHien="3"),
            record(MaHoSo="K4", KenhThucHien=""),
        ]

        run_import("import_dossiers", write_file(records_csv(records)))

        assert dict(Dossier.objects.values_list("code", "channel")) == {
            "K1": Channel.IN_PERSON,
            "K2": Channel.ONLINE,
            "K3": Channel.POSTAL,
            "K4": Channel.IN_PERSON,
        }

    def test_digitization_flag_result_link_and_payment_codes(self, catalogue, write_file):
        records = [
            record(MaHoSo="F1", HoSoCoThanhPhanSoHoa="0", DuongDanTepTinKetQua=""),
            record(MaHoSo="F2", HoSoCoThanhPhanSoHoa="", DuocThanhToanTrucTuyen="2"),
            record(MaHoSo="F3", DuocThanhToanTrucTuyen="0"),
            record(MaHoSo="F4", DuocThanhToanTrucTuyen="", DanhSachLePhi=""),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
        facts = {
            d.code: (d.components_total, d.components_digitized, d.e_result, d.fee, d.paid_online)
            for d in Dossier.objects.all()
        }
        assert facts == {
            "F1": (1, 0, False, 10_000, True),
            "F2": (1, 0, True, 10_000, True),
            "F3": (1, 1, True, 10_000, False),
            "F4": (1, 1, True, 0, False),
        }

    def test_a_fee_list_printed_the_python_way_or_with_lower_case_keys_is_summed(
        self, catalogue, write_file
    ):
        records = [
            record(MaHoSo="L1", DanhSachLePhi="[{'Gia': 30000, 'TenPhiLePhi': 'Phí'}]"),
            record(MaHoSo="L2", DanhSachLePhi='[{"gia": 1000}, {"GIA": "2.500"}, {"Gia": null}]'),
            record(MaHoSo="L3", DanhSachLePhi='{"Gia": 7000}'),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 3, updated 0, unchanged 0, rejected 0"
        assert dict(Dossier.objects.values_list("code", "fee")) == {
            "L1": 30_000,
            "L2": 3_500,
            "L3": 7_000,
        }

    def test_a_fee_may_be_an_amount_instead_of_a_list(self, catalogue, write_file):
        plain = {k: v for k, v in RECORD.items() if k != "DanhSachLePhi"}
        records = [{**plain, "LePhi": "150.000"}, {**plain, "MaHoSo": "P2", "LePhi": "25000.0"}]

        run_import("import_dossiers", write_file(records_csv(records)))

        assert dict(Dossier.objects.values_list("code", "fee")) == {
            RECORD["MaHoSo"]: 150_000,
            "P2": 25_000,
        }

    def test_bare_yyyymmdd_dates_are_the_start_or_end_of_the_day_as_in_section_9(
        self, catalogue, write_file
    ):
        row = record(NgayTiepNhan="20230612", NgayHenTra="20230615", NgayKetThucXuLy="20230614")

        run_import("import_dossiers", write_file(records_csv([row])))

        dossier = stored()
        assert dossier.received_at == local(2023, 6, 12, 0, 0)
        assert dossier.due_at == local(2023, 6, 15, 23, 59, 59)
        assert dossier.finished_at == local(2023, 6, 14, 23, 59, 59)

    def test_the_section_9_date_forms_are_read_in_sync_fields_too(self, catalogue, write_file):
        row = record(NgayTiepNhan="12/06/2023 08:30", NgayHenTra="2023-06-15T17:00:00+07:00")

        run_import("import_dossiers", write_file(records_csv([row])))

        assert (stored().received_at, stored().due_at) == (
            local(2023, 6, 12, 8, 30),
            local(2023, 6, 15, 17, 0),
        )

    def test_field_names_match_in_any_case_as_json_keys_do(self, catalogue, write_file):
        lower = {key[0].lower() + key[1:]: value for key, value in RECORD.items()}

        outcome = run_import("import_dossiers", write_file(records_csv([lower])))

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        assert stored().procedure.code == "1.001193"

    def test_codes_written_as_numbers_with_a_decimal_point_read_as_the_integer(
        self, catalogue, write_file
    ):
        # What a JSON float or a spreadsheet number cell turns into: "2.0".
        row = record(
            KenhThucHien="3.0",
            TrangThaiHoSo="9.0",
            HoSoCoThanhPhanSoHoa="0.0",
            DuocThanhToanTrucTuyen="2.0",
            SoLanYeuCauBoSung="1.0",
            NgayYeuCauBoSung="20230613",
        )

        outcome = run_import("import_dossiers", write_file(records_csv([row])))

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 0"
        dossier = stored()
        assert (dossier.channel, dossier.status, dossier.components_digitized) == (
            Channel.POSTAL,
            DossierStatus.PROCESSED,
            0,
        )
        assert (dossier.paid_online, dossier.supplement_requests) == (True, 1)

    def test_the_agency_code_may_come_as_ma_co_quan(self, catalogue, write_file):
        row = {k: v for k, v in RECORD.items() if k != "MaDonVi"} | {"MaCoQuan": "STP"}

        run_import("import_dossiers", write_file(records_csv([row])))

        assert stored().agency.code == "STP"


class TestTheEndOfADossier:
    def test_the_return_date_ends_a_dossier_without_an_end_of_processing(
        self, catalogue, write_file
    ):
        records = [
            # ended (status 10) with only NgayTra
            record(MaHoSo="E1", NgayKetThucXuLy="", NgayTra="20230614170000"),
            # no status at all: a file without statuses reads as today
            record(MaHoSo="E2", TrangThaiHoSo="", NgayKetThucXuLy="", NgayTra="20230613"),
            # still being processed (4): a return date does not end it
            record(MaHoSo="E3", TrangThaiHoSo="4", NgayKetThucXuLy="", NgayTra="20230614"),
            # both: the end of processing wins
            record(MaHoSo="E4", NgayTra="20230615090000"),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
        assert dict(Dossier.objects.values_list("code", "finished_at")) == {
            "E1": local(2023, 6, 14, 17, 0),
            "E2": local(2023, 6, 13, 23, 59, 59),
            "E3": None,
            "E4": local(2023, 6, 14, 16, 0),
        }

    def test_statuses_come_by_code_or_by_name(self, catalogue, write_file):
        records = [
            record(MaHoSo="S1", TrangThaiHoSo="4", NgayKetThucXuLy=""),
            record(MaHoSo="S2", TrangThaiHoSo="Đã xử lý xong"),
            record(MaHoSo="S3", TrangThaiHoSo="DUNG XU LY"),
            record(MaHoSo="S4", TrangThaiHoSo="07"),
            record(MaHoSo="S5", TrangThaiHoSo=""),
            record(MaHoSo="S6", TrangThaiHoSo="Chờ bổ sung", NgayKetThucXuLy=""),
            record(MaHoSo="S7", TrangThaiHoSo="đã giải quyết"),
        ]

        run_import("import_dossiers", write_file(records_csv(records)))

        assert dict(Dossier.objects.values_list("code", "status")) == {
            "S1": DossierStatus.PROCESSING,
            "S2": DossierStatus.PROCESSED,
            "S3": DossierStatus.STOPPED,
            "S4": DossierStatus.WITHDRAWN,
            "S5": None,
            "S6": DossierStatus.SUPPLEMENT_REQUESTED,
            "S7": DossierStatus.PROCESSED,
        }

    def test_never_received_dossiers_are_stored_even_without_a_received_date(
        self, catalogue, write_file
    ):
        empty = {"NgayTiepNhan": "", "NgayHenTra": "", "NgayKetThucXuLy": ""}
        records = [
            record(MaHoSo="N1", TrangThaiHoSo="1", **empty),
            record(MaHoSo="N3", TrangThaiHoSo="Không được tiếp nhận", **empty),
            # any other status needs its dates
            record(MaHoSo="N4", TrangThaiHoSo="4", **empty),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 1"
        assert "Dòng 4, cột «NgayTiepNhan» [bị loại]: Thiếu ngày tiếp nhận" in outcome.stderr
        assert "Dòng 4, cột «NgayHenTra» [bị loại]: Thiếu ngày hẹn trả" in outcome.stderr
        assert dict(Dossier.objects.values_list("code", "status")) == {
            "N1": DossierStatus.REGISTERED,
            "N3": DossierStatus.NOT_ACCEPTED,
        }
        assert Dossier.objects.get(code="N1").received_at is None


class TestSupplementation:
    def test_count_last_request_and_completion_are_stored(self, catalogue, write_file):
        records = [
            record(
                MaHoSo="B1",
                SoLanYeuCauBoSung="2",
                NgayYeuCauBoSung="20230613100000",
                NgayHoanThanhBoSung="20230614080000",
            ),
            # still waiting for the applicant
            record(MaHoSo="B2", SoLanYeuCauBoSung="1", NgayYeuCauBoSung="20230613"),
            # a request date without a count is one request
            record(MaHoSo="B3", SoLanYeuCauBoSung="", NgayYeuCauBoSung="20230613"),
            record(MaHoSo="B4", SoLanYeuCauBoSung=""),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 4, updated 0, unchanged 0, rejected 0"
        facts = {
            d.code: (d.supplement_requests, d.supplement_requested_at, d.supplement_completed_at)
            for d in Dossier.objects.all()
        }
        assert facts == {
            "B1": (2, local(2023, 6, 13, 10, 0), local(2023, 6, 14, 8, 0)),
            "B2": (1, local(2023, 6, 13), None),
            "B3": (1, local(2023, 6, 13), None),
            "B4": (0, None, None),
        }

    def test_a_file_without_supplementation_fields_keeps_what_is_stored(
        self, catalogue, write_file
    ):
        run_import(
            "import_dossiers",
            write_file(records_csv([record(SoLanYeuCauBoSung="1", NgayYeuCauBoSung="20230613")])),
        )
        without = {k: v for k, v in RECORD.items() if "BoSung" not in k}

        outcome = run_import("import_dossiers", write_file(records_csv([without])))

        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 1, rejected 0"
        assert (stored().supplement_requests, stored().supplement_requested_at) == (
            1,
            local(2023, 6, 13),
        )


class TestApologiesInTheSyncRecord:
    def test_apology_fields_and_a_reason_without_an_apology(self, catalogue, write_file):
        late = {"NgayHenTra": "20230613170000", "NgayKetThucXuLy": "20230620100000"}
        records = [
            record(
                MaHoSo="A1",
                NgayXinLoi="20230614",
                NgayHenLai="20230621",
                LyDoQuaHan="Chờ xác minh",
                **late,
            ),
            record(MaHoSo="A2", LyDoQuaHan="Quá tải hồ sơ", **late),
        ]

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        apology = Apology.objects.get()
        assert (apology.dossier.code, apology.issued_at, apology.new_due_at, apology.reason) == (
            "A1",
            local(2023, 6, 14, 23, 59, 59),
            local(2023, 6, 21, 23, 59, 59),
            "Chờ xác minh",
        )
        assert stored("A2").late_reason == "Quá tải hồ sơ"


class TestMixedFilesAndSpreadsheets:
    def test_a_section_9_file_with_some_sync_fields(self, catalogue, write_file):
        text = dossier_csv(
            [{"code": "M1"}, {"code": "M2", "finished_at": ""}],
            keys=[
                "code",
                "agency_code",
                "procedure_code",
                "channel",
                "received_at",
                "due_at",
                "finished_at",
                "components_total",
                "components_digitized",
            ],
        )
        header, first, second = text.strip().split("\n")
        text = "\n".join(
            [
                header + ",TrangThaiHoSo,SoLanYeuCauBoSung,NgayYeuCauBoSung,NgayHoanThanhBoSung",
                first + ",10,0,,",
                second + ",5,1,20230613090000,",
            ]
        )

        outcome = run_import("import_dossiers", write_file(text + "\n"))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        m1, m2 = stored("M1"), stored("M2")
        assert (m1.status, m1.channel, m1.components_digitized) == (10, Channel.ONLINE, 2)
        assert (m2.status, m2.supplement_requests, m2.supplement_requested_at) == (
            DossierStatus.SUPPLEMENT_REQUESTED,
            1,
            local(2023, 6, 13, 9, 0),
        )
        # The file has no e-result, fee or payment column: unknown for these new dossiers.
        assert (m1.e_result, m1.fee, m1.paid_online) == (None, None, None)

    def test_the_same_records_as_xlsx_and_as_csv_store_the_same_dossiers(
        self, catalogue, tmp_path, write_file
    ):
        records = [
            record(MaHoSo="X1"),
            record(MaHoSo="X2", KenhThucHien="", NgayKetThucXuLy="", TrangThaiHoSo="4"),
        ]
        headers = list(RECORD)
        rows = [[r[h] for h in headers] for r in records]
        # Excel keeps long digit strings as numbers: the dates come as numeric cells here.
        rows[0][headers.index("NgayTiepNhan")] = 20230612083000
        rows[1][headers.index("KenhThucHien")] = None
        rows[0][headers.index("KenhThucHien")] = 2
        run_import("import_dossiers", write_xlsx(tmp_path / "dong_bo.xlsx", [headers, *rows]))
        before = {
            d.code: (d.channel, d.received_at, d.finished_at, d.status, d.fee, d.updated_at)
            for d in Dossier.objects.all()
        }

        outcome = run_import("import_dossiers", write_file(records_csv(records)))

        assert outcome.stdout.strip() == "created 0, updated 0, unchanged 2, rejected 0"
        after = {
            d.code: (d.channel, d.received_at, d.finished_at, d.status, d.fee, d.updated_at)
            for d in Dossier.objects.all()
        }
        assert after == before


SYNC_BAD_ROWS = [
    # (what is wrong, field overrides, column as in the file, part of the reason)
    ("an unknown status code", {"TrangThaiHoSo": "11"}, "TrangThaiHoSo", "mã 1 đến 10"),
    ("an unknown status name", {"TrangThaiHoSo": "Chờ ký"}, "TrangThaiHoSo", "không hợp lệ"),
    ("an unknown channel code", {"KenhThucHien": "4"}, "KenhThucHien", "1 (trực tiếp)"),
    (
        "an impossible yyyyMMddHHmmss",
        {"NgayTiepNhan": "20230231083000"},
        "NgayTiepNhan",
        "yyyyMMddHHmmss",
    ),
    (
        "a cut yyyyMMddHHmmss",
        {"NgayHenTra": "2023061517"},
        "NgayHenTra",
        "Ngày không hợp lệ",
    ),
    (
        "an hour 24 in yyyyMMddHHmmss",
        {"NgayKetThucXuLy": "20230614240000"},
        "NgayKetThucXuLy",
        "Ngày không hợp lệ",
    ),
    ("a digitized flag of 2", {"HoSoCoThanhPhanSoHoa": "2"}, "HoSoCoThanhPhanSoHoa", "dùng 1"),
    ("a payment code of 3", {"DuocThanhToanTrucTuyen": "3"}, "DuocThanhToanTrucTuyen", "dùng 1"),
    ("a fee list that is not JSON", {"DanhSachLePhi": "[{Gia:"}, "DanhSachLePhi", "JSON"),
    (
        "a fee list whose price is words",
        {"DanhSachLePhi": '[{"Gia": "năm mươi nghìn"}]'},
        "DanhSachLePhi",
        "JSON",
    ),
    (
        "a fee list of numbers, not fees",
        {"DanhSachLePhi": "[50000, 20000]"},
        "DanhSachLePhi",
        "JSON",
    ),
    ("a negative fee in the list", {"DanhSachLePhi": '[{"Gia": -5}]'}, "DanhSachLePhi", "âm"),
    (
        "paid online without a fee",
        {"DanhSachLePhi": "[]"},
        "DuocThanhToanTrucTuyen",
        "cần phí, lệ phí lớn hơn 0",
    ),
    ("a request count in words", {"SoLanYeuCauBoSung": "hai"}, "SoLanYeuCauBoSung", "số nguyên"),
    (
        "a completion before the request",
        {
            "SoLanYeuCauBoSung": "1",
            "NgayYeuCauBoSung": "20230613",
            "NgayHoanThanhBoSung": "20230612120000",
        },
        "NgayHoanThanhBoSung",
        "trước ngày yêu cầu bổ sung",
    ),
    (
        "a completion without a request",
        {"NgayHoanThanhBoSung": "20230613"},
        "NgayHoanThanhBoSung",
        "thiếu ngày yêu cầu bổ sung",
    ),
    (
        "a request dated before receipt",
        {"SoLanYeuCauBoSung": "1", "NgayYeuCauBoSung": "20230611"},
        "NgayYeuCauBoSung",
        "trước ngày tiếp nhận",
    ),
    (
        "a request date with a count of 0",
        {"NgayYeuCauBoSung": "20230613"},
        "SoLanYeuCauBoSung",
        "là 0",
    ),
    ("a malformed MaTTHC", {"MaTTHC": "1001193.H48"}, "MaTTHC", "D.DDDDDD"),
    ("an unknown MaDonVi", {"MaDonVi": "H48.99"}, "MaDonVi", "Không có đơn vị mang mã này"),
]


@pytest.mark.parametrize(
    ("overrides", "column", "reason"),
    [case[1:] for case in SYNC_BAD_ROWS],
    ids=[case[0] for case in SYNC_BAD_ROWS],
)
def test_a_bad_sync_record_is_rejected_with_its_row_field_and_reason_and_writes_nothing(
    catalogue, write_file, overrides, column, reason
):
    records = [record(MaHoSo="GOOD"), record(MaHoSo="BAD", **overrides)]

    outcome = run_import("import_dossiers", write_file(records_csv(records)))

    assert outcome.exit_code == 0
    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert f"Dòng 3, cột «{column}»" in outcome.stderr
    assert reason in outcome.stderr
    assert list(Dossier.objects.values_list("code", flat=True)) == ["GOOD"]
    error = ImportRowError.objects.get()
    assert (error.row_number, error.column, error.is_warning) == (3, column, False)
    assert reason in error.message


def test_under_atomic_a_bad_sync_record_refuses_the_file_and_writes_nothing(catalogue, write_file):
    records = [record(MaHoSo="GOOD"), record(MaHoSo="BAD", KenhThucHien="9")]

    outcome = run_import("import_dossiers", write_file(records_csv(records)), "--atomic")

    assert outcome.exit_code == 1
    assert "Dòng 3, cột «KenhThucHien»" in outcome.stderr
    assert not Dossier.objects.exists()


def test_paid_online_for_a_stored_dossier_without_a_fee_needs_the_fee_column(catalogue, write_file):
    # The dossier was stored with no fee; a later file says it was paid online but has no fee
    # column, so its fee stays 0: that row is rejected (a paid dossier needs a fee), the others
    # import, and a new dossier paid online with an unknown fee is kept as such.
    run_import("import_dossiers", write_file(dossier_csv([{"code": "OLD", "fee": "0"}])))
    no_fee = {k: v for k, v in RECORD.items() if k != "DanhSachLePhi"}
    records = [{**no_fee, "MaHoSo": "OLD"}, {**no_fee, "MaHoSo": "NEW"}]

    outcome = run_import("import_dossiers", write_file(records_csv(records)))

    assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
    assert "Dòng 2, cột «DuocThanhToanTrucTuyen» [bị loại]: Thanh toán trực tuyến" in (
        outcome.stderr
    )
    old, new = stored("OLD"), stored("NEW")
    assert (old.fee, old.paid_online, old.status) == (0, False, None)  # untouched
    assert (new.fee, new.paid_online) == (None, True)
