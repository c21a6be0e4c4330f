"""The benchmark's data generator: deterministic files that follow the import contract."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import python_calamine

from bench.generate_dossiers import DOSSIER_HEADERS, generate


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _when(text: str) -> dt.datetime:
    for fmt in ("%d/%m/%Y %H:%M:%S", "%d/%m/%Y"):
        try:
            parsed = dt.datetime.strptime(text, fmt)
        except ValueError:
            continue
        # A date alone is the end of that day for due and finished dates.
        return parsed if fmt != "%d/%m/%Y" else parsed.replace(hour=23, minute=59, second=59)
    raise AssertionError(f"not a date: {text!r}")


def test_the_same_arguments_write_the_same_bytes(tmp_path):
    one = generate(out=tmp_path / "one", rows=300)
    two = generate(out=tmp_path / "two", rows=300)
    for kind in ("agencies", "procedures", "dossiers"):
        assert one[kind].read_bytes() == two[kind].read_bytes()


def test_it_writes_the_vietnamese_headers_of_the_import_format(tmp_path):
    paths = generate(out=tmp_path, rows=5)
    header = paths["dossiers"].read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("Mã hồ sơ,Mã đơn vị,Mã thủ tục,")
    assert '"Phí, lệ phí (đồng)"' in header


def test_fifteen_agencies_sit_under_the_province_and_communes_under_districts(tmp_path):
    agencies = _read(generate(out=tmp_path, rows=1)["agencies"])
    by_code = {a["Mã đơn vị"]: a for a in agencies}
    assert len(agencies) == 16
    assert by_code["QT"]["Cấp"] == "tinh"
    levels = [a["Cấp"] for a in agencies[1:]]
    assert (levels.count("so"), levels.count("huyen"), levels.count("xa")) == (7, 4, 4)
    for agency in agencies[1:]:
        parent = by_code[agency["Mã đơn vị cấp trên"]]
        expected = "huyen" if agency["Cấp"] == "xa" else "tinh"
        assert parent["Cấp"] == expected


def test_every_dossier_row_keeps_the_rules_the_importer_enforces(tmp_path):
    paths = generate(out=tmp_path, rows=2000)
    agencies = {a["Mã đơn vị"] for a in _read(paths["agencies"])}
    procedures = {p["Mã thủ tục"] for p in _read(paths["procedures"])}
    rows = _read(paths["dossiers"])
    assert len(rows) == 2000
    assert len({r["Mã hồ sơ"] for r in rows}) == 2000
    for r in rows:
        assert r["Mã đơn vị"] in agencies - {"QT"}
        assert r["Mã thủ tục"] in procedures
        assert r["Kênh nộp"] in {"truc_tuyen", "truc_tiep", "buu_chinh"}
        received = _when(r["Ngày tiếp nhận"])
        assert _when(r["Ngày hẹn trả"]) >= received
        if r["Ngày kết thúc xử lý"]:
            assert _when(r["Ngày kết thúc xử lý"]) >= received
        total, digitized = int(r["Số thành phần hồ sơ"]), int(r["Số thành phần đã số hóa"])
        assert total >= 1 and 0 <= digitized <= total
        if r["Thanh toán trực tuyến"] == "1":
            assert int(r["Phí, lệ phí (đồng)"]) > 0
        if r["Ngày hẹn lại"]:
            assert r["Ngày xin lỗi"] and r["Lý do quá hạn"]


def test_the_xlsx_file_holds_real_date_cells_and_numbers(tmp_path):
    path = generate(out=tmp_path, rows=10, file_format="xlsx", code_prefix="X")["dossiers"]
    assert path.name == "dossiers-X10.xlsx"
    sheet = python_calamine.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[0] == DOSSIER_HEADERS["vi"]
    assert len(rows) == 11
    first = rows[1]
    assert first[0].startswith("X")
    assert isinstance(first[6], dt.datetime)
    assert isinstance(first[7], dt.date)
    assert isinstance(first[9], float) and first[9] >= 1


def test_the_hidden_profile_writes_an_independent_export_shape(tmp_path):
    paths = generate(out=tmp_path, rows=3000, profile="hidden")
    agencies = _read(paths["agencies"])
    rows = _read(paths["dossiers"])
    assert len(agencies) == 18  # the province and 17 agencies
    assert paths["dossiers"].name == "dossiers-hidden-3000.csv"
    received = [row["Ngày tiếp nhận"] for row in rows]
    # Three forms in turn: dd/mm/yyyy HH:MM, yyyy-mm-dd HH:MM:SS, dd/mm/yyyy HH:MM:SS.
    assert len(received[0]) == 16 and received[0][2] == "/"
    assert received[1][4] == "-" and len(received[1]) == 19
    assert received[2][2] == "/" and len(received[2]) == 19
    still_open = sum(1 for row in rows if not row["Ngày kết thúc xử lý"]) / len(rows)
    assert 0.04 < still_open < 0.08  # about 6%, open for years by now
    assert any(row["Ngày xin lỗi"] for row in rows)


def test_the_hidden_profile_as_json_holds_the_same_dossiers(tmp_path):
    import json

    csv_rows = _read(generate(out=tmp_path, rows=200, profile="hidden")["dossiers"])
    json_path = generate(out=tmp_path, rows=200, profile="hidden", file_format="json")["dossiers"]
    records = json.loads(json_path.read_text(encoding="utf-8"))
    assert [r["MaHoSo"] for r in records] == [row["Mã hồ sơ"] for row in csv_rows]
    for record, row in zip(records, csv_rows, strict=True):
        assert record["MaCoQuan"] == row["Mã đơn vị"]
        assert record["MaTTHC"] == row["Mã thủ tục"] + ".000.00.00.H48"
        assert ("NgayKetThucXuLy" in record) == bool(row["Ngày kết thúc xử lý"])
        assert sum(fee["Gia"] for fee in record["DanhSachLePhi"]) == int(row["Phí, lệ phí (đồng)"])
