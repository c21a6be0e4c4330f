"""A small tree for the postings tests: the personas' tree plus an agency formed by a merger."""

from __future__ import annotations

import csv
import datetime as dt
import io

from agencies.models import Agency, AgencyLevel, StaffPosting
from tests.personas import agencies_create

HEADERS = [
    "Họ và tên",
    "Mã cán bộ",
    "Mã đơn vị",
    "Đơn vị cũ (trước hợp nhất)",
    "Ngày bắt đầu",
    "Ngày kết thúc dự kiến",
    "Ngày kết thúc thực tế",
    "Ghi chú",
]


def posting_tree() -> dict[str, Agency]:
    """QT; STNMT, SNV, HL (HL-TT), GL as in tests.personas; and SNNMT, formed on 01/03/2025 from
    SNN and SXD (both closed on 28/02/2025)."""
    agencies = agencies_create()
    for code, name in (("SNN", "Sở Nông nghiệp (cũ)"), ("SXD", "Sở Xây dựng (cũ)")):
        agencies[code] = Agency.objects.create(
            code=code,
            name=name,
            level=AgencyLevel.DEPARTMENT,
            parent=agencies["QT"],
            valid_to=dt.date(2025, 2, 28),
        )
    merged = Agency.objects.create(
        code="SNNMT",
        name="Sở Nông nghiệp và Môi trường",
        level=AgencyLevel.DEPARTMENT,
        parent=agencies["QT"],
        valid_from=dt.date(2025, 3, 1),
    )
    merged.merged_from.set([agencies["SNN"], agencies["SXD"]])
    agencies["SNNMT"] = merged
    return agencies


def postings_csv(rows: list[list[str]], *, headers=HEADERS, separator: str = ";") -> bytes:
    """A CSV as Excel saves it for Vietnamese users: UTF-8 with BOM, semicolons."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def make_posting(agency: Agency, start: dt.date, planned: dt.date, **fields) -> StaffPosting:
    fields.setdefault("person_name", f"Cán bộ {agency.code} {start:%d%m%Y}")
    return StaffPosting.objects.create(
        agency=agency, start_on=start, planned_end_on=planned, **fields
    )
