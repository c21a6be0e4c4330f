"""Generate a deterministic set of import files for the benchmark (and for trying the importer).

    python bench/generate_dossiers.py --rows 1000000 --out bench/out
    python bench/generate_dossiers.py --rows 150000 --format xlsx --out bench/out

Writes, in the import formats of domain.md section 9:
- agencies.csv: a province root (QT) and --agencies agencies under it (departments, districts
  and communes under the districts);
- procedures.csv: --procedures procedures over a dozen domains;
- dossiers-N.csv (or .xlsx): N dossiers received over --months months from --start, every row
  valid, so the import of the three files on an empty database rejects nothing.

The same arguments always give byte-identical files (one seeded random generator, no clock).
Rates are loosely those of the directive: about 67% of dossiers fully digitized, about 1% overdue
and about half of those with an apology, about 40% online, about 6% of paid dossiers paid online.
Yes/no cells are written as 1/0 and dates as dd/mm/yyyy[ HH:MM:SS]: both forms the importer
accepts and PostgreSQL's COPY can read too (with DateStyle DMY), which the benchmark relies on.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

AGENCY_HEADERS = {
    "vi": ["Mã đơn vị", "Tên đơn vị", "Cấp", "Mã đơn vị cấp trên"],
    "ascii": ["ma_don_vi", "ten_don_vi", "cap", "ma_don_vi_cap_tren"],
}
PROCEDURE_HEADERS = {
    "vi": [
        "Mã thủ tục",
        "Tên thủ tục",
        "Lĩnh vực",
        "Mức độ",
        "Đủ điều kiện toàn trình",
        "Kết quả bản giấy",
    ],
    "ascii": [
        "ma_thu_tuc",
        "ten_thu_tuc",
        "linh_vuc",
        "muc_do",
        "du_dieu_kien_toan_trinh",
        "ket_qua_ban_giay",
    ],
}
DOSSIER_HEADERS = {
    "vi": [
        "Mã hồ sơ",
        "Mã đơn vị",
        "Mã thủ tục",
        "Tên thủ tục",
        "Lĩnh vực",
        "Kênh nộp",
        "Ngày tiếp nhận",
        "Ngày hẹn trả",
        "Ngày kết thúc xử lý",
        "Số thành phần hồ sơ",
        "Số thành phần đã số hóa",
        "Kết quả điện tử",
        "Phí, lệ phí (đồng)",
        "Thanh toán trực tuyến",
        "Ngày xin lỗi",
        "Ngày hẹn lại",
        "Lý do quá hạn",
    ],
    "ascii": [
        "ma_ho_so",
        "ma_don_vi",
        "ma_thu_tuc",
        "ten_thu_tuc",
        "linh_vuc",
        "kenh_nop",
        "ngay_tiep_nhan",
        "ngay_hen_tra",
        "ngay_ket_thuc",
        "so_thanh_phan",
        "so_thanh_phan_so_hoa",
        "ket_qua_dien_tu",
        "phi_le_phi",
        "thanh_toan_truc_tuyen",
        "ngay_xin_loi",
        "ngay_hen_lai",
        "ly_do_qua_han",
    ],
}

DEPARTMENT_NAMES = [
    "Sở Tư pháp",
    "Sở Tài nguyên và Môi trường",
    "Sở Kế hoạch và Đầu tư",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
    "Sở Y tế",
    "Sở Công Thương",
    "Sở Lao động - Thương binh và Xã hội",
    "Sở Giáo dục và Đào tạo",
    "Sở Nông nghiệp và Phát triển nông thôn",
]
DISTRICT_NAMES = ["Đông Hà", "Vĩnh Linh", "Gio Linh", "Cam Lộ", "Triệu Phong", "Hải Lăng"]
DOMAINS = [
    "Đất đai",
    "Hộ tịch",
    "Chứng thực",
    "Thành lập và hoạt động doanh nghiệp",
    "Hoạt động xây dựng",
    "Môi trường",
    "Đường bộ",
    "Khám bệnh, chữa bệnh",
    "Bảo trợ xã hội",
    "Lao động",
    "An toàn thực phẩm",
    "Giáo dục và đào tạo",
]
ONLINE_LEVELS = ["toan_trinh", "mot_phan", "khong"]
CHANNELS = ["truc_tuyen", "truc_tiep", "buu_chinh"]
CHANNEL_WEIGHTS = [40, 55, 5]
FEES = [10_000, 20_000, 50_000, 100_000, 500_000]
DELAY_REASONS = [
    "Hồ sơ cần xác minh thêm",
    "Chờ ý kiến cơ quan phối hợp",
    "Cán bộ thụ lý đi công tác",
]


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name: str
    level: str
    parent: str


@dataclass(frozen=True)
class ProcedureRow:
    code: str
    name: str
    domain: str
    online_level: str
    full_process_eligible: bool
    paper_result: bool


def agencies_build(count: int) -> list[AgencyRow]:
    """The root plus `count` agencies: about half departments, the rest districts and communes."""
    rows = [AgencyRow("QT", "UBND tỉnh Quảng Trị (bench)", "tinh", "")]
    departments = max(1, count // 2)
    districts = max(1, (count - departments + 1) // 2) if count > 1 else 0
    communes = count - departments - districts
    for i in range(departments):
        name = DEPARTMENT_NAMES[i % len(DEPARTMENT_NAMES)]
        rows.append(AgencyRow(f"S{i + 1:02d}", f"{name} ({i + 1:02d})", "so", "QT"))
    for i in range(districts):
        name = DISTRICT_NAMES[i % len(DISTRICT_NAMES)]
        rows.append(AgencyRow(f"H{i + 1:02d}", f"UBND huyện {name} ({i + 1:02d})", "huyen", "QT"))
    for i in range(communes):
        parent = f"H{i % districts + 1:02d}"
        rows.append(AgencyRow(f"{parent}-X{i + 1:02d}", f"UBND xã số {i + 1:02d}", "xa", parent))
    return rows


def procedures_build(count: int) -> list[ProcedureRow]:
    return [
        ProcedureRow(
            code=f"{1 + i % 2}.{900_001 + i:06d}",
            name=f"Thủ tục thử nghiệm số {i + 1} ({DOMAINS[i % len(DOMAINS)]})",
            domain=DOMAINS[i % len(DOMAINS)],
            online_level=ONLINE_LEVELS[i % len(ONLINE_LEVELS)],
            full_process_eligible=i % 3 == 0,
            paper_result=i % 4 != 3,
        )
        for i in range(count)
    ]


@dataclass(frozen=True)
class DossierRow:
    code: str
    agency: str
    procedure: ProcedureRow
    channel: str
    received: dt.datetime
    due: dt.date
    finished: dt.datetime | None
    components_total: int
    components_digitized: int
    e_result: bool
    fee: int
    paid_online: bool
    apology: dt.date | None
    new_due: dt.date | None
    reason: str


def dossiers_build(
    *,
    rows: int,
    agencies: list[AgencyRow],
    procedures: list[ProcedureRow],
    start: dt.date,
    months: int,
    seed: int,
    code_prefix: str,
    open_share: float = 0.0,
) -> Iterator[DossierRow]:
    """`open_share`: the share of dossiers never finished (still open at the export, for years
    for the oldest); 0 keeps the files of earlier runs byte for byte (no extra random draw)."""
    rng = random.Random(seed)
    end = _add_months(start, months)
    days = (end - start).days
    export_day = end  # the day the one-stop system exported the file: later days are unknown
    holders = [a for a in agencies if a.level != "tinh"]
    # Each agency handles a fixed subset of procedures, as in life (a commune does no business
    # registration): a window of the catalogue starting at its own offset.
    per_agency = max(1, min(len(procedures), 12))
    catalogue = {
        a.code: [procedures[(k * 7 + j) % len(procedures)] for j in range(per_agency)]
        for k, a in enumerate(holders)
    }
    random_ = rng.random
    randint = rng.randint
    choice = rng.choice
    for i in range(rows):
        agency = holders[int(random_() ** 1.5 * len(holders))]  # a few agencies carry most load
        procedure = choice(catalogue[agency.code])
        day = start + dt.timedelta(days=randint(0, days - 1))
        received = dt.datetime(day.year, day.month, day.day, randint(7, 16), randint(0, 59))
        allowed = randint(1, 15)
        due = day + dt.timedelta(days=allowed)
        roll = random_()
        if roll < 0.01:
            took = allowed + randint(1, 20)  # overdue
        elif roll < 0.2:
            took = allowed  # on the due day
        else:
            took = randint(0, allowed - 1) if allowed > 1 else 0
        finished_day = day + dt.timedelta(days=took)
        finished = None
        still_open = open_share > 0 and random_() < open_share
        if finished_day < export_day and not still_open:
            finished = dt.datetime(
                finished_day.year, finished_day.month, finished_day.day, 17, randint(0, 59)
            )
        apology = new_due = None
        reason = ""
        if took > allowed and random_() < 0.47:
            apology = due
            new_due = due + dt.timedelta(days=randint(3, 25))
            reason = choice(DELAY_REASONS)
        total = randint(1, 6)
        digitized = total if random_() < 0.675 else randint(0, total - 1)
        fee = 0 if random_() < 0.6 else choice(FEES)
        yield DossierRow(
            code=f"{code_prefix}{agency.code}-{day:%y%m%d}-{i:07d}",
            agency=agency.code,
            procedure=procedure,
            channel=rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0],
            received=received,
            due=due,
            finished=finished,
            components_total=total,
            components_digitized=digitized,
            e_result=random_() < 0.4,
            fee=fee,
            paid_online=fee > 0 and random_() < 0.06,
            apology=apology,
            new_due=new_due,
            reason=reason,
        )


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _flag(value: bool) -> str:
    return "1" if value else "0"


def write_agencies(path: Path, rows: list[AgencyRow], *, headers: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(AGENCY_HEADERS[headers])
        writer.writerows((a.code, a.name, a.level, a.parent) for a in rows)


def write_procedures(path: Path, rows: list[ProcedureRow], *, headers: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(PROCEDURE_HEADERS[headers])
        writer.writerows(
            (
                p.code,
                p.name,
                p.domain,
                p.online_level,
                _flag(p.full_process_eligible),
                _flag(p.paper_result),
            )
            for p in rows
        )


APOLOGY_COLUMNS = 3  # the last three dossier columns: apology date, new due date, reason


# Date forms of a file "as exported": each row writes its dates in one of these, in turn (with
# `mixed_dates`). All are forms PostgreSQL's COPY reads too (DateStyle DMY), so the benchmark's
# baseline loads the same file; yyyyMMddHHmmss, which COPY cannot read, is the JSON's form.
MIXED_DATETIME_FORMS = ("%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S")
MIXED_DATE_FORMS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%Y")


def write_dossiers_csv(
    path: Path,
    rows: Iterator[DossierRow],
    *,
    headers: str,
    apologies: bool = True,
    mixed_dates: bool = False,
) -> int:
    width = len(DOSSIER_HEADERS[headers]) - (0 if apologies else APOLOGY_COLUMNS)
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(DOSSIER_HEADERS[headers][:width])
        for d in rows:
            form = count % len(MIXED_DATETIME_FORMS) if mixed_dates else 2
            at, day = MIXED_DATETIME_FORMS[form], MIXED_DATE_FORMS[form]
            writer.writerow(
                (
                    d.code,
                    d.agency,
                    d.procedure.code,
                    d.procedure.name,
                    d.procedure.domain,
                    d.channel,
                    d.received.strftime(at),
                    d.due.strftime(day),
                    d.finished.strftime(at) if d.finished else "",
                    d.components_total,
                    d.components_digitized,
                    _flag(d.e_result),
                    d.fee,
                    _flag(d.paid_online),
                    d.apology.strftime(day) if d.apology else "",
                    d.new_due.strftime(day) if d.new_due else "",
                    d.reason,
                )[:width]
            )
            count += 1
    return count


SYNC_CHANNELS = {"truc_tiep": 1, "truc_tuyen": 2, "buu_chinh": 3}


def write_dossiers_json(path: Path, rows: Iterator[DossierRow], **_: object) -> int:
    """The same dossiers as national sync records (domain.md section 11), a JSON array with one
    record per line: MaTTHC with its local suffix, KenhThucHien 1/2/3, dates as yyyyMMddHHmmss,
    TrangThaiHoSo (10 returned, 4 being processed), HoSoCoThanhPhanSoHoa (1 when every component
    is digitized), DuongDanTepTinKetQua (a link when the result is electronic), DanhSachLePhi (a
    list of fees), DuocThanhToanTrucTuyen 1/0, and the apology fields. Null fields are left out,
    as sync exports do."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n")
        for d in rows:
            record: dict[str, object] = {
                "MaHoSo": d.code,
                "MaCoQuan": d.agency,
                "MaTTHC": f"{d.procedure.code}.000.00.00.H48",
                "TenTTHC": d.procedure.name,
                "TenLinhVuc": d.procedure.domain,
                "KenhThucHien": SYNC_CHANNELS[d.channel],
                "TrangThaiHoSo": 10 if d.finished else 4,
                "NgayTiepNhan": f"{d.received:%Y%m%d%H%M%S}",
                "NgayHenTra": f"{d.due:%Y%m%d}235959",
                "HoSoCoThanhPhanSoHoa": int(d.components_digitized == d.components_total),
                "DanhSachLePhi": [{"TenPhiLePhi": "Lệ phí", "Gia": d.fee}] if d.fee else [],
                "DuocThanhToanTrucTuyen": 1 if d.paid_online else 0,
            }
            if d.finished:
                record["NgayKetThucXuLy"] = f"{d.finished:%Y%m%d%H%M%S}"
            if d.e_result:
                record["DuongDanTepTinKetQua"] = f"https://dvc.example.vn/kq/{d.code}.pdf"
            if d.apology:
                record["NgayXinLoi"] = f"{d.apology:%Y%m%d}235959"
                record["NgayHenLai"] = f"{d.new_due:%Y%m%d}235959" if d.new_due else None
                record["LyDoQuaHan"] = d.reason
            handle.write((",\n" if count else "") + json.dumps(record, ensure_ascii=False))
            count += 1
        handle.write("\n]\n")
    return count


