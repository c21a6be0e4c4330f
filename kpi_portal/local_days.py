"""Local days: the one place that turns stored instants into the province's calendar days.

Date-times are stored in UTC (PostgreSQL timestamptz; SQLite text 'YYYY-MM-DD HH:MM:SS[.ffffff]'
in UTC, as Django writes it). The portal counts in whole *local* days, Asia/Ho_Chi_Minh
(settings.TIME_ZONE): a period P = [S, E] runs from S 00:00 to E 23:59:59 (domain.md section 4),
"by E" means before the midnight after E, and a date given without a time means 23:59:59.

A local day is also a *day number*: whole days since 1970-01-01. SQL works with day numbers
(small integers, cheap to group and compare) and Python with dates; `day_number` and
`local_day_sql` are the same function in the two worlds, and the half-month bucket of a day
(kpi_portal.periods.half_month_bucket) has its SQL twin in `bucket_of_day_sql`. Tests check
each SQL form against the Python one, on both databases (tests/test_local_days.py).

The SQL shifts UTC by the zone's fixed offset instead of converting per row with AT TIME ZONE
(about five times cheaper on a million rows): Vietnam has had UTC+7 without daylight saving since
1975, which `utc_offset_seconds` checks over the supported years rather than assumes.
"""

from __future__ import annotations

import functools
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from kpi_portal.db import is_postgres
from kpi_portal.periods import half_month_bucket

EPOCH = date(1970, 1, 1)
# SQL maps day numbers to buckets over this range; days outside it are clamped to its ends (no
# real dossier is dated before 2000 or after 2099).
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
END_OF_DAY = time(23, 59, 59)


# --- Python ---------------------------------------------------------------------------------


def local_midnight(day: date) -> datetime:
    """The first instant of a local day."""
    return timezone.make_aware(datetime.combine(day, time.min))


def end_of_local_day(day: date) -> datetime:
    """23:59:59 of a local day: a date given without a time (a due date), the end of a period."""
    return timezone.make_aware(datetime.combine(day, END_OF_DAY))


def after_local_day(day: date) -> datetime:
    """The midnight that ends a local day: an instant is "by" the day when it is before this."""
    return local_midnight(day + timedelta(days=1))


def day_number(day: date) -> int:
    return (day - EPOCH).days


def date_of_day_number(number: int) -> date:
    return EPOCH + timedelta(days=number)


def local_day_number(moment: datetime) -> int:
    return day_number(timezone.localdate(moment))


@functools.cache
def _offset_of(zone_name: str) -> int:
    zone = ZoneInfo(zone_name)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(FIRST_DAY.year, LAST_DAY.year + 1)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        raise RuntimeError(f"Local days need a time zone without daylight saving, got {zone_name}")
    offset = offsets.pop() or timedelta(0)
    return int(offset.total_seconds())


def utc_offset_seconds() -> int:
    """The zone's UTC offset, checked to be the same in every year of the supported range."""
    return _offset_of(settings.TIME_ZONE)


# --- SQL ------------------------------------------------------------------------------------


def epoch_seconds_sql(column: str) -> str:
    """SQL for the whole seconds since 1970-01-01 UTC of a datetime column (NULL stays NULL)."""
    if is_postgres():
        return f"CAST(floor(date_part('epoch', {column})) AS bigint)"
    return f"CAST(strftime('%%s', {column}) AS INTEGER)"


def local_day_sql(column: str, *, plus_seconds: int = 0) -> str:
    """SQL for the local day number of a datetime column, after adding `plus_seconds`."""
    return day_of_epoch_sql(epoch_seconds_sql(column), plus_seconds=plus_seconds)


def day_of_epoch_sql(seconds: str, *, plus_seconds: int = 0) -> str:
    """SQL for the local day number of an expression in epoch seconds (see epoch_seconds_sql).

    Integer division is floor division here: every supported instant is after 1970."""
    return f"(({seconds}) + {utc_offset_seconds() + plus_seconds}) / 86400"


def on_an_earlier_local_day_sql(moment: str, other: str) -> str:
    """SQL for "the local day of `moment` is before that of `other`" (two datetime columns).

    On PostgreSQL: `moment` is before the local midnight that starts `other`'s day, which
    date_bin() finds by arithmetic on the stored instant, with no day number computed."""
    if is_postgres():
        offset = timedelta(seconds=utc_offset_seconds())
        origin = datetime.combine(FIRST_DAY, time.min, tzinfo=dt_timezone(offset))
        return (
            f"{moment} < date_bin(INTERVAL '1 day', {other},"
            f" TIMESTAMPTZ '{origin.isoformat(sep=' ')}')"
        )
    return f"{local_day_sql(moment)} < {local_day_sql(other)}"


