"""Report periods on the calendar and the reporting basis (domain.md section 4).

A period is a closed range of whole local days [start, end]. It has a code that people type:

    2023            the year
    2023-H1         a half (H1, H2)
    2023-Q3         a quarter (Q1 … Q4)
    2023-9M         the first nine months
    2023-06         a month
    2023-01-01..2023-06-30   any custom range of days

On the **calendar** basis a standard period runs from the 1st of its first month to the last day
of its last month. On the **reporting** basis (kỳ báo cáo) it runs from the 15th of the month
before its first month to the 14th of its last month: H1 2023 is 15/12/2022–14/06/2023, the year
2023 is 15/12/2022–14/12/2023, the month 2023-06 is 15/05–14/06. A custom range is the same on
both bases.

So every standard period starts on a 1st or a 15th and ends on a 14th or a month's last day. The
KPI engine uses that: it cuts time into *half-month buckets* (days 1–14 and 15–end of each month)
and every standard period is a whole run of buckets, see `half_month_bucket`.

No database. The labels people read (`Period.label`) and the error messages go through
Django's gettext, so they follow the active language; everything else is plain Python.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from django.utils.translation import gettext, gettext_lazy


class Basis(StrEnum):
    CALENDAR = "calendar"
    REPORTING = "reporting"


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    NINE_MONTHS = "nine_months"
    YEAR = "year"
    CUSTOM = "custom"


class PeriodError(ValueError):
    """A period code or basis that cannot be understood; the message is for the user."""


# The periods people may ask for (docs/decisions.md, "Periods people may ask for"): years
# FIRST_YEAR … LAST_YEAR, around any one-stop data there is (the systems date from 2015 on), and a
# custom range of at most CUSTOM_RANGE_MAX_DAYS days. Beyond them a request would only cost work
# (a 1900–2100 range read every dossier ever) or overflow the date type (9999-12-31 + 1 day).
FIRST_YEAR = 2000
LAST_YEAR = 2099
CUSTOM_RANGE_MAX_DAYS = 366


STANDARD_KINDS = (
    PeriodKind.MONTH,
    PeriodKind.QUARTER,
    PeriodKind.HALF,
    PeriodKind.NINE_MONTHS,
    PeriodKind.YEAR,
)

# The labels of domain.md's report titles, one msgid per shape so that a translation may word
# each as its language does ("Quý III/2023" is "Q3 2023", "Tháng 6/2023" is "June 2023").
_QUARTER_LABELS = {
    1: gettext_lazy("Quý I/%(year)s"),
    2: gettext_lazy("Quý II/%(year)s"),
    3: gettext_lazy("Quý III/%(year)s"),
    4: gettext_lazy("Quý IV/%(year)s"),
}
_MONTH_LABELS = {
    1: gettext_lazy("Tháng 1/%(year)s"),
    2: gettext_lazy("Tháng 2/%(year)s"),
    3: gettext_lazy("Tháng 3/%(year)s"),
    4: gettext_lazy("Tháng 4/%(year)s"),
    5: gettext_lazy("Tháng 5/%(year)s"),
    6: gettext_lazy("Tháng 6/%(year)s"),
    7: gettext_lazy("Tháng 7/%(year)s"),
    8: gettext_lazy("Tháng 8/%(year)s"),
    9: gettext_lazy("Tháng 9/%(year)s"),
    10: gettext_lazy("Tháng 10/%(year)s"),
    11: gettext_lazy("Tháng 11/%(year)s"),
    12: gettext_lazy("Tháng 12/%(year)s"),
}

_PATTERNS: list[tuple[re.Pattern[str], PeriodKind]] = [
    (re.compile(r"^(\d{4})$"), PeriodKind.YEAR),
    (re.compile(r"^(\d{4})-H([12])$"), PeriodKind.HALF),
    (re.compile(r"^(\d{4})-Q([1-4])$"), PeriodKind.QUARTER),
    (re.compile(r"^(\d{4})-9M$"), PeriodKind.NINE_MONTHS),
    (re.compile(r"^(\d{4})-(\d{2})$"), PeriodKind.MONTH),
]
_CUSTOM = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True, slots=True)
class Period:
    """A period on a basis: its code, kind, the year it belongs to, and its first and last day.

    `year` is the year whose targets apply: the standard period's own year (the reporting year
    2023 starts on 15/12/2022 but is still 2023), and for a custom range the year of its end.
    `first_month`/`last_month` are the months the code names (1–12), None for a custom range.
    """

    code: str
    basis: Basis
    kind: PeriodKind
    year: int
    start: date
    end: date
    first_month: int | None = None
    last_month: int | None = None

    @property
    def is_standard(self) -> bool:
        return self.kind != PeriodKind.CUSTOM

    @property
    def is_whole_half_months(self) -> bool:
        """Whether the period is a run of whole half-month buckets: it starts on a 1st or a
        15th and ends on a 14th or a month's last day (every standard period does)."""
        ends_month = (self.end + timedelta(days=1)).day == 1
        return self.start.day in (1, 15) and (self.end.day == 14 or ends_month)

    @property
    def start_bucket(self) -> int:
        return half_month_bucket(self.start)

    @property
    def end_bucket(self) -> int:
        return half_month_bucket(self.end)

    @property
    def label(self) -> str:
        """The name a report title prints, in the active language (Vietnamese by default):
        "6 tháng đầu năm 2023", "Quý III/2023 (kỳ báo cáo)", "01/01/2023 – 30/06/2023"."""
        year = {"year": self.year}
        match self.kind:
            case PeriodKind.YEAR:
                name = gettext("Năm %(year)s") % year
            case PeriodKind.HALF if self.first_month == 1:
                name = gettext("6 tháng đầu năm %(year)s") % year
            case PeriodKind.HALF:
                name = gettext("6 tháng cuối năm %(year)s") % year
            case PeriodKind.QUARTER:
                name = str(_QUARTER_LABELS[(self.last_month or 3) // 3]) % year
            case PeriodKind.NINE_MONTHS:
                name = gettext("9 tháng năm %(year)s") % year
            case PeriodKind.MONTH:
                name = str(_MONTH_LABELS[self.first_month or 1]) % year
            case _:
                return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"
        if self.basis == Basis.REPORTING:
            name = gettext("%(name)s (kỳ báo cáo)") % {"name": name}
        return name

    def overlaps(self, start: date, end: date) -> bool:
        return self.start <= end and start <= self.end


def parse_basis(value: str | None) -> Basis:
    """'calendar' (the default when empty) or 'reporting'."""
    if not value:
        return Basis.CALENDAR
    try:
        return Basis(value.strip().lower())
    except ValueError:
        raise PeriodError(
            gettext("Cách tính kỳ không hợp lệ: %(value)s (dùng 'calendar' hoặc 'reporting')")
            % {"value": repr(value)}
        ) from None


def parse_period(code: str, basis: Basis | str | None = Basis.CALENDAR) -> Period:
    """Turn a period code into a Period on the basis; raises PeriodError for anything else."""
    basis = parse_basis(basis)
    text = (code or "").strip().upper()
    custom = _CUSTOM.match(text)
    if custom:
        try:
            start, end = date.fromisoformat(custom[1]), date.fromisoformat(custom[2])
        except ValueError:
            raise PeriodError(
                gettext("Ngày không hợp lệ trong kỳ %(code)s") % {"code": repr(code)}
            ) from None
        if end < start:
            raise PeriodError(
                gettext("Kỳ %(code)s: ngày kết thúc trước ngày bắt đầu") % {"code": repr(code)}
            )
        if not (start.year >= FIRST_YEAR and end.year <= LAST_YEAR):
            raise _out_of_range(code)
        days = (end - start).days + 1
        if days > CUSTOM_RANGE_MAX_DAYS:
            raise PeriodError(
                gettext(
                    "Kỳ %(code)s dài %(days)s ngày; kỳ tự chọn dài tối đa %(limit)s ngày. "
                    "Để xem nhiều năm, hãy chọn từng năm."
                )
                % {"code": repr(code), "days": days, "limit": CUSTOM_RANGE_MAX_DAYS}
            )
        return Period(
            code=f"{start.isoformat()}..{end.isoformat()}",
            basis=basis,
            kind=PeriodKind.CUSTOM,
            year=end.year,
            start=start,
            end=end,
        )
    for pattern, kind in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        year = int(match[1])
        if not FIRST_YEAR <= year <= LAST_YEAR:
            raise _out_of_range(code)
        if kind == PeriodKind.YEAR:
            first, last = 1, 12
        elif kind == PeriodKind.HALF:
            first = 1 if match[2] == "1" else 7
            last = first + 5
        elif kind == PeriodKind.QUARTER:
            last = 3 * int(match[2])
            first = last - 2
        elif kind == PeriodKind.NINE_MONTHS:
            first, last = 1, 9
        else:
            first = last = int(match[2])
            if not 1 <= first <= 12:
                break
        return standard_period(
            year=year, kind=kind, first_month=first, last_month=last, basis=basis
        )
    raise PeriodError(
        gettext(
            "Kỳ không hợp lệ: %(code)s. Dùng 2023, 2023-H1, 2023-Q3, 2023-9M, 2023-06 "
            "hoặc 2023-01-01..2023-06-30"
        )
        % {"code": repr(code)}
    )


def _out_of_range(code: str) -> PeriodError:
    return PeriodError(
        gettext("Kỳ %(code)s nằm ngoài khoảng có thể xem: từ năm %(first)s đến năm %(last)s.")
        % {"code": repr(code), "first": FIRST_YEAR, "last": LAST_YEAR}
    )


def standard_period(
    *, year: int, kind: PeriodKind, first_month: int, last_month: int, basis: Basis
) -> Period:
    """The standard period of `year` made of months first_month…last_month, on the basis."""
    code = {
        PeriodKind.YEAR: f"{year}",
        PeriodKind.HALF: f"{year}-H{1 if first_month == 1 else 2}",
        PeriodKind.QUARTER: f"{year}-Q{last_month // 3}",
        PeriodKind.NINE_MONTHS: f"{year}-9M",
        PeriodKind.MONTH: f"{year}-{first_month:02d}",
    }[kind]
    if basis == Basis.CALENDAR:
        start = date(year, first_month, 1)
        end = date(year, last_month, calendar.monthrange(year, last_month)[1])
    else:
        # The report month M runs 15/(M-1) … 14/M: the day before the 15th of M is the 14th.
        before_year, before_month = (year - 1, 12) if first_month == 1 else (year, first_month - 1)
        start = date(before_year, before_month, 15)
        end = date(year, last_month, 14)
    return Period(
        code=code,
        basis=basis,
        kind=kind,
        year=year,
        start=start,
        end=end,
        first_month=first_month,
        last_month=last_month,
    )


def standard_periods_of_year(year: int, basis: Basis) -> list[Period]:
    """The 20 standard periods of a year: 12 months, 4 quarters, 2 halves, 9 months, the year."""
    periods = [
        standard_period(year=year, kind=PeriodKind.MONTH, first_month=m, last_month=m, basis=basis)
        for m in range(1, 13)
    ]
    periods += [
        standard_period(
            year=year, kind=PeriodKind.QUARTER, first_month=3 * q - 2, last_month=3 * q, basis=basis
        )
        for q in range(1, 5)
    ]
    periods += [
        standard_period(year=year, kind=PeriodKind.HALF, first_month=1, last_month=6, basis=basis),
        standard_period(year=year, kind=PeriodKind.HALF, first_month=7, last_month=12, basis=basis),
        standard_period(
            year=year, kind=PeriodKind.NINE_MONTHS, first_month=1, last_month=9, basis=basis
        ),
        standard_period(year=year, kind=PeriodKind.YEAR, first_month=1, last_month=12, basis=basis),
    ]
    return periods


def standard_periods_overlapping(start: date, end: date, basis: Basis) -> list[Period]:
    """Every standard period of the basis that shares at least one day with [start, end].

    A reporting year starts on 15 December of the year before, so the year after `end` is
    looked at too.
    """
    if end < start:
        return []
    return [
        period
        for year in range(start.year, end.year + 2)
        for period in standard_periods_of_year(year, basis)
        if period.overlaps(start, end)
    ]


def month_bounds(month: date) -> tuple[date, date]:
    """The first and last day of the calendar month that contains `month`."""
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


# --- Half-month buckets -----------------------------------------------------------------------
# Bucket b covers days 1–14 (even b) or 15–end (odd b) of one month. Because every standard period
# starts on a bucket's first day and ends on a bucket's last day, "date d is in period P" is
# "P.start_bucket <= bucket(d) <= P.end_bucket", which SQL can test on small integers.


def half_month_bucket(day: date) -> int:
    return 2 * (12 * day.year + day.month - 1) + (1 if day.day >= 15 else 0)


def bucket_first_day(bucket: int) -> date:
    months, second_half = divmod(bucket, 2)
    year, month0 = divmod(months, 12)
    return date(year, month0 + 1, 15 if second_half else 1)


def bucket_last_day(bucket: int) -> date:
    return bucket_first_day(bucket + 1) - timedelta(days=1)
