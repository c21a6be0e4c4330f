"""Importing records from JSON (domain.md section 11): the same rows as CSV, streamed; bad JSON is
refused as a whole, naming what is wrong, and writes nothing."""

from __future__ import annotations

import json
import zoneinfo
from datetime import datetime

import pytest

from dossiers.importing.labels import ROW
from dossiers.models import Dossier, ImportBatch, ImportStatus
from tests.dossiers.conftest import GOOD_ROW, dossier_csv, run_import

pytestmark = pytest.mark.django_db

LOCAL = zoneinfo.ZoneInfo("Asia/Ho_Chi_Minh")
ALIASES = {
    "code": "ma_ho_so",
    "agency_code": "ma_don_vi",
    "procedure_code": "ma_thu_tuc",
    "channel": "kenh_nop",
    "received_at": "ngay_tiep_nhan",
    "due_at": "ngay_hen_tra",
    "finished_at": "ngay_ket_thuc",
    "components_total": "so_thanh_phan",
    "components_digitized": "so_thanh_phan_so_hoa",
    "e_result": "ket_qua_dien_tu",
    "fee": "phi_le_phi",
    "paid_online": "thanh_toan_truc_tuyen",
}


def record(**cells) -> dict:
    """GOOD_ROW as a JSON record under the ASCII aliases, numbers as JSON numbers."""
    values = {**GOOD_ROW, **cells}
    out = {ALIASES[key]: value for key, value in values.items() if key in ALIASES}
    for key in ("components_total", "components_digitized", "fee"):
        if isinstance(out[ALIASES[key]], str) and out[ALIASES[key]].isdigit():
            out[ALIASES[key]] = int(out[ALIASES[key]])
    return out


def stored() -> list[tuple]:
    return list(
        Dossier.objects.order_by("code").values_list(
            "code",
            "agency__code",
            "procedure__code",
            "channel",
            "received_at",
            "due_at",
            "finished_at",
            "components_total",
            "components_digitized",
            "e_result",
            "fee",
            "paid_online",
        )
    )


class TestGoodFiles:
    def test_an_array_of_records_imports_like_the_same_rows_as_csv(self, catalogue, write_file):
        rows = [
            {"code": "H-1"},
            {"code": "H-2", "finished_at": "", "fee": "50000", "paid_online": "Có"},
        ]
        records = [record(**row) for row in rows]
        records[1]["ngay_ket_thuc"] = None  # null is an empty cell

        outcome = run_import("import_dossiers", write_file(json.dumps(records), "ho_so.json"))
        from_json = stored()
        Dossier.objects.all().delete()
        run_import("import_dossiers", write_file(dossier_csv(rows), "ho_so.csv"))

        assert outcome.exit_code == 0
        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        assert from_json == stored()
        assert from_json[1][6] is None and from_json[1][10] == 50000
        assert from_json[0][4] == datetime(2023, 6, 12, 8, 30, tzinfo=LOCAL)

    def test_an_object_whose_data_holds_the_records_and_keys_spelt_any_way(
        self, catalogue, write_file
    ):
        first = record(code="H-1")
        second = {key.upper(): value for key, value in record(code="H-2").items()}
        second["Mã hồ sơ"] = second.pop("MA_HO_SO")  # a Vietnamese header as the key
        document = {"Total": 2, "DATA": [first, second], "message": "ok"}

        outcome = run_import("import_dossiers", write_file(json.dumps(document), "dong_bo.json"))

        assert outcome.stdout.strip() == "created 2, updated 0, unchanged 0, rejected 0"
        assert [row[0] for row in stored()] == ["H-1", "H-2"]

    def test_a_bad_record_is_rejected_with_its_number_field_and_reason(self, catalogue, write_file):
        records = [record(code="H-1"), record(code="H-2", fee="-5")]

        outcome = run_import("import_dossiers", write_file(json.dumps(records), "ho_so.json"))

        assert outcome.stdout.strip() == "created 1, updated 0, unchanged 0, rejected 1"
        # Record 2 (records count from 1: a JSON file has no header row), field as written.
        assert "Dòng 2, cột «phi_le_phi» (giá trị «-5») [bị loại]" in outcome.stderr

    def test_a_list_where_the_layout_has_one_reaches_the_rules_as_json_text(self, tmp_path):
        from dossiers.importing.reading import read_table

        path = tmp_path / "le_phi.json"
        path.write_text(
            json.dumps([{"MaHoSo": "A", "DanhSachLePhi": [{"Gia": 20000}, {"Gia": 5000.0}]}]),
            encoding="utf-8",
        )
        table = read_table(path, file_name="le_phi.json")
        assert table.frame.row(0, named=True) == {
            ROW: 1,
            "MaHoSo": "A",
            "DanhSachLePhi": '[{"Gia":20000},{"Gia":5000}]',
        }
        assert table.nested == {"DanhSachLePhi": 1}