def _pg_bucket_array() -> str:
    # Evaluated once per statement (an InitPlan): the bucket of every day of the range, so each
    # row costs one subscript instead of three date_part calls.
    span = (LAST_DAY - FIRST_DAY).days
    day = f"(DATE '{FIRST_DAY.isoformat()}' + g)"
    bucket = (
        f"CAST(date_part('year', {day}) AS integer) * 24"
        f" + CAST(date_part('month', {day}) AS integer) * 2 - 2"
        f" + CASE WHEN date_part('day', {day}) >= 15 THEN 1 ELSE 0 END"
    )
    return f"(ARRAY(SELECT {bucket} FROM generate_series(0, {span}) g ORDER BY g))"


def _pg_bucket_starts_array() -> str:
    # The first instant (local midnight, in UTC) of every half-month bucket of the range, in
    # order, the first one written -infinity: width_bucket() of an instant in it is then
    # 1 + the number of buckets started after the range's first one, by a binary search, with
    # no day computed, and an instant before the range counts in its first bucket.
    span = (LAST_DAY - FIRST_DAY).days
    day = f"(DATE '{FIRST_DAY.isoformat()}' + g)"
    start = (
        f"TIMESTAMPTZ 'epoch' + (CAST({day} - DATE '{EPOCH.isoformat()}' AS bigint) * 86400"
        f" - {utc_offset_seconds()}) * INTERVAL '1 second'"
    )
    return (
        f"(ARRAY(SELECT CASE WHEN g = 0 THEN TIMESTAMPTZ '-infinity' ELSE {start} END"
        f" FROM generate_series(0, {span}) g"
        f" WHERE date_part('day', {day}) IN (1, 15) ORDER BY g))"
    )


# A statement that computes many buckets names the lookups once (`bucket_lookup_cte`) and passes
# shared=True: each bucket then reads those arrays instead of building its own (about 30 ms
# each on PostgreSQL, for 36,525 days).
BUCKET_LOOKUP = "bucket_days"
BUCKET_STARTS = "bucket_starts"


def bucket_lookup_cte() -> str:
    """A WITH clause (with "WITH", or "" on SQLite) naming the lookups of shared=True buckets."""
    if is_postgres():
        return (
            f"WITH {BUCKET_LOOKUP} (b) AS (SELECT {_pg_bucket_array()}),"
            f" {BUCKET_STARTS} (t) AS (SELECT {_pg_bucket_starts_array()})"
        )
    return ""


def bucket_of_day_sql(day: str, *, shared: bool = False, null_if: str | None = None) -> str:
    """SQL for the half-month bucket (periods.half_month_bucket) of a day-number expression.
    NULL stays NULL. With shared=True the statement must begin with `bucket_lookup_cte()`.

    `null_if` is a cheap condition that holds exactly when `day` is NULL (its column is NULL),
    tested instead of the day expression itself; "" when `day` is never NULL. On PostgreSQL
    that saves computing the day twice per row (local_bucket_sql passes it)."""
    if is_postgres():
        first, span = day_number(FIRST_DAY), (LAST_DAY - FIRST_DAY).days
        lookup = f"(SELECT b FROM {BUCKET_LOOKUP})" if shared else _pg_bucket_array()
        value = f"{lookup}[LEAST(GREATEST(({day}) - {first}, 0), {span}) + 1]"
        if null_if == "":
            return value
        # LEAST/GREATEST skip NULLs, hence the CASE: an empty date must stay NULL.
        return f"CASE WHEN {null_if or f'({day}) IS NULL'} THEN NULL ELSE {value} END"
    ymd = f"CAST(strftime('%%Y%%m%%d', ({day}) * 86400, 'unixepoch') AS INTEGER)"
    return f"(({ymd} / 10000) * 24 + (({ymd} / 100) %% 100) * 2 - 2 + (({ymd} %% 100) >= 15))"


def local_bucket_sql(
    column: str, *, plus_seconds: int = 0, shared: bool = False, not_null: bool = False
) -> str:
    """SQL for the half-month bucket of a datetime column's local day (after `plus_seconds`).
    `not_null`: the column is never NULL in the rows read (no NULL test at all).

    With shared=True on PostgreSQL the instant itself is looked up among the buckets' first
    instants (width_bucket, a binary search of 2,400 values), about three times cheaper than
    its local day number and that day's bucket: a full KPI recompute computes four of these
    per dossier. NULL stays NULL (width_bucket is strict)."""
    if shared and is_postgres():
        moment = f"{column} + INTERVAL '{plus_seconds} seconds'" if plus_seconds else column
        first = half_month_bucket(FIRST_DAY) - 1
        return f"({first} + width_bucket({moment}, (SELECT t FROM {BUCKET_STARTS})))"
    return bucket_of_day_sql(
        local_day_sql(column, plus_seconds=plus_seconds),
        shared=shared,
        null_if="" if not_null else f"{column} IS NULL",
    )
