"""A small independent province, generated deterministically, written as the real exports.

The records (plain dicts, see oracle.py) are written as three dossier files the way one-stop
systems produce them (domain.md section 11), plus the agency and procedure files (section 9):
- a sync JSON (`{"data": [...]}`): agencies by code, keys in camelCase for some records,
  NgayTra as the only end of some returned dossiers, `yyyyMMddHHmmss` dates (`yyyyMMdd` for a
  due date without time), numbers as numbers, `DanhSachLePhi` lists, statuses, supplementation;
- a sync CSV (semicolons, BOM): agencies by NAME as people type them (lower case, no
  diacritics, "Ủy ban nhân dân" for "UBND", extra spaces), procedure codes with a local
  suffix, overdue reasons without an apology date, and rows naming two agencies that do not
  exist (to be rejected);
- a list-export XLSX: agency, procedure and status by name, "Ngày nhận", and no column for the
  channel, digitization, e-result or fee: those facts are unknown (None) for its dossiers.

`build()` returns the records the oracle computes from (the rejected rows left out) and the
expected import counts.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

SEED = 20230630

PROVINCE = "HS"
AGENCIES = [
    # code, name, level, parent
    ("HS", "UBND tỉnh Hòa Sơn", "tinh", None),
    ("HS-STP", "Sở Tư pháp", "so", "HS"),
    ("HS-STNMT", "Sở Tài nguyên và Môi trường", "so", "HS"),
    ("HS-SXD", "Sở Xây dựng", "so", "HS"),
    ("HS-DL", "UBND huyện Đông Lâm", "huyen", "HS"),
    ("HS-DL-DH", "UBND xã Đức Hòa", "xa", "HS-DL"),
    ("HS-DL-PL", "UBND xã Phú Lộc", "xa", "HS-DL"),
    ("HS-TG", "UBND thành phố Tây Giang", "huyen", "HS"),
    ("HS-TG-AD", "UBND phường An Đông", "xa", "HS-TG"),
    ("HS-TG-BM", "UBND thị trấn Bình Minh", "xa", "HS-TG"),
    ("HS-TG-BMP", "UBND phường Bình Minh", "xa", "HS-TG"),
]
# Validity (first day, last day) and mergers: the town Bình Minh became a ward on 1/1/2024.
VALIDITY = {
    "HS-TG-BM": (None, dt.date(2023, 12, 31)),
    "HS-TG-BMP": (dt.date(2024, 1, 1), None),
}
MERGED_FROM = {"HS-TG-BMP": ["HS-TG-BM"]}
PROCEDURES = [
    # code, name, domain, paper_result
    ("1.001193", "Đăng ký khai sinh", "Hộ tịch", True),
    ("1.000894", "Đăng ký kết hôn", "Hộ tịch", True),
    ("2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", False),
    ("1.004222", "Đăng ký biến động đất đai", "Đất đai", True),
    ("1.003003", "Cấp giấy chứng nhận quyền sử dụng đất lần đầu", "Đất đai", True),
    ("1.009972", "Cấp giấy phép xây dựng", "Hoạt động xây dựng", True),
    ("2.001035", "Cấp phiếu lý lịch tư pháp", "Lý lịch tư pháp", False),
]
HANDLES = {
    "HS-STP": ["2.001035", "2.000815"],
    "HS-STNMT": ["1.004222", "1.003003"],
    "HS-SXD": ["1.009972"],
    "huyen": ["1.004222", "1.003003", "1.009972", "1.000894"],
    "xa": ["1.001193", "1.000894", "2.000815", "1.004222"],
}
# Names as people type them in the CSV (every one must resolve to exactly one agency).
TYPED_NAMES = {
    "HS-STP": ["  sở   tư pháp ", "so tu phap", "Sở Tư pháp"],
    "HS-STNMT": ["SO TAI NGUYEN VA MOI TRUONG", "Sở Tài nguyên  và Môi trường"],
    "HS-SXD": ["so xay dung", "Sở Xây Dựng"],
    "HS-DL": ["Ủy ban nhân dân huyện Đông Lâm", "ubnd huyen dong lam", "UBND  huyện Đông Lâm "],
    "HS-DL-DH": ["uy ban nhan dan xa duc hoa", "UBND xã Đức Hòa"],
    "HS-DL-PL": ["Ủy ban nhân dân xã Phú Lộc", "ubnd xa phu loc"],
    "HS-TG": ["UBND THÀNH PHỐ TÂY GIANG", "ubnd thanh pho tay giang"],
    "HS-TG-AD": ["uy ban nhan dan phuong an dong", "UBND phường  An Đông"],
    "HS-TG-BM": ["Ủy ban nhân dân thị trấn Bình Minh", "ubnd thi tran binh minh"],
    "HS-TG-BMP": ["uy ban nhan dan phuong binh minh", "UBND Phường Bình Minh"],
}
UNKNOWN_NAMES = ["UBND xã Hòa Bình", "sở du lịch"]
STATUS_NAMES = {
    1: "Mới đăng ký",
    2: "Được tiếp nhận",
    3: "Không được tiếp nhận",
    4: "Đang xử lý",
    5: "Yêu cầu bổ sung giấy tờ",
    6: "Yêu cầu thực hiện nghĩa vụ tài chính",
    7: "Công dân yêu cầu rút hồ sơ",
    8: "Dừng xử lý",
    9: "Đã xử lý xong",
    10: "Đã trả kết quả",
}
CHANNEL_SYNC = {"truc_tiep": 1, "truc_tuyen": 2, "buu_chinh": 3}

START = dt.datetime(2022, 10, 1)
END = dt.datetime(2024, 12, 31, 23, 59, 59)
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
    "Ngày kết thúc xử lý",
    "Lĩnh vực",
]
CSV_FIELDS = [
    "MaHoSo",
    "DonViXuLy",
    "MaTTHC",
    "KenhThucHien",
    "NgayTiepNhan",
    "NgayHenTra",
    "NgayKetThucXuLy",
    "TrangThaiHoSo",
    "HoSoCoThanhPhanSoHoa",
    "DuongDanTepTinKetQua",
    "LePhi",
    "DuocThanhToanTrucTuyen",
    "SoLanYeuCauBoSung",
    "NgayYeuCauBoSung",
    "NgayHoanThanhBoSung",
    "NgayXinLoi",
    "LyDoQuaHan",
]


@dataclass
class DataSet:
    agencies: list[dict]
    procedures: dict[str, dict]
    dossiers: list[dict]  # what the portal must hold: the oracle's input
    json_records: list[dict] = field(default_factory=list)
    csv_rows: list[dict] = field(default_factory=list)
    xlsx_rows: list[list] = field(default_factory=list)
    # file → created, updated, rejected
    expected: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def _valid_on(day: dt.datetime) -> list[str]:
    """The agencies (not the province) that exist on that day."""
    out = []
    for code, _name, level, _parent in AGENCIES:
        first, last = VALIDITY.get(code, (None, None))
        started = first is None or first <= day.date()
        if level != "tinh" and started and (last is None or day.date() <= last):
            out.append(code)
    return out


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime) -> dt.datetime:
    seconds = int((end - start).total_seconds())
    return start + dt.timedelta(seconds=rng.randint(0, seconds))


def _office_time(rng: random.Random, day: dt.datetime) -> dt.datetime:
    return dt.datetime.combine(day.date(), dt.time(rng.randint(7, 16), rng.randint(0, 59)))


def _base_dossier(rng: random.Random, code: str, agency: str, received: dt.datetime) -> dict:
    level = next(a[2] for a in AGENCIES if a[0] == agency)
    procedure = rng.choice(HANDLES.get(agency) or HANDLES[level])
    due_day = received + dt.timedelta(days=rng.randint(1, 25))
    if rng.random() < 0.6:  # a date without time: 23:59:59 of that day
        due = dt.datetime.combine(due_day.date(), dt.time(23, 59, 59))
        due_date_only = True
    else:
        due = dt.datetime.combine(due_day.date(), dt.time(17, 0))
        due_date_only = False
    return {
        "code": code,
        "agency": agency,
        "procedure": procedure,
        "status": 4,
        "channel": rng.choices(["truc_tuyen", "truc_tiep", "buu_chinh"], [4, 5, 1])[0],
        "received_at": received,
        "due_at": due,
        "due_date_only": due_date_only,
        "finished_at": None,
        "components_total": 1,
        "components_digitized": int(rng.random() < 0.7),
        "e_result": False,
        "fee": 0,
        "fee_items": [],
        "paid_online": False,
        "apology_at": None,
        "late_reason": "",
        "supplement_requests": 0,
        "supplement_requested_at": None,
        "supplement_completed_at": None,
    }


def _finish(rng: random.Random, d: dict, finished: dt.datetime | None) -> None:
    d["finished_at"] = finished
    if finished is None:
        d["status"] = rng.choice([2, 4, 4, 6])
    else:
        d["status"] = rng.choices([10, 9, 7, 8], [60, 25, 8, 7])[0]
        d["e_result"] = d["status"] in (9, 10) and rng.random() < 0.55


def _fees(rng: random.Random, d: dict) -> None:
    if rng.random() < 0.5:
        d["fee_items"] = rng.choice([[50000], [20000, 30000], [100000, 0], [15000]])
        d["fee"] = sum(d["fee_items"])
        d["paid_online"] = rng.random() < 0.35


def _late_moment(d: dict, e: dt.datetime) -> bool:
    end = d["finished_at"] or e
    return end > d["due_at"]


def _random_dossier(rng: random.Random, number: int) -> dict:
    received = _office_time(rng, _moment(rng, START, END))
    agency = rng.choice(_valid_on(received))
    d = _base_dossier(rng, f"HS-{number:05d}", agency, received)
    roll = rng.random()
    if roll < 0.04:  # never received
        d["status"] = rng.choice([1, 3])
        if rng.random() < 0.5:
            d["received_at"] = None
            d["due_at"] = None
        return d
    open_for_years = roll < 0.07
    if open_for_years or (received > dt.datetime(2024, 11, 15) and rng.random() < 0.5):
        _finish(rng, d, None)
    else:
        finished = received + dt.timedelta(
            days=rng.choices([rng.randint(0, 20), rng.randint(20, 60)], [8, 2])[0],
            seconds=rng.randint(0, 86399),
        )
        _finish(rng, d, finished)
    _fees(rng, d)
    if rng.random() < 0.12:  # supplementation
        upper = d["finished_at"] or dt.datetime(2025, 1, 31)
        requested = _moment(rng, received, min(upper, received + dt.timedelta(days=20)))
        d["supplement_requested_at"] = requested
        d["supplement_requests"] = rng.choices([1, 2, 3], [6, 3, 1])[0]
        if d["finished_at"] is None and rng.random() < 0.5:
            d["status"] = 5  # still waiting for the applicant
        else:
            completed = requested + dt.timedelta(days=rng.randint(0, 15), hours=rng.randint(0, 8))
            d["supplement_completed_at"] = completed
            if d["finished_at"] is not None and d["finished_at"] < completed:
                d["finished_at"] = completed + dt.timedelta(days=rng.randint(0, 5), hours=1)
    if _late_moment(d, dt.datetime(2025, 1, 31)) and rng.random() < 0.5:
        apology = d["due_at"] + dt.timedelta(days=rng.randint(-3, 12), hours=rng.randint(-5, 5))
        d["apology_at"] = max(apology, received + dt.timedelta(hours=1)).replace(microsecond=0)
    return d


def _boundary_dossiers(rng: random.Random) -> list[dict]:
    """Dossiers on the edges of the tested periods (midnight, 23:59:59, the 14th/15th)."""
    t = dt.datetime
    cases = [
        # received, due (date-only when a date), finished
        (t(2022, 12, 31, 23, 59, 59), dt.date(2023, 1, 5), t(2023, 1, 4, 10)),
        (t(2023, 1, 1, 0, 0, 0), dt.date(2023, 1, 5), t(2023, 1, 5, 23, 59, 59)),
        (t(2023, 6, 20, 8), dt.date(2023, 6, 30), t(2023, 6, 30, 23, 59, 59)),
        (t(2023, 6, 20, 8), dt.date(2023, 6, 30), t(2023, 7, 1, 0, 0, 0)),
        (t(2023, 6, 20, 9), dt.date(2023, 6, 30), None),
        (t(2023, 6, 25, 9), dt.date(2023, 7, 1), None),
        (t(2023, 6, 30, 23, 59, 59), dt.date(2023, 7, 3), t(2023, 7, 2, 8)),
        (t(2023, 7, 1, 0, 0, 0), dt.date(2023, 7, 3), t(2023, 7, 3, 23, 59, 59)),
        (t(2023, 6, 1, 8), dt.date(2023, 6, 14), t(2023, 6, 14, 23, 59, 59)),
        (t(2023, 6, 1, 8), dt.date(2023, 6, 14), t(2023, 6, 15, 0, 0, 0)),
        (t(2023, 6, 14, 23, 59, 59), dt.date(2023, 6, 20), t(2023, 6, 15, 0, 0, 0)),
        (t(2023, 9, 10, 8), dt.date(2023, 9, 14), None),
        (t(2023, 9, 30, 16), dt.date(2023, 10, 2), t(2023, 9, 30, 23, 59, 59)),
        (t(2024, 2, 29, 10), dt.date(2024, 3, 14), t(2024, 3, 15, 0, 0, 0)),
        (t(2024, 3, 14, 23, 59, 59), dt.date(2024, 3, 31), t(2024, 3, 31, 23, 59, 59)),
        (t(2024, 3, 31, 23, 59, 59), dt.date(2024, 4, 1), None),
        (t(2023, 12, 14, 12), dt.date(2023, 12, 14), t(2023, 12, 15, 0, 0, 0)),
        (t(2021, 5, 4, 9), dt.date(2021, 5, 20), None),  # open for years, from before the data
    ]
    out = []
    for i, (received, due, finished) in enumerate(cases):
        agencies = _valid_on(received)
        d = _base_dossier(rng, f"HS-B{i:03d}", agencies[i % len(agencies)], received)
        d["due_at"] = dt.datetime.combine(due, dt.time(23, 59, 59))
        d["due_date_only"] = True
        _finish(rng, d, finished)
        if d["status"] in (7, 8):
            d["status"] = 10
        _fees(rng, d)
        out.append(d)
    # Apologies exactly at a period's end and one second after.
    out[4]["apology_at"] = t(2023, 6, 30, 23, 59, 59)
    out[5]["apology_at"] = t(2023, 7, 1, 0, 0, 0)
    out[11]["apology_at"] = t(2023, 9, 14, 23, 59, 59)
    out[13]["apology_at"] = t(2024, 3, 15, 0, 0, 0)
    # Supplementation across period ends: waiting since before S, waiting since inside P with
    # two requests, completed exactly at E, and a pause that makes a late finish on time.
    e = t(2023, 6, 30, 23, 59, 59)
    specials = [
        # received, due, finished, (requested, completed, count)
        (t(2023, 5, 2, 8), dt.date(2023, 5, 20), None, (t(2023, 5, 10, 9), None, 1)),
        (t(2023, 8, 2, 8), dt.date(2023, 8, 20), None, (t(2023, 8, 10, 9), None, 2)),
        (t(2023, 8, 2, 8), dt.date(2023, 8, 20), None, (t(2023, 8, 10, 9), None, 1)),
        (t(2023, 6, 2, 8), dt.date(2023, 6, 12), None, (t(2023, 6, 5, 9), e, 1)),
        (t(2023, 6, 2, 8), dt.date(2023, 6, 12), t(2023, 6, 20, 9), (t(2023, 6, 5, 9), t(2023, 6, 14, 9), 1)),  # noqa: E501
        (t(2023, 3, 2, 8), dt.date(2023, 3, 12), t(2023, 7, 20, 9), (t(2023, 3, 5, 9), t(2023, 7, 14, 9), 2)),  # noqa: E501
        (t(2024, 2, 20, 8), dt.date(2024, 3, 5), None, (t(2024, 3, 1, 9), t(2024, 3, 20, 9), 1)),
    ]  # fmt: skip
    for j, (received, due, finished, (requested, completed, count)) in enumerate(specials):
        agencies = _valid_on(received)
        d = _base_dossier(rng, f"HS-S{j:03d}", agencies[(j * 3) % len(agencies)], received)
        d["due_at"] = dt.datetime.combine(due, dt.time(23, 59, 59))
        d["due_date_only"] = True
        _finish(rng, d, finished)
        if d["status"] in (7, 8):
            d["status"] = 9
        d["supplement_requested_at"] = requested
        d["supplement_completed_at"] = completed
        d["supplement_requests"] = count
        if finished is None and completed is None:
            d["status"] = 5
        out.append(d)
    return out


def _sync_date(value: dt.datetime | None, date_only: bool = False) -> str:
    if value is None:
        return ""
    return value.strftime("%Y%m%d") if date_only else value.strftime("%Y%m%d%H%M%S")


def _csv_date(value: dt.datetime | None, date_only: bool = False) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y") if date_only else value.strftime("%d/%m/%Y %H:%M:%S")


def _json_record(rng: random.Random, d: dict) -> dict:
    record: dict = {
        "MaHoSo": d["code"],
        "MaDonVi": d["agency"],
        "MaTTHC": d["procedure"] + (".000.00.00.H99" if rng.random() < 0.5 else ""),
        "KenhThucHien": CHANNEL_SYNC[d["channel"]],
        "TrangThaiHoSo": d["status"],
        "HoSoCoThanhPhanSoHoa": d["components_digitized"],
        "DuongDanTepTinKetQua": f"https://dvc.example.vn/kq/{d['code']}" if d["e_result"] else "",
        "DanhSachLePhi": [{"Gia": g, "TenPhiLePhi": "Lệ phí"} for g in d["fee_items"]],
        "DuocThanhToanTrucTuyen": rng.choice([1, 2]) if d["paid_online"] else 0,
        "SoLanYeuCauBoSung": d["supplement_requests"],
    }
    if d["received_at"] is not None:
        record["NgayTiepNhan"] = _sync_date(d["received_at"])
        record["NgayHenTra"] = _sync_date(d["due_at"], d["due_date_only"])
    if d["finished_at"] is not None:
        record["NgayKetThucXuLy"] = _sync_date(d["finished_at"])
    if d["supplement_requested_at"] is not None:
        record["NgayYeuCauBoSung"] = _sync_date(d["supplement_requested_at"])
    if d["supplement_completed_at"] is not None:
        record["NgayHoanThanhBoSung"] = _sync_date(d["supplement_completed_at"])
    if d["apology_at"] is not None:
        record["NgayXinLoi"] = _sync_date(d["apology_at"])
        record["LyDoQuaHan"] = "Hồ sơ phải xác minh thêm"
    # The spellings one-stop systems use: the end as NgayTra (the result handed back) when the
    # dossier has ended with a result, the channel as a string, and keys in camelCase at every
    # depth. (Not MaCoQuan for some records and MaDonVi for others: the import refuses such a
    # file as one with the agency column twice.)
    if d["status"] in (9, 10) and rng.random() < 0.15:
        record["NgayTra"] = record.pop("NgayKetThucXuLy")
    if rng.random() < 0.2:
        record["KenhThucHien"] = str(record["KenhThucHien"])
    if rng.random() < 0.25:
        record = _camel(record)
    return record


def _camel(value):
    if isinstance(value, dict):
        return {key[0].lower() + key[1:]: _camel(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_camel(v) for v in value]
    return value


def _csv_row(rng: random.Random, d: dict, name: str) -> dict:
    row = {
        "MaHoSo": d["code"],
        "DonViXuLy": name,
        "MaTTHC": d["procedure"] + (".000.00.00.H99" if rng.random() < 0.3 else ""),
        "KenhThucHien": ""
        if d["channel"] == "truc_tiep" and rng.random() < 0.5
        else str(CHANNEL_SYNC[d["channel"]]),
        "NgayTiepNhan": _csv_date(d["received_at"]),
        "NgayHenTra": _csv_date(d["due_at"], d["due_date_only"]),
        "NgayKetThucXuLy": _csv_date(d["finished_at"]),
        "TrangThaiHoSo": str(d["status"]) if rng.random() < 0.7 else STATUS_NAMES[d["status"]],
        "HoSoCoThanhPhanSoHoa": str(d["components_digitized"]),
        "DuongDanTepTinKetQua": f"https://dvc.example.vn/kq/{d['code']}" if d["e_result"] else "",
        "LePhi": str(d["fee"]) if d["fee"] else ("" if rng.random() < 0.5 else "0"),
        "DuocThanhToanTrucTuyen": "1" if d["paid_online"] else "",
        "SoLanYeuCauBoSung": str(d["supplement_requests"]) if d["supplement_requests"] else "",
        "NgayYeuCauBoSung": _csv_date(d["supplement_requested_at"]),
        "NgayHoanThanhBoSung": _csv_date(d["supplement_completed_at"]),
        "NgayXinLoi": "",
        "LyDoQuaHan": "",
    }
    if d["apology_at"] is not None:
        row["NgayXinLoi"] = _csv_date(d["apology_at"])
        row["LyDoQuaHan"] = "Chờ ý kiến của cơ quan phối hợp"
    elif d["finished_at"] is not None and d["finished_at"] > d["due_at"] and rng.random() < 0.6:
        row["LyDoQuaHan"] = "Quá tải hồ sơ, chưa kịp xin lỗi"  # a reason, no apology date
    return row


def _list_row(rng: random.Random, number: int, d: dict, names: dict) -> list:
    procedure = next(p for p in PROCEDURES if p[0] == d["procedure"])
    received = d["received_at"]
    return [
        number,
        rng.choice([names[d["agency"]], names[d["agency"]].upper()]),
        "Nguyễn Thị Lan",
        procedure[1],
        d["code"],
        STATUS_NAMES[d["status"]],
        "Trần Văn Bình",
        (received - dt.timedelta(hours=rng.randint(1, 40))) if received else None,
        received,
        _csv_date(d["due_at"], True) if d["due_date_only"] else d["due_at"],
        d["finished_at"],
        procedure[2],
    ]


def _as_list_export(d: dict) -> dict:
    """What the portal knows of a dossier a list export gives: no channel, components, e-result,
    fee, online payment, apology or supplementation."""
    return d | {
        "channel": None,
        "components_total": None,
        "components_digitized": None,
        "e_result": None,
        "fee": None,
        "paid_online": None,
        "apology_at": None,
        "supplement_requests": 0,
        "supplement_requested_at": None,
        "supplement_completed_at": None,
    }


def build(count: int = 1500, seed: int = SEED) -> DataSet:
    rng = random.Random(seed)
    agencies = [
        {
            "code": c,
            "name": n,
            "level": lv,
            "parent": p,
            "valid_from": VALIDITY.get(c, (None, None))[0],
            "valid_to": VALIDITY.get(c, (None, None))[1],
        }
        for c, n, lv, p in AGENCIES
    ]
    procedures = {
        c: {"code": c, "name": n, "domain": dm, "paper_result": paper}
        for c, n, dm, paper in PROCEDURES
    }
    records = _boundary_dossiers(rng) + [_random_dossier(rng, i) for i in range(1, count + 1)]
    data = DataSet(agencies, procedures, [])
    plain_names = {c: n for c, n, _lv, _p in AGENCIES}
    rejected_csv = 0
    for d in records:
        special = d["code"].startswith(("HS-B", "HS-S"))
        kind = (
            "json"
            if special and d["supplement_requests"]
            else rng.choices(["json", "csv", "xlsx"], [45, 35, 20])[0]
        )
        if kind == "xlsx" and d["supplement_requests"]:
            kind = "csv"
        if kind == "json":
            data.json_records.append(_json_record(rng, d))
            data.dossiers.append(d)
        elif kind == "csv":
            data.csv_rows.append(_csv_row(rng, d, rng.choice(TYPED_NAMES[d["agency"]])))
            data.dossiers.append(d)
            forced = rejected_csv < 2 and len(data.csv_rows) >= 40 * (rejected_csv + 1)
            if forced or rng.random() < 0.006:  # both unknown names, at least once each
                # The same kind of row under a name no agency has: rejected, in no figure.
                ghost = d | {"code": d["code"] + "-X"}
                name = UNKNOWN_NAMES[rejected_csv % len(UNKNOWN_NAMES)]
                data.csv_rows.append(_csv_row(rng, ghost, name))
                rejected_csv += 1
        else:
            number = len(data.xlsx_rows) + 1
            data.xlsx_rows.append(_list_row(rng, number, d, plain_names))
            data.dossiers.append(_as_list_export(d))
    created_xlsx = len(data.xlsx_rows)
    updated = _later_list_export(rng, data, plain_names)
    data.expected = {
        "json": (len(data.json_records), 0, 0),
        "csv": (len(data.csv_rows) - rejected_csv, 0, rejected_csv),
        "xlsx": (created_xlsx, updated, 0),
    }
    return data


def _later_list_export(rng: random.Random, data: DataSet, names: dict[str, str]) -> int:
    """The list export also gives dossiers the sync JSON gave while they were open, now returned
    (section 11: a fact the file has no column for "stays as stored for a dossier already
    known"; the end and the status are updated). Returns how many."""
    json_codes = {r.get("MaHoSo") or r.get("maHoSo") for r in data.json_records}
    updated = 0
    for i, d in enumerate(data.dossiers):
        if (
            d["code"] in json_codes
            and d["finished_at"] is None
            and d["status"] in (2, 4, 6)
            and d["received_at"] < dt.datetime(2024, 6, 1)
            and not d["supplement_requests"]
            and updated < 40
        ):
            finished = d["received_at"] + dt.timedelta(days=rng.randint(1, 400), hours=3)
            later = d | {"finished_at": finished.replace(microsecond=0), "status": 10}
            number = len(data.xlsx_rows) + 1
            data.xlsx_rows.append(_list_row(rng, number, later, names))
            data.dossiers[i] = later
            updated += 1
    return updated


def write_files(data: DataSet, folder: Path) -> dict[str, Path]:
    """The agency and procedure files (section 9) and the three dossier files."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "agencies": folder / "don_vi.csv",
        "procedures": folder / "thu_tuc.csv",
        "json": folder / "dong_bo_ho_so.json",
        "csv": folder / "ho_so_theo_ten.csv",
        "xlsx": folder / "danh_sach_ho_so.xlsx",
    }
    _write_csv(
        paths["agencies"],
        AGENCY_HEADERS,
        [
            [c, n, lv, p or "", *map(_day, VALIDITY.get(c, (None, None))), _merged(c)]
            for c, n, lv, p in AGENCIES
        ],
    )
    _write_csv(
        paths["procedures"],
        ["Mã thủ tục", "Tên thủ tục", "Lĩnh vực", "Kết quả bản giấy"],
        [[c, n, dm, "Có" if paper else "Không"] for c, n, dm, paper in PROCEDURES],
    )
    paths["json"].write_text(
        json.dumps({"data": data.json_records}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    _write_csv(paths["csv"], CSV_FIELDS, [[r[f] for f in CSV_FIELDS] for r in data.csv_rows], ";")
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "DanhSachHoSo"
    sheet.append(["DANH SÁCH HỒ SƠ TIẾP NHẬN"])  # the title a list export prints above its header
    sheet.append(LIST_HEADERS)
    for row in data.xlsx_rows:
        sheet.append(row)
    workbook.save(paths["xlsx"])
    return paths


AGENCY_HEADERS = ["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên", "Hiệu lực từ"]
AGENCY_HEADERS += ["Hiệu lực đến", "Hợp nhất từ"]


def _merged(code: str) -> str:
    return ";".join(MERGED_FROM.get(code, []))


def _day(value: dt.date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def _write_csv(path: Path, headers: list[str], rows: list[list], separator: str = ",") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8-sig")
