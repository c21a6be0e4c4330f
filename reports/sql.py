"""The only database-specific SQL of the KPI engine: local-time buckets and dates, and locks.

Datetimes are stored in UTC (PostgreSQL timestamptz; SQLite text 'YYYY-MM-DD HH:MM:SS[.ffffff]'
in UTC, as Django writes it). The engine needs the *local* calendar date of a datetime, in
Asia/Ho_Chi_Minh (settings.TIME_ZONE). Both shift by the zone's fixed offset:
Vietnam has had UTC+7 without daylight saving since 1975, which `_fixed_offset_seconds` checks
rather than assumes. (PostgreSQL's AT TIME ZONE would work too, but costs about five times more
per row, and the engine's full recompute is measured against one plain aggregate pass.)
"""

from __future__ import annotations

import zlib
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


# PostgreSQL maps local day numbers to buckets through a lookup array over this range; dates
# outside it are clamped to its ends (no real dossier is dated before 2000 or after 2099).
_FIRST_DAY = date(2000, 1, 1)
_LAST_DAY = date(2099, 12, 31)
_EPOCH = date(1970, 1, 1)


def _fixed_offset_seconds() -> int:
    """The zone's UTC offset, checked to be the same in every year of the supported range."""
    zone = ZoneInfo(settings.TIME_ZONE)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(_FIRST_DAY.year, _LAST_DAY.year + 1)
        for month in (1, 4, 7, 10)
    }
    if len(offsets) != 1:
        raise RuntimeError(
            f"The KPI engine needs a time zone without daylight saving, got {settings.TIME_ZONE}"
        )
    offset = offsets.pop() or timedelta(0)
    return int(offset.total_seconds())


def _pg_local_day(column: str, plus_seconds: int = 0) -> str:
    # Whole days since 1970-01-01 in local time. Epoch arithmetic with the fixed offset is about
    # five times faster than AT TIME ZONE + date_part on a million rows; _fixed_offset_seconds
    # proves the offset constant over the supported range.
    shift = _fixed_offset_seconds() + plus_seconds
    return f"((CAST(floor(date_part('epoch', {column})) AS bigint) + {shift}) / 86400)"


def _pg_bucket_array() -> tuple[str, int, int]:
    # Evaluated once per statement (an InitPlan): the bucket of every day of the range.
    first = (_FIRST_DAY - _EPOCH).days
    span = (_LAST_DAY - _FIRST_DAY).days
    day = f"(DATE '{_FIRST_DAY.isoformat()}' + g)"
    bucket = (
        f"CAST(date_part('year', {day}) AS integer) * 24"
        f" + CAST(date_part('month', {day}) AS integer) * 2 - 2"
        f" + CASE WHEN date_part('day', {day}) >= 15 THEN 1 ELSE 0 END"
    )
    return f"(ARRAY(SELECT {bucket} FROM generate_series(0, {span}) g ORDER BY g))", first, span


def local_bucket(column: str, *, plus_seconds: int = 0) -> str:
    """SQL for the half-month bucket (periods.half_month_bucket) of a datetime column's local
    date, after adding `plus_seconds`. NULL stays NULL."""
    if is_postgres():
        array, first, span = _pg_bucket_array()
        day = _pg_local_day(column, plus_seconds)
        # LEAST/GREATEST skip NULLs, hence the CASE: an empty date must stay NULL.
        return (
            f"CASE WHEN {column} IS NULL THEN NULL"
            f" ELSE {array}[LEAST(GREATEST({day} - {first}, 0), {span}) + 1] END"
        )
    modifiers = f"'{_fixed_offset_seconds() + plus_seconds:+d} seconds'"
    ymd = f"CAST(strftime('%%Y%%m%%d', {column}, {modifiers}) AS INTEGER)"
    return f"(({ymd} / 10000) * 24 + (({ymd} / 100) %% 100) * 2 - 2 + (({ymd} %% 100) >= 15))"


def local_date(column: str) -> str:
    """SQL for a value that orders like the local calendar date of a datetime column."""
    if is_postgres():
        return _pg_local_day(column)
    return f"date({column}, '{_fixed_offset_seconds():+d} seconds')"


CELLS_LOCK = 1
FACTS_LOCK = 2


def lock(kind: int, name: str = "") -> None:
    """Serialize the engine's writers of one scope until the transaction ends.

    PostgreSQL: a transaction-level advisory lock. Without it, a full rebuild and a refresh that
    both delete and insert the same cells could each keep the other's inserts (double counts).
    SQLite needs nothing: a write transaction locks the whole database (transaction_mode
    IMMEDIATE in settings).
    """
    if not is_postgres():
        return
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [kind, key])


def tune_for_batch() -> None:
    """For this transaction only: room for the engine's GROUP BYs to hash in memory, and no JIT
    (compiling the queries costs more than it saves at this size)."""
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
