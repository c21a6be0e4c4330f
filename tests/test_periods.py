"""Periods on the calendar and the reporting basis, at every boundary."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.utils import translation

from kpi_portal.periods import (
    Basis,
    PeriodError,
    PeriodKind,
    bucket_first_day,
    bucket_last_day,
    half_month_bucket,
    parse_basis,
    parse_period,
    standard_periods_of_year,
    standard_periods_overlapping,
)

CAL, REP = Basis.CALENDAR, Basis.REPORTING


def span(code: str, basis: Basis = CAL) -> tuple[date, date]:
    period = parse_period(code, basis)
    return period.start, period.end


class TestCalendarBasis:
    @pytest.mark.parametrize(
        ("code", "start", "end"),
        [
            ("2023", date(2023, 1, 1), date(2023, 12, 31)),
            ("2023-H1", date(2023, 1, 1), date(2023, 6, 30)),
            ("2023-H2", date(2023, 7, 1), date(2023, 12, 31)),
            ("2023-Q1", date(2023, 1, 1), date(2023, 3, 31)),
            ("2023-Q3", date(2023, 7, 1), date(2023, 9, 30)),
            ("2023-9M", date(2023, 1, 1), date(2023, 9, 30)),
            ("2023-06", date(2023, 6, 1), date(2023, 6, 30)),
            ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
            ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
            ("2023-12", date(2023, 12, 1), date(2023, 12, 31)),
        ],
    )
    def test_a_period_runs_from_the_first_to_the_last_day_of_its_months(self, code, start, end):
        assert span(code) == (start, end)


class TestReportingBasis:
    @pytest.mark.parametrize(
        ("code", "start", "end"),
        [
            ("2023-H1", date(2022, 12, 15), date(2023, 6, 14)),
            ("2023", date(2022, 12, 15), date(2023, 12, 14)),
            ("2023-06", date(2023, 5, 15), date(2023, 6, 14)),
            ("2023-01", date(2022, 12, 15), date(2023, 1, 14)),
            ("2023-03", date(2023, 2, 15), date(2023, 3, 14)),
            ("2024-03", date(2024, 2, 15), date(2024, 3, 14)),
            ("2023-H2", date(2023, 6, 15), date(2023, 12, 14)),
            ("2023-Q3", date(2023, 6, 15), date(2023, 9, 14)),
            ("2023-9M", date(2022, 12, 15), date(2023, 9, 14)),
        ],
    )
    def test_a_period_runs_from_the_15th_before_to_the_14th_of_its_last_month(
        self, code, start, end
    ):
        assert span(code, REP) == (start, end)

    def test_a_custom_range_is_the_same_on_both_bases(self):
        assert span("2023-01-01..2023-06-30", REP) == (date(2023, 1, 1), date(2023, 6, 30))
        assert span("2023-01-01..2023-06-30", CAL) == (date(2023, 1, 1), date(2023, 6, 30))

    def test_consecutive_report_months_leave_no_gap_and_do_not_overlap(self):
        months = [p for p in standard_periods_of_year(2024, REP) if p.kind == PeriodKind.MONTH]
        for before, after in itertools.pairwise(months):
            assert after.start == before.end + timedelta(days=1)
        assert months[0].start == date(2023, 12, 15)


class TestParsing:
    def test_codes_are_normalised(self):
        assert parse_period(" 2023-h1 ").code == "2023-H1"
        assert parse_period("2023-9m").code == "2023-9M"

    def test_the_year_of_a_reporting_period_is_its_own_year(self):
        assert parse_period("2023-01", REP).year == 2023
        assert parse_period("2022-12-20..2023-01-05").year == 2023

    @pytest.mark.parametrize(
        "code",
        [
            "",
            "2023-H3",
            "2023-Q5",
            "2023-13",
            "2023-00",
            "23",
            "2023-06-31..2023-07-01",
            "2023-02-01..2023-01-01",
            "2023-10M",
        ],
    )
    def test_it_refuses_what_it_cannot_read_with_a_message(self, code):
        with pytest.raises(PeriodError, match=r"Kỳ|Ngày|ngày"):
            parse_period(code)

    def test_basis_defaults_to_calendar_and_refuses_unknown_names(self):
        assert parse_basis(None) == CAL
        assert parse_basis("Reporting") == REP
        with pytest.raises(PeriodError):
            parse_basis("fiscal")

    def test_labels_are_vietnamese(self):
        with translation.override("vi"):
            assert parse_period("2023-Q3").label == "Quý III/2023"
            assert parse_period("2023-H1", REP).label == "6 tháng đầu năm 2023 (kỳ báo cáo)"
            assert parse_period("2023-H2").label == "6 tháng cuối năm 2023"
            assert parse_period("2023-06").label == "Tháng 6/2023"
            assert parse_period("2023-12", REP).label == "Tháng 12/2023 (kỳ báo cáo)"
            assert parse_period("2023-9M").label == "9 tháng năm 2023"
            assert parse_period("2023").label == "Năm 2023"
            assert parse_period("2023-01-01..2023-06-30").label == "01/01/2023 – 30/06/2023"

    def test_labels_follow_the_active_language(self):
        # Needs the English catalogue (locale/en) to translate the label msgids of periods.py.
        with translation.override("en"):
            assert parse_period("2023-Q3").label == "Q3 2023"
            assert parse_period("2023-H1", REP).label == "First half of 2023 (reporting period)"
            assert parse_period("2023-H2").label == "Second half of 2023"
            assert parse_period("2023-06").label == "June 2023"
            assert parse_period("2023-9M").label == "First nine months of 2023"
            assert parse_period("2023").label == "Year 2023"
            assert parse_period("2023-01-01..2023-06-30").label == "01/01/2023 – 30/06/2023"
        with translation.override("vi"):  # and back: nothing was fixed at the first use
            assert parse_period("2023-Q3").label == "Quý III/2023"

    def test_a_refusal_speaks_the_active_language(self):
        with translation.override("vi"), pytest.raises(PeriodError, match="Kỳ không hợp lệ"):
            parse_period("2023-H3")
        with translation.override("en"), pytest.raises(PeriodError, match="Invalid period"):
            parse_period("2023-H3")


class TestStandardPeriodsOverlapping:
    def test_a_year_has_twenty_standard_periods(self):
        assert len(standard_periods_of_year(2023, CAL)) == 20

    def test_one_calendar_month_touches_its_month_quarter_half_nine_months_and_year(self):
        codes = {
            p.code for p in standard_periods_overlapping(date(2023, 6, 1), date(2023, 6, 30), CAL)
        }
        assert codes == {"2023-06", "2023-Q2", "2023-H1", "2023", "2023-9M"}

    def test_on_the_reporting_basis_a_calendar_month_touches_two_report_months(self):
        codes = {
            p.code for p in standard_periods_overlapping(date(2023, 6, 1), date(2023, 6, 30), REP)
        }
        assert codes == {
            "2023-06",
            "2023-07",
            "2023-Q2",
            "2023-Q3",
            "2023-H1",
            "2023-H2",
            "2023-9M",
            "2023",
        }

    def test_late_december_belongs_to_the_next_reporting_year(self):
        codes = {
            p.code
            for p in standard_periods_overlapping(date(2022, 12, 15), date(2022, 12, 15), REP)
        }
        assert codes == {"2023-01", "2023-Q1", "2023-H1", "2023-9M", "2023"}
        codes = {
            p.code
            for p in standard_periods_overlapping(date(2022, 12, 14), date(2022, 12, 14), REP)
        }
        assert codes == {"2022-12", "2022-Q4", "2022-H2", "2022"}

    def test_an_empty_range_covers_nothing(self):
        assert standard_periods_overlapping(date(2023, 2, 1), date(2023, 1, 1), CAL) == []


class TestHalfMonthBuckets:
    @pytest.mark.parametrize(
        ("day", "first", "last"),
        [
            (date(2023, 6, 14), date(2023, 6, 1), date(2023, 6, 14)),
            (date(2023, 6, 15), date(2023, 6, 15), date(2023, 6, 30)),
            (date(2024, 2, 29), date(2024, 2, 15), date(2024, 2, 29)),
            (date(2023, 2, 28), date(2023, 2, 15), date(2023, 2, 28)),
            (date(2022, 12, 31), date(2022, 12, 15), date(2022, 12, 31)),
            (date(2023, 1, 1), date(2023, 1, 1), date(2023, 1, 14)),
        ],
    )
    def test_a_day_falls_in_the_bucket_of_its_half_month(self, day, first, last):
        bucket = half_month_bucket(day)
        assert (bucket_first_day(bucket), bucket_last_day(bucket)) == (first, last)

    def test_buckets_are_consecutive_across_a_year_end(self):
        assert half_month_bucket(date(2023, 1, 1)) == half_month_bucket(date(2022, 12, 31)) + 1

    @pytest.mark.parametrize("basis", [CAL, REP])
    def test_every_standard_period_is_a_whole_run_of_buckets(self, basis):
        for year in (2023, 2024):
            for period in standard_periods_of_year(year, basis):
                assert bucket_first_day(period.start_bucket) == period.start
                assert bucket_last_day(period.end_bucket) == period.end


class TestTheBounds:
    """Issue 15 items 4 and 5: years 2000–2099 and custom ranges of at most 366 days; beyond, a
    period overflowed the date type (9999-12-31) or read every dossier ever (1900–2100)."""

    @pytest.mark.parametrize("code", ["2000", "2000-H1", "2099-12", "2099-Q4"])
    def test_the_first_and_last_years_are_accepted(self, code):
        assert parse_period(code).code == code

    @pytest.mark.parametrize(
        "code", ["1999", "2100-01", "9999", "1900-01-01..2023-01-01", "2023-01-01..9999-12-31"]
    )
    def test_years_outside_are_refused_with_the_range(self, code):
        with translation.override("vi"), pytest.raises(PeriodError) as refused:
            parse_period(code)
        assert str(refused.value) == (
            f"Kỳ {code!r} nằm ngoài khoảng có thể xem: từ năm 2000 đến năm 2099."
        )

    def test_a_custom_range_may_be_a_leap_year_long(self):
        assert parse_period("2024-01-01..2024-12-31").end == date(2024, 12, 31)
        with translation.override("vi"), pytest.raises(PeriodError) as refused:
            parse_period("2023-01-01..2024-01-02")
        assert str(refused.value) == (
            "Kỳ '2023-01-01..2024-01-02' dài 367 ngày; kỳ tự chọn dài tối đa 366 ngày. "
            "Để xem nhiều năm, hãy chọn từng năm."
        )
