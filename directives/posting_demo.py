"""The demo's Service Center staff postings: a routine posting for most provincial agencies and
districts, and one case of each flag (docs/postings.md).

Dates are counted from the day the demo is loaded (`today`), so that the page, which opens on
today, shows people serving now. Two agencies are left with nobody posted. When the tree has no
agency formed by a merger, one is made, as in 2025 (Sở Tài chính absorbing Sở Kế hoạch và Đầu tư,
valid from 01/03/2025); it has no dossiers, so no figure of the directive moves. Demo postings
are those whose staff code starts with `DEMO_CODE_PREFIX`; loading again replaces them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from agencies.models import Agency, AgencyLevel, StaffPosting
from agencies.postings import add_months
from kpi_portal import clock

DEMO_CODE_PREFIX = "QT-CB-"
MERGED_CODE = "STC-HN"
MERGED_NAME = "Sở Tài chính (hợp nhất với Sở Kế hoạch và Đầu tư)"
MERGED_FROM = ("STC", "SKHDT")
MERGED_VALID_FROM = dt.date(2025, 3, 1)
LEFT_UNSTAFFED = {"SNGV", "CC"}  # Sở Ngoại vụ, huyện đảo Cồn Cỏ

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ"]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Thanh", "Hữu", "Ngọc", "Đức"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hạnh", "Khoa", "Lan", "Mai", "Nam", "Oanh",
         "Phúc", "Quân", "Sơn", "Tâm", "Uyên", "Vinh", "Xuân", "Yến"]  # fmt: skip


def _name(n: int) -> str:
    return f"{FAMILY[n % len(FAMILY)]} {MIDDLE[n % len(MIDDLE)]} {GIVEN[n % len(GIVEN)]}"


def posting_demo_wipe() -> None:
    StaffPosting.objects.filter(staff_code__startswith=DEMO_CODE_PREFIX).delete()


def _merged_agency(province: Agency) -> Agency | None:
    """An agency formed by a merger: the tree's first, else the demo's own (when its former units
    are in the tree)."""
    existing = Agency.objects.filter(merged_from__isnull=False).order_by("path").first()
    if existing is not None:
        return existing
    formers = list(Agency.objects.filter(code__in=MERGED_FROM).order_by("code"))
    if len(formers) != len(MERGED_FROM):
        return None
    merged = Agency.objects.create(
        code=MERGED_CODE,
        name=MERGED_NAME,
        short_name="Sở Tài chính",
        level=AgencyLevel.DEPARTMENT,
        parent=province,
        sort_order=max(a.sort_order for a in formers),
        valid_from=MERGED_VALID_FROM,
    )
    merged.merged_from.set(formers)
    return merged


@transaction.atomic
def posting_demo_load(*, province_code: str = "QT", today: dt.date | None = None) -> int:
    """(Re)create the demo postings; return how many were made."""
    posting_demo_wipe()
    province = Agency.objects.filter(code=province_code).first()
    if province is None:
        return 0
    today = today or clock.today()
    merged = _merged_agency(province)
    made: list[StaffPosting] = []

    def add(agency: Agency, start: dt.date, planned: dt.date, *, actual=None, unit=None, note=""):
        n = len(made) + 1
        made.append(
            StaffPosting(
                person_name=_name(n),
                staff_code=f"{DEMO_CODE_PREFIX}{n:04d}",
                agency=agency,
                former_unit=unit,
                start_on=start,
                planned_end_on=planned,
                actual_end_on=actual,
                note=note,
            )
        )

    def months(n: int) -> dt.date:
        return add_months(today, n)

    day = dt.timedelta(days=1)
    special = {"SYT", "SXD", "SGTVT", "HL"}
    skip = LEFT_UNSTAFFED | special | set(MERGED_FROM)
    expected = Agency.objects.filter(
        level__in=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT],
        path__startswith=province.path,
        merged_from__isnull=True,
    ).order_by("path")
    by_code = {agency.code: agency for agency in expected}
    for index, agency in enumerate(expected):
        if agency.code in skip:
            continue
        # A routine 12-month posting, started 1 to 5 months ago.
        start = months(-(1 + index % 5))
        add(agency, start, add_months(start, 12) - day)
    if "SYT" in by_code:  # ending within 30 days: 12 months ending in 10 days
        end = today + dt.timedelta(days=10)
        add(by_code["SYT"], add_months(end + day, -12), end, note="Sắp hết hạn biệt phái")
    if "SXD" in by_code:  # planned for 3 months only
        add(by_code["SXD"], months(-1), months(2) - day, note="Kế hoạch dưới 6 tháng")
    if "SGTVT" in by_code:  # planned for 30 months
        add(by_code["SGTVT"], months(-20), months(10) - day, note="Kế hoạch quá 24 tháng")
    if "HL" in by_code:  # planned 12 months, called back after 3; nobody has replaced them
        start = months(-6)
        add(by_code["HL"], start, add_months(start, 12) - day, actual=add_months(start, 3) - day,
            note="Rút về đơn vị trước hạn")  # fmt: skip
    if merged is not None:
        units = list(merged.merged_from.order_by("code"))
        first, second = units[0], units[-1]
        # Two good 4-month turns, then the second unit again, planned for 6 months: it breaks
        # the turn order and the 4-month limit.
        add(merged, months(-12), months(-8) - day, actual=months(-8) - day, unit=first)
        add(merged, months(-8), months(-4) - day, actual=months(-4) - day, unit=second)
        add(merged, months(-4), months(2) - day, unit=second, note="Cùng đơn vị cũ hai lượt liền")
    StaffPosting.objects.bulk_create(made)
    return len(made)
