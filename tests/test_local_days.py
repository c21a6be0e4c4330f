"""Local days and half-month buckets: each SQL form gives what the Python form gives."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from kpi_portal.local_days import (
    after_local_day,
    bucket_lookup_cte,
    bucket_of_day_sql,
    date_of_day_number,
    day_number,
    end_of_local_day,
    local_bucket_sql,
    local_day_number,
    local_day_sql,
    local_midnight,
    on_an_earlier_local_day_sql,
)
from kpi_portal.periods import half_month_bucket


def vn(*args: int) -> datetime:
    return timezone.make_aware(datetime(*args))


class TestPython:
    def test_a_local_day_runs_from_midnight_to_23_59_59_local_time(self):
        day = date(2023, 6, 14)
        assert local_midnight(day).isoformat() == "2023-06-14T00:00:00+07:00"
        assert end_of_local_day(day).isoformat() == "2023-06-14T23:59:59+07:00"
        assert after_local_day(day).isoformat() == "2023-06-15T00:00:00+07:00"

    def test_day_numbers_count_from_1970(self):
        assert day_number(date(1970, 1, 2)) == 1
        assert date_of_day_number(day_number(date(2023, 6, 14))) == date(2023, 6, 14)

    def test_an_instant_belongs_to_its_local_day_not_its_utc_day(self):
        # 14/06 23:30 local is 14/06 16:30 UTC; 15/06 00:30 local is 14/06 17:30 UTC.
        assert local_day_number(vn(2023, 6, 14, 23, 30)) == day_number(date(2023, 6, 14))
        assert local_day_number(vn(2023, 6, 15, 0, 30)) == day_number(date(2023, 6, 15))


@pytest.mark.django_db
class TestTheSqlFormsAgreeWithPython:
    def _select(self, sql: str, params: list) -> list:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    def test_the_local_day_of_stored_instants(self):
        moments = [
            vn(2023, 6, 14, 23, 59, 59),
            vn(2023, 6, 15, 0, 0, 0),
            vn(2023, 6, 15, 6, 59, 59),
            vn(2023, 6, 15, 7, 0, 0),
            vn(2000, 1, 1, 0, 0, 0),
            vn(2024, 2, 29, 12),
        ]
        got = [
            self._select(
                f"SELECT {local_day_sql('%s')}",
                [connection.ops.adapt_datetimefield_value(moment)],
            )[0]
            for moment in moments
        ]
        assert got == [local_day_number(m) for m in moments]

    def test_a_second_added_moves_23_59_59_to_the_next_day(self):
        moment = connection.ops.adapt_datetimefield_value(vn(2023, 5, 31, 23, 59, 59))
        (day,) = self._select(f"SELECT {local_day_sql('%s', plus_seconds=1)}", [moment])
        assert day == day_number(date(2023, 6, 1))

    def test_the_bucket_of_every_day_of_several_years(self):
        first, last = date(2022, 12, 1), date(2025, 1, 31)
        days = [first + timedelta(n) for n in range((last - first).days + 1)]
        got = self._select(
            "WITH RECURSIVE v(n) AS (SELECT %s UNION ALL SELECT n + 1 FROM v WHERE n < %s)"
            f" SELECT {bucket_of_day_sql('v.n')} FROM v ORDER BY v.n",
            [day_number(first), day_number(last)],
        )
        assert got == [half_month_bucket(d) for d in days]

    def test_an_empty_day_has_no_bucket(self):
        assert self._select(f"SELECT {bucket_of_day_sql('NULL')}", []) == [None]

    def test_a_bucket_tested_on_its_column_or_never_null(self):
        # local_bucket_sql tests the column for NULL, not the day computed from it, or (not_null)
        # nothing: the same bucket either way, and an empty column still has none.
        stored = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
        rows = f"WITH v (t) AS (SELECT {stored})"
        moment = connection.ops.adapt_datetimefield_value(vn(2023, 6, 14, 23, 59, 59))
        expected = [half_month_bucket(date(2023, 6, 14))]
        for sql in (local_bucket_sql("v.t"), local_bucket_sql("v.t", not_null=True)):
            assert self._select(f"{rows} SELECT {sql} FROM v", [moment]) == expected
        assert self._select(f"{rows} SELECT {local_bucket_sql('v.t')} FROM v", [None]) == [None]

    def test_a_shared_bucket_of_an_instant_at_each_edge_of_its_half_month(self):
        # The shared form (PostgreSQL: width_bucket over the buckets' first instants) gives the
        # bucket of the local day: 14/06 23:59:59 local is still the first half of June, 15/06
        # 00:00 local (14/06 17:00 UTC) the second.
        stored = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
        moments = [
            vn(2023, 6, 14, 23, 59, 59),
            vn(2023, 6, 15, 0, 0, 0),
            vn(2023, 6, 30, 23, 59, 59),
            vn(2023, 7, 1, 0, 0, 0),
            vn(2024, 2, 29, 12),
            vn(2000, 1, 1, 0, 0, 0),
            vn(2099, 12, 31, 23, 59, 59),
        ]
        expected = [
            half_month_bucket(date(2023, 6, 14)),
            half_month_bucket(date(2023, 6, 15)),
            half_month_bucket(date(2023, 6, 30)),
            half_month_bucket(date(2023, 7, 1)),
            half_month_bucket(date(2024, 2, 29)),
            half_month_bucket(date(2000, 1, 1)),
            half_month_bucket(date(2099, 12, 31)),
        ]
        if connection.vendor == "postgresql":
            # As the lookup by day number: outside the supported years, the range's ends.
            moments += [vn(1999, 12, 31, 23, 59, 59), vn(2100, 1, 15, 8, 0, 0)]
            expected += [half_month_bucket(date(2000, 1, 1)), half_month_bucket(date(2099, 12, 31))]
        sql = local_bucket_sql("v.t", shared=True)
        got = [
            self._select(
                f"{bucket_lookup_cte()} SELECT {sql} FROM (SELECT {stored} AS t) v",
                [connection.ops.adapt_datetimefield_value(moment)],
            )[0]
            for moment in moments
        ]
        assert got == expected
        empty = f"{bucket_lookup_cte()} SELECT {sql} FROM (SELECT {stored} AS t) v"
        assert self._select(empty, [None]) == [None]

    def test_a_second_added_moves_a_shared_bucket_at_the_end_of_a_half_month(self):
        stored = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
        sql = local_bucket_sql("v.t", plus_seconds=1, shared=True, not_null=True)
        moment = connection.ops.adapt_datetimefield_value(vn(2023, 5, 31, 23, 59, 59))
        got = self._select(
            f"{bucket_lookup_cte()} SELECT {sql} FROM (SELECT {stored} AS t) v", [moment]
        )
        assert got == [half_month_bucket(date(2023, 6, 1))]

    def test_on_an_earlier_local_day_compares_local_days_not_instants_or_utc_days(self):
        stored = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
        sql = on_an_earlier_local_day_sql("v.a", "v.b")
        pairs = {
            # 14/06 23:59 local is 16:59 UTC on the same UTC day as 15/06 00:30 local.
            (vn(2023, 6, 14, 23, 59), vn(2023, 6, 15, 0, 30)): True,
            (vn(2023, 6, 15, 0, 0), vn(2023, 6, 15, 23, 59, 59)): False,
            (vn(2023, 6, 15, 8, 0), vn(2023, 6, 15, 7, 0)): False,
            (vn(2023, 6, 16, 0, 0), vn(2023, 6, 15, 23, 59, 59)): False,
            (vn(2022, 12, 31, 23, 59, 59), vn(2023, 1, 1, 0, 0)): True,
        }
        adapt = connection.ops.adapt_datetimefield_value
        got = {
            pair: bool(
                self._select(
                    f"SELECT {sql} FROM (SELECT {stored} AS a, {stored} AS b) v",
                    [adapt(pair[0]), adapt(pair[1])],
                )[0]
            )
            for pair in pairs
        }
        assert got == pairs