class TestRefusedFiles:
    """Each refused as a whole: exit 1, one sentence, no dossier written."""

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ('{"ma_ho_so": "H-1"}', "cần một mảng các bản ghi"),
            ('{"data": {"ma_ho_so": "H-1"}}', "cần một mảng các bản ghi"),
            ('"H-1"', "cần một mảng các bản ghi"),
            ("[1, 2]", "phần tử thứ 1 của mảng không phải một bản ghi"),
            ("[{}, [1]]", "phần tử thứ 2 của mảng không phải một bản ghi"),
            ("[{,}]", "không phải JSON hợp lệ"),
            ("[{} {}]", "không phải JSON hợp lệ"),
            ("[{}] []", "có nội dung thừa sau mảng bản ghi"),
            ("", "trống"),
        ],
    )
    def test_json_that_is_not_a_list_of_records(self, catalogue, write_file, content, message):
        outcome = run_import("import_dossiers", write_file(content, "ho_so.json"))
        assert outcome.exit_code == 1
        assert message in outcome.error and outcome.error.startswith("Tệp ho_so.json")
        assert not Dossier.objects.exists()

    def test_a_file_cut_off_mid_way(self, catalogue, write_file):
        whole = json.dumps([record(code=f"H-{n}") for n in range(1, 4)])
        outcome = run_import("import_dossiers", write_file(whole[: len(whole) - 40], "cut.json"))
        assert outcome.exit_code == 1
        assert outcome.error == "Tệp cut.json bị cắt ngang: nội dung JSON kết thúc giữa chừng."
        assert not Dossier.objects.exists()

    def test_a_field_of_the_wrong_type(self, catalogue, write_file):
        records = [record(code="H-1"), {**record(code="H-2"), "ma_don_vi": {"code": "HL-TT"}}]
        outcome = run_import("import_dossiers", write_file(json.dumps(records), "ho_so.json"))
        assert outcome.exit_code == 1
        assert outcome.error == (
            "Tệp ho_so.json: trường «ma_don_vi» của bản ghi thứ 2 là một danh sách hoặc đối "
            "tượng JSON, nhưng trường này phải là chuỗi, số hoặc true/false."
        )
        assert not Dossier.objects.exists()

    def test_a_100_mb_single_line_string_is_refused_without_being_held(self, catalogue, tmp_path):
        path = tmp_path / "lon.json"
        with path.open("w", encoding="utf-8") as handle:
            handle.write('[{"ma_ho_so": "')
            for _ in range(100):
                handle.write("x" * 1_000_000)
            handle.write('"}]')

        outcome = run_import("import_dossiers", path)

        assert outcome.exit_code == 1
        assert outcome.error == (
            "Tệp lon.json có một giá trị dài hơn 1.048.576 byte (giới hạn cho một trường); hãy "
            "kiểm tra lại tệp."
        )
        assert not Dossier.objects.exists()
        assert ImportBatch.objects.get().status == ImportStatus.REFUSED

    def test_a_file_that_is_not_utf8(self, catalogue, write_file):
        content = json.dumps([record(code="H-1", channel="Bưu chính")], ensure_ascii=False)
        outcome = run_import("import_dossiers", write_file(content.encode("cp1258"), "ho_so.json"))
        assert outcome.exit_code == 1
        assert "không được mã hóa UTF-8" in outcome.error


def test_the_web_form_takes_a_json_file(catalogue, client, django_capture_on_commit_callbacks):
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agencies.models import Membership, Role

    officer = User.objects.create_user("office")
    Membership.objects.create(user=officer, role=Role.PROVINCE_OFFICE, agency=catalogue["QT"])
    client.force_login(officer)
    content = json.dumps([record(code="H-1")]).encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/imports/",
            {"kind": "dossiers", "sheet": "", "file": SimpleUploadedFile("ho_so.json", content)},
        )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created) == (ImportStatus.VALIDATED, 1)