def write_dossiers_xlsx(
    path: Path, rows: Iterator[DossierRow], *, headers: str, apologies: bool = True
) -> int:
    """Dates as real Excel date cells, numbers as numbers: what an Excel export holds."""
    import xlsxwriter

    count = 0
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        sheet = workbook.add_worksheet("Hồ sơ")
        date_time = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm:ss"})
        date_only = workbook.add_format({"num_format": "dd/mm/yyyy"})
        width = len(DOSSIER_HEADERS[headers]) - (0 if apologies else APOLOGY_COLUMNS)
        sheet.write_row(0, 0, DOSSIER_HEADERS[headers][:width])
        for r, d in enumerate(rows, start=1):
            sheet.write_string(r, 0, d.code)
            sheet.write_string(r, 1, d.agency)
            sheet.write_string(r, 2, d.procedure.code)
            sheet.write_string(r, 3, d.procedure.name)
            sheet.write_string(r, 4, d.procedure.domain)
            sheet.write_string(r, 5, d.channel)
            sheet.write_datetime(r, 6, d.received, date_time)
            sheet.write_datetime(r, 7, dt.datetime.combine(d.due, dt.time()), date_only)
            if d.finished:
                sheet.write_datetime(r, 8, d.finished, date_time)
            sheet.write_number(r, 9, d.components_total)
            sheet.write_number(r, 10, d.components_digitized)
            sheet.write_number(r, 11, int(d.e_result))
            sheet.write_number(r, 12, d.fee)
            sheet.write_number(r, 13, int(d.paid_online))
            if apologies and d.apology:
                sheet.write_datetime(r, 14, dt.datetime.combine(d.apology, dt.time()), date_only)
            if apologies and d.new_due:
                sheet.write_datetime(r, 15, dt.datetime.combine(d.new_due, dt.time()), date_only)
            if apologies and d.reason:
                sheet.write_string(r, 16, d.reason)
            count += 1
    finally:
        workbook.close()
    return count


