"""The JSON reader's fast path (orjson on runs of whole lines) gives exactly the cells the
standard library's one-by-one reading gives (json_records' rules), on files made to tell them
apart: floats and whole floats at every depth, whole numbers beyond 64 bits, escapes, keys spelt
two ways, records spread over lines among records one per line."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import polars as pl
import pytest

from dossiers.importing import json_records
from dossiers.importing.json_records import JsonRecords
from dossiers.importing.labels import ROW
from dossiers.importing.outcome import ImportRefused
from dossiers.importing.reading import open_source, with_headers


def _read(path: Path, *, batch_rows: int = 50_000) -> tuple[pl.DataFrame, list[str], dict]:
    records = JsonRecords(path, file_name=path.name, batch_rows=batch_rows)
    frames = list(records.batches())
    headers = list(records.headers)
    frame = pl.concat(
        [f.select([ROW, *(h for h in headers if h in f.columns)]) for f in frames],
        how="diagonal",
    )
    return frame.select([ROW, *headers]), headers, dict(records.nested)


def _one_per_line(records: list) -> str:
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n]\n"


TRICKY = [
    {"MaHoSo": "A-1", "Gia": 20000.0, "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "Gia": 20000.0}]},
    {"maHoSo": "A-2", "Gia": 1.5, "DanhSachLePhi": [{"Gia": 1.5}, {"Gia": 1e-7}, {"Gia": 2e20}]},
    {"MaHoSo": "A-3", "Gia": 2**70, "DanhSachLePhi": [{"Gia": 2**70 + 1}, None, []]},
    {"MaHoSo": "A-4", "Gia": -(2**63) - 1, "Lon": 2**64 - 1, "Am": -(2**63)},
    {"MaHoSo": 'A-5 \u2028 \x7f \x01 \t 😀 "q" \\', "DanhSachLePhi": {"k": ["\n", "é"]}},
    {"MA_HO_SO": "A-6", "Gia": 12345678901234567890123, "Co": True, "Khong": False},
    {"MaHoSo": "A-7", "DanhSachLePhi": [{"Gia": 5000, "Ten": "1.5e3 không phải số"}], "x": None},
    {"MaHoSo": "A-8", "Gia": -0.0, "DanhSachLePhi": [{"Gia": -0.0}, {"Gia": 100.0}]},
]


def _tricky_file(tmp_path: Path) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in TRICKY]
    lines.insert(4, json.dumps({"MaHoSo": "B-1", "DanhSachLePhi": [{"Gia": 7.0}]}, indent=2))
    escaped = json.dumps({"MaHoSo": "B-2", "Ma": "\u1ec7"}, ensure_ascii=True)  # "\\u1ec7"
    lines.insert(2, escaped)
    lines.append(json.dumps({"MaHoSo": "B-3", "Gia": float("nan")}))  # NaN: the slow path
    path = tmp_path / "kho.json"
    path.write_text("[\n" + ",\n".join(lines * 3) + "\n]\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("read_bytes", "batch_rows"), [(1 << 20, 50_000), (256, 4), (97, 1)])
def test_the_fast_path_gives_what_the_one_by_one_reading_gives(
    tmp_path, monkeypatch, read_bytes, batch_rows
):
    path = _tricky_file(tmp_path)
    monkeypatch.setattr(json_records, "_READ_BYTES", read_bytes)
    runs = []
    whole_lines = json_records._Text.whole_lines

    def counted(self):
        run = whole_lines(self)
        runs.append(run is not None)
        return run

    monkeypatch.setattr(json_records._Text, "whole_lines", counted)
    fast = _read(path, batch_rows=batch_rows)
    # In small windows some runs of lines are whole JSON (in one window, the odd lines spoil it)
    assert any(runs) == (read_bytes < 1024)
    monkeypatch.setattr(json_records._Text, "whole_lines", lambda self: None)
    slow = _read(path, batch_rows=batch_rows)

    assert fast[0].to_dicts() == slow[0].to_dicts()
    assert fast[1:] == slow[1:]


def test_the_cells_of_the_tricky_file(tmp_path):
    frame, headers, nested = _read(_tricky_file(tmp_path))
    code = "MaHoSo"  # maHoSo and MA_HO_SO too: one column, headed by the spelling met first
    rows = {row[code]: row for row in frame.head(len(TRICKY) + 3).to_dicts()}

    assert headers[:3] == ["MaHoSo", "Gia", "DanhSachLePhi"] and len(rows) == len(TRICKY) + 3
    assert nested == {"DanhSachLePhi": 1}
    assert rows["A-1"]["Gia"] == "20000"
    assert rows["A-1"]["DanhSachLePhi"] == '[{"TenPhiLePhi":"Lệ phí","Gia":20000}]'
    assert rows["A-2"]["Gia"] == "1.5"
    assert rows["A-2"]["DanhSachLePhi"] == (
        '[{"Gia":1.5},{"Gia":1e-07},{"Gia":200000000000000000000}]'
    )
    assert rows["A-3"]["Gia"] == str(2**70)
    assert rows["A-3"]["DanhSachLePhi"] == f'[{{"Gia":{2**70 + 1}}},null,[]]'
    assert rows["A-4"]["Gia"] == str(-(2**63) - 1)
    assert (rows["A-4"]["Lon"], rows["A-4"]["Am"]) == (str(2**64 - 1), str(-(2**63)))
    assert rows["A-6"]["Gia"] == "12345678901234567890123"
    assert (rows["A-6"]["Co"], rows["A-6"]["Khong"]) == ("true", "false")
    assert rows['A-5 \u2028 \x7f \x01 \t 😀 "q" \\']["DanhSachLePhi"] == '{"k":["\\n","é"]}'
    assert rows["A-8"]["Gia"] == "0"
    assert rows["A-8"]["DanhSachLePhi"] == '[{"Gia":0},{"Gia":100}]'
    assert rows["B-1"]["DanhSachLePhi"] == '[{"Gia":7}]'
    assert rows["B-2"]["Ma"] == "\u1ec7"
    assert frame.filter(pl.col(code) == "B-3")["Gia"].to_list() == ["nan"] * 3


def test_whole_floats_in_nested_values_read_by_orjson(tmp_path, monkeypatch):
    path = tmp_path / "le_phi.json"
    records = [{"MaHoSo": f"H-{n}", "DanhSachLePhi": [{"Gia": 20000.0 + n}]} for n in range(5)]
    path.write_text(_one_per_line(records), encoding="utf-8")
    monkeypatch.setattr(json_records, "_READ_BYTES", 100)  # windows that end before the "]"
    loads, original = [], orjson.loads
    monkeypatch.setattr(
        json_records.orjson,
        "loads",
        lambda data: loads.append(len(original(data))) or original(data),
    )

    frame, _, nested = _read(path)

    assert sum(loads) >= 2  # records read by orjson (the others, cut by a window, one by one)
    assert frame["DanhSachLePhi"].to_list() == [f'[{{"Gia":{20000 + n}}}]' for n in range(5)]
    assert nested == {"DanhSachLePhi": 1}


def test_a_whole_number_beyond_64_bits_is_read_again_digit_for_digit(tmp_path, monkeypatch):
    path = tmp_path / "lon.json"
    records = [{"MaHoSo": f"H-{n}", "So": n} for n in range(6)]
    records[3]["So"] = 98765432109876543210987
    records[4]["Ds"] = [{"Gia": -98765432109876543210987}]
    path.write_text(_one_per_line(records), encoding="utf-8")

    monkeypatch.setattr(json_records, "_READ_BYTES", 100)  # windows that end before the "]"
    again, exact = [], JsonRecords._exact
    monkeypatch.setattr(JsonRecords, "_exact", lambda *a: again.append(a[1:]) or exact(*a))

    frame, _, _ = _read(path, batch_rows=2)

    assert again  # orjson's runs holding the long numbers were read again

    assert frame["So"].to_list() == ["0", "1", "2", "98765432109876543210987", "4", "5"]
    assert frame["Ds"].to_list()[4] == '[{"Gia":-98765432109876543210987}]'
    assert frame[ROW].to_list() == [1, 2, 3, 4, 5, 6]


def _table(path: Path, *, batch_rows: int) -> tuple[pl.DataFrame, list[str], dict]:
    """The file as the importer opens it (`reading.open_source`), whole."""
    source = open_source(path, file_name=path.name, batch_rows=batch_rows)
    frames = list(source.batches)
    frame = pl.concat([with_headers(f, source.headers) for f in frames])
    return frame, list(source.headers), dict(source.nested)


def test_a_large_file_read_in_a_child_process_gives_the_same_table(tmp_path, monkeypatch):
    path = _tricky_file(tmp_path)
    here = _table(path, batch_rows=4)
    monkeypatch.setattr(json_records, "JSON_CHILD_BYTES", 0)  # every file read by a child
    monkeypatch.setattr(json_records, "CHILD_BATCH_ROWS", 3)  # frames joined into batches
    child = _table(path, batch_rows=4)

    assert child[0].to_dicts() == here[0].to_dicts()
    assert child[1:] == here[1:]
    sizes = [f.height for f in open_source(path, file_name=path.name, batch_rows=4).batches]
    assert sizes == [4] * 8 + [1]  # 33 records: the child's frames of 3 cut into batches of 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '[\n{"a": 1},\n{"a": 2},\n{"a": ',
            "Tệp kho.json bị cắt ngang: nội dung JSON kết thúc giữa chừng.",
        ),
        (
            '[\n{"a": 1},\n{"a": 2},\n7\n]',
            "Tệp kho.json: phần tử thứ 3 của mảng không phải một bản ghi (đối tượng JSON {…}).",
        ),
    ],
)
def test_a_child_refuses_a_file_with_the_same_sentence(tmp_path, monkeypatch, content, message):

    path = tmp_path / "kho.json"
    path.write_text(content, encoding="utf-8")
    monkeypatch.setattr(json_records, "JSON_CHILD_BYTES", 0)
    with pytest.raises(ImportRefused) as refused:
        _table(path, batch_rows=1)
    assert str(refused.value) == message