def generate(
    *,
    out: Path,
    rows: int,
    file_format: str = "csv",
    agencies: int = 15,
    procedures: int = 60,
    start: dt.date = dt.date(2023, 1, 1),
    months: int = 15,
    seed: int = 20230612,
    headers: str = "vi",
    code_prefix: str = "",
    apologies: bool = True,
    profile: str = "default",
) -> dict[str, Path]:
    """Write the three files into `out` and return their paths.

    `profile="hidden"` writes a file shaped like an independent province export instead: 17
    agencies, about 6% of dossiers still open (for years, the oldest), dates in three forms
    (`MIXED_DATETIME_FORMS`), the apology columns, named `dossiers-hidden-N.csv`; with
    `file_format="json"` the same dossiers as sync records (`write_dossiers_json`).
    """
    out.mkdir(parents=True, exist_ok=True)
    hidden = profile == "hidden"
    if hidden:
        agencies, apologies = 17, True
    agency_rows = agencies_build(agencies)
    procedure_rows = procedures_build(procedures)
    stem = f"dossiers-{'hidden-' if hidden else ''}{code_prefix}{rows}"
    paths = {
        "agencies": out / ("agencies-hidden.csv" if hidden else "agencies.csv"),
        "procedures": out / "procedures.csv",
        "dossiers": out / f"{stem}{'' if apologies else '-noapology'}.{file_format}",
    }
    write_agencies(paths["agencies"], agency_rows, headers=headers)
    write_procedures(paths["procedures"], procedure_rows, headers=headers)
    dossiers = dossiers_build(
        rows=rows,
        agencies=agency_rows,
        procedures=procedure_rows,
        start=start,
        months=months,
        seed=seed,
        code_prefix=code_prefix,
        open_share=0.06 if hidden else 0.0,
    )
    if file_format == "xlsx":
        write_dossiers_xlsx(paths["dossiers"], dossiers, headers=headers, apologies=apologies)
    elif file_format == "json":
        write_dossiers_json(paths["dossiers"], dossiers)
    else:
        write_dossiers_csv(
            paths["dossiers"], dossiers, headers=headers, apologies=apologies, mixed_dates=hidden
        )
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="dossiers to write")
    parser.add_argument(
        "--format", choices=["csv", "xlsx", "json"], default="csv", dest="file_format"
    )
    parser.add_argument(
        "--profile",
        choices=["default", "hidden"],
        default="default",
        help="hidden: 17 agencies, 6%% still open, mixed date forms (see generate())",
    )
    parser.add_argument("--agencies", type=int, default=15, help="agencies under the province")
    parser.add_argument("--procedures", type=int, default=60)
    parser.add_argument("--start", type=dt.date.fromisoformat, default=dt.date(2023, 1, 1))
    parser.add_argument("--months", type=int, default=15)
    parser.add_argument("--seed", type=int, default=20230612)
    parser.add_argument("--headers", choices=["vi", "ascii"], default="vi")
    parser.add_argument("--code-prefix", default="", help="prefix for dossier codes")
    parser.add_argument(
        "--no-apologies", action="store_true", help="leave out the three apology columns"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    args = parser.parse_args(argv)
    paths = generate(
        out=args.out,
        rows=args.rows,
        file_format=args.file_format,
        agencies=args.agencies,
        procedures=args.procedures,
        start=args.start,
        months=args.months,
        seed=args.seed,
        headers=args.headers,
        code_prefix=args.code_prefix,
        apologies=not args.no_apologies,
        profile=args.profile,
    )
    for kind, path in paths.items():
        print(f"{kind}: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
