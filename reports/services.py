"""The KPI engine (writes) and target changes.

How the engine works
--------------------
Domain.md defines every indicator per period P = [S, E] (whole local days). "Handled", "on time"
and "overdue" are not additive over months (a dossier open for a year counts in every month of
it), so facts cannot be summed from monthly counts. But on either basis every standard period
starts on a 1st or a 15th and ends on a 14th or a month's last day: a period is a run of
*half-month buckets* [sb, eb] (kpi_portal.periods). With b(x) the bucket of x's local date, x is
"by E" iff b(x) <= eb and "before S" iff b(x) < sb. The judgement is dossiers.counting's
(`judge()` is the reference), restated on buckets:

* received in P            sb <= b(received) <= eb
* finished in P            sb <= b(finished) <= eb
* handled in P             b(received) <= eb and (unfinished or b(finished) >= sb), and not
                           waiting at E on a request made before S (below)
* finished by E, judged    at finished_at minus any pause completed by then: a class (early, on
                           the due day, late) that no period changes
* not finished by E        with q = b(last request), c = b(its completion):
  - plain (no request by E: q NULL or q > eb): judged at E 23:59:59, overdue iff
    E 23:59:59 > due_at iff eb >= b(due_at + 1 s)
  - waiting (q <= eb, c NULL or c > eb): handled only if q >= sb; judged at the request, overdue
    iff more than one request or requested after due_at: a flag that no period changes
  - paused (c <= eb): judged at E 23:59:59 minus the pause, overdue iff
    eb >= b(due_at + pause + 1 s)
* apology by E             b(issued) <= eb

Facts a file did not give are NULL (unknown, domain.md section 11): such a dossier is counted in
`unknown_*` counters and left out of the indicators that need the fact (reports/indicators.py);
it still counts in on_time and apology. Withdrawn and stopped dossiers (7, 8) are out of
e_result; never-received ones (1, 3) are in no cell.

So the engine works in two steps, both plain SQL:

1. **Cells** (`KpiCell`): one GROUP BY pass over the dossiers by agency, domain, b(received),
   b(finished), how a finish was judged, b(due_at + 1 s), b(apology), and for supplementation
   q, c, the waiting flag and b(due_at + pause + 1 s), with additive counters. Dossiers with
   equal keys behave the same in every period, so a few cells stand for many dossiers. The four
   supplementation keys are NULL without a request, and a request or completion in or after the
   finish's bucket is left out (no period sees the dossier open after it), so dossiers without
   supplementation land in the cells they did before it was read. This pass is most of the cost
   of a full recompute: each key is written so that a dossier without supplementation settles
   it at its first test (on PostgreSQL a bucket is a binary search among the buckets' first
   instants, kpi_portal.local_days), and a full rebuild empties KpiCell with TRUNCATE and
   groups into a temporary table (CREATE TABLE … AS, which PostgreSQL spreads over parallel
   workers, unlike INSERT … SELECT) before the cells are copied into KpiCell.
2. **Facts** (`KpiFact`): cells joined with a small table of periods give each agency's own
   counters per domain and period; joined with the agency tree (materialised path prefix) they
   roll up to every node, and grouped by level to the level groups; a second insert sums the
   domains into the all-domains row. One statement per (basis, year): every condition compares
   a cell's bucket with a period's sb or eb, so a bucket may be written as the last period
   boundary at or before it (lo - 1 before the first), and cells then equal are merged
   (`_cells_within_sql`): the two halves of a month fall together, and so does everything
   before the year. Cells finished before it or received after it are left out. A dossier open
   for years thus costs one merged row per agency and domain in each later year, not one per
   cell: the cost follows the cells of the year, not cells × periods.

Custom ranges are not stored. A range of whole half-months is the facts statement's `own` for
that one range, read from the cells (`kpi_own_counters_from_cells`); any other range is counted
from the dossiers with dossiers.counting's ORM form (reports.selectors.kpi_own_counters_for_range).

Refresh after an import: `dossiers` records the (agency, month) cells it touched in
`TouchedCell`. `kpi_refresh_touched` drains them: it rebuilds the cells of those agencies for
dossiers received in those months (a cell belongs to the month of its receipt, and every
touched dossier's old and new month of receipt are touched), then recomputes the facts of every
standard period that overlaps a touched month.

Safety: a period's facts are deleted and inserted in one transaction (readers see the old or the
new rows, never a mix). Writers of the same cells or periods take the same lock
(CELLS_LOCK, FACTS_LOCK).
Everything is recomputed from its sources, so any task can run twice.

Which periods exist (the "universe"): every standard period of either basis that overlaps the
days from the first receipt in the database to today (or the last receipt or finish, if later).
`KpiPeriod` lists the computed ones, with the time they were computed. A full recompute reads it
from the cells it has just written and the never-received dossiers (`_kpi_universe_from_cells`),
other callers from the dossiers (`kpi_universe`): the same periods.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet
from django.utils import timezone

from agencies.models import Agency, AgencyLevel, Procedure
from dossiers.counting import clock_sql
from dossiers.models import NEVER_RECEIVED_STATUSES, Apology, Channel, Dossier, TouchedCell
from kpi_portal.db import advisory_xact_lock, is_postgres, lock_key, tune_for_batch
from kpi_portal.local_days import (
    after_local_day,
    bucket_lookup_cte,
    bucket_of_day_sql,
    day_of_epoch_sql,
    local_bucket_sql,
    local_day_sql,
    local_midnight,
    on_an_earlier_local_day_sql,
)
from kpi_portal.periods import (
    Basis,
    Period,
    bucket_first_day,
    bucket_last_day,
    half_month_bucket,
    month_bounds,
    standard_periods_overlapping,
)
from reports.models import (
    FACT_COUNTERS,
    Indicator,
    KpiCell,
    KpiFact,
    KpiPeriod,
    KpiRun,
    KpiRunKind,
    Target,
    TargetChange,
)

logger = logging.getLogger(__name__)

LEVEL_GROUP_LEVELS = (AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT, AgencyLevel.COMMUNE)


# Writers of the cells, and of each (basis, year) of facts, take these transaction locks.
# Without them, a full rebuild and a refresh that both delete and insert the same cells could each
# keep the other's inserts (double counts).
CELLS_LOCK = 1
FACTS_LOCK = 2


def _lock(kind: int, name: str = "") -> None:
    advisory_xact_lock(kind, lock_key(name))


@dataclass(frozen=True)
class RefreshResult:
    touched: int
    cells: int
    periods: int


# --- Step 1: cells ----------------------------------------------------------------------------


def _quoted(model: type, *fields: str) -> str:
    return ", ".join(connection.ops.quote_name(model._meta.get_field(f).column) for f in fields)


_CELL_COLUMNS = (
    "agency",
    "domain",
    "received_bucket",
    "finished_bucket",
    "finish_class",
    "overdue_from_bucket",
    "apology_bucket",
    "requested_bucket",
    "completed_bucket",
    "waiting_late",
    "paused_overdue_from_bucket",
    "dossiers",
    "online",
    "digitized",
    "with_fee",
    "paid_online",
    "paper_result",
    "paper_e_result",
    "unknown_channel",
    "unknown_components",
    "unknown_payment",
    "unknown_e_result",
)


def _cells_select_sql(where: str) -> str:
    """SELECT (with its WITH clause) that groups the dossiers matching `where` (alias d) into
    cells, one output column per KpiCell column of _CELL_COLUMNS, named as that column.

    Every key is written so that a dossier without supplementation (most of them) settles each
    CASE at its first test and computes each local day once: PostgreSQL evaluates every
    expression as written (no common subexpressions), and these expressions are most of the
    cost of a full recompute. received_at and due_at are never NULL in a counted dossier
    (dossier_received_and_due_unless_never_received), so their buckets test nothing.
    """
    q = connection.ops.quote_name
    clock = clock_sql("d")
    no_supplement = "d.supplement_requested_at IS NULL"
    # Without a completed request (supplement_completed_at NULL) nothing is paused: judged at
    # finished_at itself (clock.finish_late and finish_judged then reduce to this).
    finish_class = (
        "CASE WHEN d.finished_at IS NULL THEN NULL"
        " WHEN d.supplement_completed_at IS NULL THEN"
        " (CASE WHEN d.finished_at > d.due_at THEN 2"
        f" WHEN {on_an_earlier_local_day_sql('d.finished_at', 'd.due_at')} THEN 0"
        " ELSE 1 END)"
        f" WHEN {clock.finish_late} THEN 2"
        f" WHEN {day_of_epoch_sql(clock.finish_judged)} < {local_day_sql('d.due_at')} THEN 0"
        " ELSE 1 END"
    )
    finished_bucket = local_bucket_sql("d.finished_at", shared=True)
    requested = bucket_of_day_sql(
        day_of_epoch_sql(clock.requested), shared=True, null_if=no_supplement
    )
    completed = bucket_of_day_sql(day_of_epoch_sql(clock.completed), shared=True)
    paused_from = bucket_of_day_sql(
        day_of_epoch_sql(f"{clock.due_seconds} + {clock.pause}", plus_seconds=1), shared=True
    )

    # A request or completion in or after the finish's bucket is never seen by a period in which
    # the dossier is open at its end: leave it out, so that the dossier shares its cell. Most
    # dossiers have no request: the first test settles them without computing any bucket.
    def before_finish(bucket: str, value: str) -> str:
        return (
            f"CASE WHEN {no_supplement} THEN NULL"
            f" WHEN d.finished_at IS NOT NULL AND {bucket} >= {finished_bucket} THEN NULL"
            f" ELSE {value} END"
        )

    requested_bucket = before_finish(requested, requested)
    completed_bucket = before_finish(completed, completed)
    # Keys that cannot change a count are written as one value, so that fewer cells differ:
    # the waiting flag of a dossier never waiting at a bucket's end (completed in the request's
    # bucket); a shifted "overdue from" before the completion (overdue in every paused period)
    # or from the finish on (in none of them).
    waiting_late = before_finish(
        requested,
        f"CASE WHEN {completed} = {requested} THEN NULL"
        f" WHEN {clock.waiting_late} THEN 1 ELSE 0 END",
    )
    paused_overdue_from = before_finish(
        completed,
        f"CASE WHEN d.finished_at IS NOT NULL AND {paused_from} >= {finished_bucket} THEN NULL"
        f" WHEN {paused_from} < {completed} THEN {completed} ELSE {paused_from} END",
    )
    # The plain "overdue from" matters only before the request's bucket: from it on, one value.
    overdue_from = local_bucket_sql("d.due_at", plus_seconds=1, shared=True, not_null=True)
    overdue_from = (
        f"CASE WHEN {no_supplement} THEN {overdue_from}"
        f" WHEN {requested_bucket} IS NOT NULL AND {overdue_from} > {requested_bucket}"
        f" THEN {requested_bucket} ELSE {overdue_from} END"
    )
    with_result = f"NOT {clock.ended_without_result}"
    paper = f"p.paper_result AND {with_result}"

    def flag(condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    keys = [
        "d.agency_id",
        "p.domain_id",
        local_bucket_sql("d.received_at", shared=True, not_null=True),
        finished_bucket,
        finish_class,
        overdue_from,
        local_bucket_sql("a.issued_at", shared=True),
        requested_bucket,
        completed_bucket,
        waiting_late,
        paused_overdue_from,
    ]
    flags = [
        flag(f"d.channel = '{Channel.ONLINE.value}'"),
        flag("d.components_digitized = d.components_total"),
        flag("d.fee > 0 AND d.paid_online IS NOT NULL"),
        flag("d.fee > 0 AND d.paid_online"),
        flag(f"{paper} AND d.e_result IS NOT NULL"),
        flag(f"{paper} AND d.e_result"),
        flag("d.channel IS NULL"),
        flag("d.components_total IS NULL"),
        flag("d.fee IS NULL OR (d.fee > 0 AND d.paid_online IS NULL)"),
        flag(f"{paper} AND d.e_result IS NULL"),
    ]
    names = [KpiCell._meta.get_field(name).column for name in _CELL_COLUMNS]
    key_names, count_name, flag_names = names[: len(keys)], names[len(keys)], names[len(keys) + 1 :]
    per_dossier = ",\n                   ".join(
        f"{value} AS {q(name)}"
        for value, name in zip([*keys, *flags], [*key_names, *flag_names], strict=True)
    )
    # OFFSET 0 keeps the per-dossier SELECT a separate step (PostgreSQL would otherwise merge
    # it and evaluate the flags where the rows are grouped): its rows, keys and flags, are
    # computed by the parallel workers, and the grouping only adds integers.
    fence = " OFFSET 0" if is_postgres() else ""
    grouped = ", ".join(q(name) for name in key_names)
    sums = ", ".join(f"SUM({q(name)}) AS {q(name)}" for name in flag_names)
    return f"""
        {bucket_lookup_cte()}
        SELECT {grouped}, COUNT(*) AS {q(count_name)}, {sums}
        FROM (
            SELECT {per_dossier}
            FROM {q(Dossier._meta.db_table)} d
            JOIN {q(Procedure._meta.db_table)} p ON p.id = d.procedure_id
            LEFT JOIN {q(Apology._meta.db_table)} a ON a.dossier_id = d.id
            WHERE {clock.counted} AND {where}{fence}
        ) per_dossier
        GROUP BY {grouped}
    """


def _execute(statement: str, params: list | None = None) -> int:
    # Always pass a list: Django's SQLite wrapper only turns %% into % when params are given.
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


# The cells of a full rebuild are grouped into this temporary table first (PostgreSQL).
_CELLS_STAGING = "kpi_cells_staging"


def _cells_insert(where: str, params: list | None = None, *, parallel: bool = False) -> int:
    """Group the dossiers matching `where` into new KpiCell rows; returns how many.

    With `parallel` (a full rebuild, on PostgreSQL) the grouping runs as CREATE TEMPORARY
    TABLE … AS SELECT, which PostgreSQL may spread over parallel workers (it never does for
    INSERT … SELECT): the workers compute the keys, most of the cost. The cells are then
    copied into KpiCell, a few tens of thousands of rows.
    """
    q = connection.ops.quote_name
    columns = _quoted(KpiCell, *_CELL_COLUMNS)
    select = _cells_select_sql(where)
    if not is_postgres():
        return _execute(f"INSERT INTO {q(KpiCell._meta.db_table)} ({columns}) {select}", params)
    # PostgreSQL expects about one cell per dossier and sorts them all (on disk, a third of a
    # full recompute at 1,000,000 dossiers); cells are about 20 dossiers each, which hashing
    # groups in memory.
    _execute("SET LOCAL enable_sort = off")
    if parallel:
        _execute(f"DROP TABLE IF EXISTS {_CELLS_STAGING}")
        _execute(f"CREATE TEMPORARY TABLE {_CELLS_STAGING} ON COMMIT DROP AS {select}", params)
        written = _execute(
            f"INSERT INTO {q(KpiCell._meta.db_table)} ({columns})"
            f" SELECT {columns} FROM {_CELLS_STAGING}"
        )
        _execute(f"DROP TABLE {_CELLS_STAGING}")
    else:
        written = _execute(f"INSERT INTO {q(KpiCell._meta.db_table)} ({columns}) {select}", params)
    _execute("SET LOCAL enable_sort = DEFAULT")
    return written


def _cells_rebuild_all() -> int:
    if is_postgres():
        # Not DELETE: the old cells would stay as dead rows that every facts statement of this
        # recompute scans again (eight scans of twice the table), until a VACUUM. TRUNCATE
        # locks the cells until the rebuild commits: a custom range read from them waits
        # (a few seconds at 3,000,000 dossiers); pages read facts, which it does not touch.
        _execute(f"TRUNCATE {connection.ops.quote_name(KpiCell._meta.db_table)}")
    else:
        KpiCell.objects.all().delete()
    return _cells_insert("1 = 1", parallel=True)


def _cells_rebuild_months(months: dict[date, set[int]]) -> int:
    """Rebuild the cells of the given agencies' dossiers received in each calendar month."""
    written = 0
    adapt = connection.ops.adapt_datetimefield_value
    for month, agency_ids in sorted(months.items()):
        first, last = month_bounds(month)
        buckets = (half_month_bucket(first), half_month_bucket(last))
        ids = sorted(agency_ids)
        KpiCell.objects.filter(agency_id__in=ids, received_bucket__in=buckets).delete()
        placeholders = ", ".join(["%s"] * len(ids))
        written += _cells_insert(
            f"d.agency_id IN ({placeholders}) AND d.received_at >= %s AND d.received_at < %s",
            [
                *ids,
                adapt(local_midnight(first)),
                adapt(after_local_day(last)),
            ],
        )
    return written


# --- Step 2: facts ----------------------------------------------------------------------------

# Conditions on a cell c joined to a period p (p.sb, p.eb); the join itself is "handled in P".
# A NULL bucket compares as unknown, which CASE WHEN reads as false.
_FINISHED_BY_END = "c.finished_bucket <= p.eb"
_OPEN_AT_END = "(c.finished_bucket IS NULL OR c.finished_bucket > p.eb)"
# Not finished by E, by the supplementation dates (dossiers.counting's three states):
_PLAIN = "(c.requested_bucket IS NULL OR c.requested_bucket > p.eb)"  # no request by E
_WAITING = (  # requested by E, not completed by E: judged at the request
    "(c.requested_bucket <= p.eb AND (c.completed_bucket IS NULL OR c.completed_bucket > p.eb))"
)
_PAUSED = "c.completed_bucket <= p.eb"  # completed by E: judged at E minus the pause
_OPEN_OVERDUE = (
    f"({_OPEN_AT_END} AND (({_PLAIN} AND c.overdue_from_bucket <= p.eb)"
    f" OR ({_WAITING} AND c.waiting_late = 1)"
    f" OR ({_PAUSED} AND c.paused_overdue_from_bucket <= p.eb)))"
)
_OVERDUE = f"(({_FINISHED_BY_END} AND c.finish_class = 2) OR {_OPEN_OVERDUE})"
# Handled in P besides the join's "received by E, not finished before S": not waiting at E on a
# request made before S (the dossier is with the applicant).
_NOT_WAITING_SINCE_BEFORE_START = (
    "(c.requested_bucket IS NULL OR c.requested_bucket >= p.sb"
    f" OR {_FINISHED_BY_END} OR c.completed_bucket <= p.eb)"
)
_RECEIVED = "c.received_bucket >= p.sb"

# fact counter -> (condition on c and p, cell counter summed when it holds)
_FACT_SQL: dict[str, tuple[str, str]] = {
    "received": (_RECEIVED, "dossiers"),
    "received_online": (_RECEIVED, "online"),
    "digitized": (_RECEIVED, "digitized"),
    "with_fee": (_RECEIVED, "with_fee"),
    "paid_online": (_RECEIVED, "paid_online"),
    "handled": ("1 = 1", "dossiers"),
    "carried_over": ("c.received_bucket < p.sb", "dossiers"),
    "finished": (_FINISHED_BY_END, "dossiers"),
    "finished_early": (f"{_FINISHED_BY_END} AND c.finish_class = 0", "dossiers"),
    "finished_late": (f"{_FINISHED_BY_END} AND c.finish_class = 2", "dossiers"),
    "finished_paper": (_FINISHED_BY_END, "paper_result"),
    "finished_paper_e": (_FINISHED_BY_END, "paper_e_result"),
    "open_overdue": (_OPEN_OVERDUE, "dossiers"),
    "apologized": (f"c.apology_bucket <= p.eb AND {_OVERDUE}", "dossiers"),
    "unknown_channel": (_RECEIVED, "unknown_channel"),
    "unknown_components": (_RECEIVED, "unknown_components"),
    "unknown_payment": (_RECEIVED, "unknown_payment"),
    "unknown_e_result": (_FINISHED_BY_END, "unknown_e_result"),
}
assert tuple(_FACT_SQL) == FACT_COUNTERS


# Cell columns that hold a bucket: _FACT_SQL and the join compare each only with p.sb or p.eb.
_CELL_BUCKETS = (
    "received_bucket",
    "finished_bucket",
    "overdue_from_bucket",
    "apology_bucket",
    "requested_bucket",
    "completed_bucket",
    "paused_overdue_from_bucket",
)
_CELL_COUNTERS = tuple(dict.fromkeys(counter for _, counter in _FACT_SQL.values()))


def _bucket_grain_sql(column: str, cuts: list[int]) -> str:
    """SQL for the bucket in `column` written as the last cut at or before it: lo - 1 before the
    first cut lo, the last cut (hi + 1) from it on. NULL stays NULL."""
    lo, last = cuts[0], cuts[-1]
    if is_postgres():
        # One subscript per row: each bucket of [lo, last) and the cut it falls after.
        grain = [max(cut for cut in cuts if cut <= bucket) for bucket in range(lo, last)]
        lookup = f"('{{{','.join(map(str, grain))}}}'::integer[])[{column} - {lo - 1}]"
        return (
            f"CASE WHEN {column} < {lo} THEN {lo - 1}"
            f" WHEN {column} >= {last} THEN {last} ELSE {lookup} END"
        )
    steps = " ".join(
        f"WHEN {column} < {cut} THEN {below}"
        for below, cut in zip([lo - 1, *cuts], cuts, strict=False)
    )
    return f"CASE {steps} WHEN {column} IS NOT NULL THEN {last} END"


def _cells_within_sql(bounds: list[tuple[int, int]]) -> str:
    """SELECT of the cells as the periods with these buckets (sb, eb) see them, merged.

    Every condition compares a cell's bucket x with a period's sb or eb only (x >= sb, x < sb,
    x <= eb, x > eb), so x may be written as the last *cut* at or before it, the cuts being every
    sb and every eb + 1: x and that cut lie on the same side of each sb and eb. Before the first
    cut (lo) x is written lo - 1. Cells then equal are summed into one; cells finished before lo
    or received after the last eb are in no period.

    This is what keeps the cost from growing with cells × periods. A dossier open for years has
    one receipt bucket per year before lo, so in a later year the open cells of an agency and
    domain merge into a few rows, and a year after the last receipt costs little. Within the
    year, every period of a basis starts where a month of it starts, so the two halves of each
    month (calendar; 15th to 14th on the reporting basis) fall together, and a custom range of
    whole half-months (one period) keeps one bucket value for everything inside it.
    """
    q = connection.ops.quote_name
    cuts = sorted({int(sb) for sb, _ in bounds} | {int(eb) + 1 for _, eb in bounds})
    lo, hi = cuts[0], cuts[-1] - 1
    grained = [_bucket_grain_sql(f"c.{column}", cuts) for column in _CELL_BUCKETS]
    keys = ["c.agency_id", "c.domain_id", "c.finish_class", "c.waiting_late", *grained]
    names = ["agency_id", "domain_id", "finish_class", "waiting_late", *_CELL_BUCKETS]
    selected = ", ".join(f"{key} AS {name}" for key, name in zip(keys, names, strict=True))
    sums = ", ".join(f"SUM(c.{counter}) AS {counter}" for counter in _CELL_COUNTERS)
    return f"""
        SELECT {selected}, {sums}
        FROM {q(KpiCell._meta.db_table)} c
        WHERE c.received_bucket <= {hi}
          AND (c.finished_bucket IS NULL OR c.finished_bucket >= {lo})
        GROUP BY {", ".join(keys)}
    """


def _own_ctes_sql(bounds: list[tuple[int, int]]) -> str:
    """The CTEs `cells` and `own` after a `periods (n, …, sb, eb)` CTE whose buckets are
    `bounds`: each agency's own counters per domain and period number, from the cells merged
    as those periods see them."""
    own_sums = ",\n".join(
        f"SUM(CASE WHEN {condition} THEN c.{cell_counter} ELSE 0 END) AS {name}"
        for name, (condition, cell_counter) in _FACT_SQL.items()
    )
    return f"""
        cells AS ({_cells_within_sql(bounds)}),
        own AS (
            SELECT c.agency_id, c.domain_id, p.n, {own_sums}
            FROM cells c
            -- "+ 0": scan the cells once against the few periods, not the (agency, bucket)
            -- index once per period (PostgreSQL otherwise picks that, several times slower).
            JOIN periods p
              ON c.received_bucket + 0 <= p.eb
             AND (c.finished_bucket IS NULL OR c.finished_bucket >= p.sb)
             AND {_NOT_WAITING_SINCE_BEFORE_START}
            GROUP BY c.agency_id, c.domain_id, p.n
        )
    """


def _facts_insert_sql(bounds: list[tuple[int, int]]) -> str:
    """INSERT … SELECT of the per-domain facts of the periods, for every node and level group.

    `bounds` are the periods' buckets (sb, eb), in the order of their parameters. `own` is each
    agency's own counters per domain and period (the merged cells × periods,
    `_cells_within_sql`); it is grouped by a small period number, and the period's code and
    dates are joined back at the end.
    """
    q = connection.ops.quote_name
    fact_table = q(KpiFact._meta.db_table)
    agency_table = q(Agency._meta.db_table)
    fact_columns = _quoted(
        KpiFact,
        "scope",
        "agency",
        "domain",
        "basis",
        "period",
        "start_date",
        "end_date",
        *FACT_COUNTERS,
        "computed_at",
    )
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s)"] * len(bounds))
    rolled = ", ".join(f"SUM(own.{name})" for name in FACT_COUNTERS)
    period_columns = "p.basis, p.period, p.start_day, p.end_day"
    groups = ", ".join(f"'{level.value}'" for level in LEVEL_GROUP_LEVELS)
    return f"""
        WITH periods (n, basis, period, start_day, end_day, sb, eb) AS (VALUES {values}),
        {_own_ctes_sql(bounds)}
        INSERT INTO {fact_table} ({fact_columns})
        SELECT anc.code, anc.id, own.domain_id, {period_columns}, {rolled}, %s
        FROM own
        JOIN periods p ON p.n = own.n
        JOIN {agency_table} a ON a.id = own.agency_id
        JOIN {agency_table} anc ON substr(a.path, 1, length(anc.path)) = anc.path
        GROUP BY anc.id, anc.code, own.domain_id, {period_columns}
        UNION ALL
        SELECT 'level:' || a.level, NULL, own.domain_id, {period_columns}, {rolled}, %s
        FROM own
        JOIN periods p ON p.n = own.n
        JOIN {agency_table} a ON a.id = own.agency_id
        WHERE a.level IN ({groups})
        GROUP BY a.level, own.domain_id, {period_columns}
    """


def _facts_totals_sql(period_count: int) -> str:
    """INSERT … SELECT that sums the per-domain facts of the periods into all-domains rows."""
    q = connection.ops.quote_name
    fact_table = q(KpiFact._meta.db_table)
    values = ", ".join(["(%s, %s)"] * period_count)
    keys = [
        "f." + q(KpiFact._meta.get_field(name).column)
        for name in ("scope", "agency", "basis", "period", "start_date", "end_date")
    ]
    sums = ", ".join(f"SUM(f.{q(name)})" for name in FACT_COUNTERS)
    columns = _quoted(
        KpiFact,
        "scope",
        "agency",
        "basis",
        "period",
        "start_date",
        "end_date",
        "domain",
        *FACT_COUNTERS,
        "computed_at",
    )
    return f"""
        WITH periods (basis, period) AS (VALUES {values})
        INSERT INTO {fact_table} ({columns})
        SELECT {", ".join(keys)}, NULL, {sums}, MAX(f.{q("computed_at")})
        FROM {fact_table} f
        JOIN periods p ON p.basis = f.basis AND p.period = f.period
        WHERE f.domain_id IS NOT NULL
        GROUP BY {", ".join(keys)}
    """


def _facts_rebuild(periods: list[Period], computed_at: datetime) -> int:
    """Replace the facts of these standard periods (call inside a transaction, locks held)."""
    if not periods:
        return 0
    by_basis: dict[str, list[str]] = defaultdict(list)
    for period in periods:
        by_basis[period.basis.value].append(period.code)
    for basis, codes in by_basis.items():
        KpiFact.objects.filter(basis=basis, period__in=codes).delete()
        KpiPeriod.objects.filter(basis=basis, period__in=codes).delete()
    adapt_date = connection.ops.adapt_datefield_value
    adapt_time = connection.ops.adapt_datetimefield_value
    stamp = adapt_time(computed_at)
    # One statement per (basis, year): its periods span one year's buckets, so the cells
    # outside them merge (_cells_within_sql).
    by_group: dict[tuple[str, int], list[Period]] = defaultdict(list)
    for period in periods:
        by_group[_group_key(period)].append(period)
    written = 0
    for group in by_group.values():
        params: list = []
        for number, period in enumerate(group):
            params += [
                number,
                period.basis.value,
                period.code,
                adapt_date(period.start),
                adapt_date(period.end),
                period.start_bucket,
                period.end_bucket,
            ]
        bounds = [(period.start_bucket, period.end_bucket) for period in group]
        written += _execute(_facts_insert_sql(bounds), [*params, stamp, stamp])
    pairs = [value for p in periods for value in (p.basis.value, p.code)]
    written += _execute(_facts_totals_sql(len(periods)), pairs)
    KpiPeriod.objects.bulk_create(
        KpiPeriod(
            basis=p.basis.value,
            period=p.code,
            kind=p.kind.value,
            start_date=p.start,
            end_date=p.end,
            computed_at=computed_at,
        )
        for p in periods
    )
    return written


def kpi_cells_current() -> bool:
    """Whether the cells hold every dossier as stored: a full rebuild has run and no import or
    apology has touched cells that still wait for a refresh."""
    return (
        KpiRun.objects.filter(kind=KpiRunKind.FULL_CELLS).exists()
        and not TouchedCell.objects.exists()
    )


def kpi_cells_computed_at() -> datetime | None:
    """When the cells were last written (a full rebuild or a refresh)."""
    return (
        KpiRun.objects.filter(kind__in=[KpiRunKind.FULL_CELLS, KpiRunKind.REFRESH])
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def kpi_own_counters_from_cells(
    *, start_bucket: int, end_bucket: int, domain_id: int | None = None
) -> dict[tuple[int, int], dict[str, int]]:
    """Each agency's own counters per domain for the half-month buckets [start_bucket,
    end_bucket], read from the cells: what a standard period's facts are made of, for a range of
    whole half-months that no standard period covers (a custom range). Writes nothing.

    The cost follows the cells, not the dossiers (docs/benchmarks.md, ten million dossiers).
    Exact only while the cells are current (`kpi_cells_current`).
    """
    names = ", ".join(f"own.{name}" for name in FACT_COUNTERS)
    where = "" if domain_id is None else "WHERE own.domain_id = %s"
    statement = f"""
        WITH periods (n, sb, eb) AS (VALUES (0, %s, %s)),
        {_own_ctes_sql([(start_bucket, end_bucket)])}
        SELECT own.agency_id, own.domain_id, {names} FROM own {where}
    """
    params = [start_bucket, end_bucket] + ([] if domain_id is None else [domain_id])
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    return {
        (agency_id, row_domain): dict(zip(FACT_COUNTERS, map(int, counts), strict=True))
        for agency_id, row_domain, *counts in rows
    }


# --- Which periods exist ----------------------------------------------------------------------


def kpi_universe() -> list[Period]:
    """Every standard period, on both bases, from the first receipt to today or the last date."""
    firsts, lasts = _dossier_span(Dossier.objects.all())
    return _periods_between(firsts, lasts) if firsts else []


def _kpi_universe_from_cells() -> list[Period]:
    """kpi_universe(), while the cells hold every counted dossier (a full rebuild has just
    written them): their buckets, and the dates of the never-received dossiers, which are in no
    cell (a partial index holds them), instead of a scan of every dossier. Periods start and
    end on bucket bounds, so a date's bucket opens the same periods as the date."""
    cells = KpiCell.objects.aggregate(
        first=Min("received_bucket"),
        last_received=Max("received_bucket"),
        last_finished=Max("finished_bucket"),
    )
    firsts, lasts = _dossier_span(Dossier.objects.filter(status__in=NEVER_RECEIVED_STATUSES))
    if cells["first"] is not None:
        firsts.append(bucket_first_day(cells["first"]))
    lasts += [bucket_last_day(cells[name]) for name in _SPAN_LASTS if cells[name] is not None]
    return _periods_between(firsts, lasts) if firsts else []


_SPAN_LASTS = ("last_received", "last_finished")


def _dossier_span(dossiers: QuerySet[Dossier]) -> tuple[list[date], list[date]]:
    """The local days of these dossiers' first receipt, and of their last receipt and last
    finish, each as a list that is empty when no dossier has the date."""
    span = dossiers.aggregate(
        first=Min("received_at"), last_received=Max("received_at"), last_finished=Max("finished_at")
    )
    firsts, lasts = [span["first"]], [span[name] for name in _SPAN_LASTS]
    return (
        [timezone.localdate(value) for value in firsts if value is not None],
        [timezone.localdate(value) for value in lasts if value is not None],
    )


def _periods_between(firsts: list[date], lasts: list[date]) -> list[Period]:
    first = min(firsts)
    # Up to today too: a dossier still open is handled (and maybe overdue) in every period
    # until it finishes, even when nothing newer has been imported.
    last = max([*lasts, timezone.localdate()])
    return [
        period for basis in Basis for period in standard_periods_overlapping(first, last, basis)
    ]


def _group_key(period: Period) -> tuple[str, int]:
    return (period.basis.value, period.year)


def _lock_fact_groups(periods: Iterable[Period]) -> None:
    # Always in sorted order, after the cells lock: no two writers can wait on each other.
    for basis, year in sorted({_group_key(p) for p in periods}):
        _lock(FACTS_LOCK, f"{basis}:{year}")


def _drop_periods_outside(universe: list[Period]) -> None:
    keep = {(p.basis.value, p.code) for p in universe}
    stale = [
        (basis, code)
        for basis, code in KpiPeriod.objects.values_list("basis", "period")
        if (basis, code) not in keep
    ]
    for basis, code in stale:
        KpiFact.objects.filter(basis=basis, period=code).delete()
        KpiPeriod.objects.filter(basis=basis, period=code).delete()


def _record_run(kind: str, started_at: datetime, detail: str = "", **counts: int) -> None:
    KpiRun.objects.create(
        kind=kind, detail=detail[:255], started_at=started_at, finished_at=timezone.now(), **counts
    )


# --- Public services --------------------------------------------------------------------------


def kpi_full_recompute(
    *, enqueue: Callable[[str, int], None] | None = None
) -> list[tuple[str, int]]:
    """Rebuild every cell from the dossiers, then the facts of every period of the universe.

    The facts are split by (basis, year). With `enqueue`, each group is handed to it after the
    cells commit (the Celery task passes `kpi_periods_recompute_task.delay`, so several workers
    share the work); without it, the groups are computed here, one transaction each, one per
    database core at a time on PostgreSQL (`_recompute_groups_here`). Returns the (basis, year)
    groups.
    """
    started_at = timezone.now()
    with transaction.atomic():
        _lock(CELLS_LOCK)
        tune_for_batch()
        # A full rebuild covers everything touched so far.
        TouchedCell.objects.filter(created_at__lte=started_at).delete()
        cells = _cells_rebuild_all()
        universe = _kpi_universe_from_cells()
        _lock_fact_groups(universe)
        _drop_periods_outside(universe)
        _record_run(KpiRunKind.FULL_CELLS, started_at, cells=cells)
        groups = sorted({_group_key(p) for p in universe})
        if enqueue is not None:
            for basis, year in groups:
                transaction.on_commit(lambda b=basis, y=year: enqueue(b, y))
    if enqueue is None:
        _recompute_groups_here(groups, universe)
    logger.info("KPI full recompute: %s cells, %s period groups", cells, len(groups))
    return groups


def _recompute_groups_here(groups: list[tuple[str, int]], universe: list[Period]) -> None:
    """Compute the facts of these (basis, year) groups in this process, each in its own
    transaction, as the Celery tasks would (`universe` is the one read with the cells: reading
    it again per group is a scan of the dossiers each time, finished_at has no index).

    On PostgreSQL, and outside any transaction (where other connections see the cells just
    committed), as many groups as the database has cores (settings.KPI_DB_CORES) run at once in
    threads, each with its own connection: the groups touch disjoint facts under their own
    locks, and each statement runs in one server process. Inside a transaction (a test, a
    caller's atomic block) they run one after the other on this connection.
    """
    at_once = min(settings.KPI_DB_CORES, len(groups))
    if not is_postgres() or connection.in_atomic_block or at_once < 2:
        for basis, year in groups:
            kpi_periods_recompute(basis=basis, year=year, universe=universe)
        return

    def recompute(basis: str, year: int) -> None:
        try:
            kpi_periods_recompute(basis=basis, year=year, universe=universe)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        for done in [pool.submit(recompute, basis, year) for basis, year in groups]:
            done.result()


def kpi_periods_recompute(*, basis: str, year: int, universe: list[Period] | None = None) -> int:
    """Recompute from the cells the facts of every period of the universe of this basis and year.

    `universe` is kpi_universe(), when the caller has just read it. Returns the number of
    periods written.
    """
    started_at = timezone.now()
    with transaction.atomic():
        _lock(FACTS_LOCK, f"{basis}:{year}")
        tune_for_batch()
        if universe is None:
            universe = kpi_universe()
        periods = [p for p in universe if _group_key(p) == (basis, year)]
        facts = _facts_rebuild(periods, timezone.now())
        _record_run(
            KpiRunKind.PERIODS,
            started_at,
            detail=f"{basis} {year}",
            periods=len(periods),
            facts=facts,
        )
    return len(periods)


# A full recompute commits its cells, then each (basis, year) of facts in its own task. If those
# have not caught up this long after the cells (a worker killed, a lost task), the next refresh
# recomputes the periods left behind.
FULL_RECOMPUTE_CATCH_UP = timedelta(minutes=10)


def _periods_behind_cells(stale_after: timedelta) -> set[tuple[str, str]]:
    """(basis, period) whose facts predate the last full rebuild of the cells by more than
    `stale_after`: their recompute was lost (docs/reliability.md)."""
    last_cells = (
        KpiRun.objects.filter(kind=KpiRunKind.FULL_CELLS)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    if last_cells is None or timezone.now() - last_cells < stale_after:
        return set()
    return set(KpiPeriod.objects.filter(computed_at__lt=last_cells).values_list("basis", "period"))


def kpi_refresh_touched(*, stale_after: timedelta = FULL_RECOMPUTE_CATCH_UP) -> RefreshResult:
    """Drain `TouchedCell`: rebuild the touched cells and the facts of the periods they overlap.

    The drained rows are deleted first, in the same transaction, and only those not re-touched
    since they were read (created_at not newer than the snapshot). An import that touches the
    same cell meanwhile either commits before (its dossiers are then read here) or bumps the
    row's created_at, which keeps the row for the next drain.
    If the engine has never run a full recompute, this runs one instead. Periods whose facts
    are older than the last full rebuild of the cells (by `stale_after`) are recomputed too: a
    full recompute killed between its cells and its facts is completed here.
    """
    if not KpiRun.objects.filter(kind=KpiRunKind.FULL_CELLS).exists():
        groups = kpi_full_recompute()
        return RefreshResult(touched=0, cells=KpiCell.objects.count(), periods=len(groups))
    started_at = timezone.now()
    with transaction.atomic():
        _lock(CELLS_LOCK)
        tune_for_batch()
        touched = list(TouchedCell.objects.values_list("id", "agency_id", "month", "created_at"))
        universe = kpi_universe()
        computed = set(KpiPeriod.objects.values_list("basis", "period"))
        missing = [p for p in universe if (p.basis.value, p.code) not in computed]
        behind = _periods_behind_cells(stale_after)
        if not touched and not missing and not behind and len(computed) == len(universe):
            return RefreshResult(touched=0, cells=0, periods=0)
        snapshot = max((row[3] for row in touched), default=started_at)
        TouchedCell.objects.filter(
            id__in=[row[0] for row in touched], created_at__lte=snapshot
        ).delete()
        months: dict[date, set[int]] = defaultdict(set)
        for _, agency_id, month, _ in touched:
            months[month.replace(day=1)].add(agency_id)
        cells = _cells_rebuild_months(months)
        month_spans = [month_bounds(month) for month in months]
        affected = [
            p
            for p in universe
            if (p.basis.value, p.code) not in computed
            or (p.basis.value, p.code) in behind
            or any(p.overlaps(first, last) for first, last in month_spans)
        ]
        _lock_fact_groups([*universe, *affected])
        _drop_periods_outside(universe)
        _facts_rebuild(affected, timezone.now())
        _record_run(
            KpiRunKind.REFRESH,
            started_at,
            detail=f"{len(touched)} touched cells",
            cells=cells,
            periods=len(affected),
        )
    return RefreshResult(touched=len(touched), cells=cells, periods=len(affected))


def kpi_refresh_enqueue() -> None:
    """Ask for a refresh once the current transaction commits (the importer's signal lands here).

    With Redis down the request is dropped, not raised: the touched cells stay in the table and
    the beat's minute refresh drains them once Redis is back (an import never fails for it).
    """
    from kpi_portal.celery import send_or_defer
    from reports.tasks import kpi_refresh_touched_task

    transaction.on_commit(lambda: send_or_defer(kpi_refresh_touched_task))


# --- Targets ----------------------------------------------------------------------------------


def target_set(
    *,
    indicator: Indicator,
    year: int | None,
    level: str,
    value: Decimal | None,
    user: AbstractBaseUser | None,
    note: str = "",
    valid_from: date | None = None,
) -> Target | None:
    """Set (or with value None, remove) a target, and record the change with who made it.

    `valid_from` is the first day the change applies (ChangeRecord): the targets page and the
    admin give the day of the change, so a ranking of a period that had already ended keeps the
    targets it was scored with. None (from the beginning) is for values loaded for the past and
    for tests. The days of one target's changes never go back, so its history is a timeline.
    """
    with transaction.atomic():
        target = (
            Target.objects.select_for_update()
            .filter(indicator=indicator, year=year, level=level)
            .first()
        )
        old_value = target.value if target else None
        latest = (
            TargetChange.objects.filter(indicator=indicator, year=year, level=level)
            .exclude(valid_from=None)
            .order_by("-valid_from")
            .values_list("valid_from", flat=True)
            .first()
        )
        if latest is not None and (valid_from is None or valid_from < latest):
            raise ValueError(f"a change of this target already applies from {latest}")
        if value is None:
            if target is not None:
                target.delete()
            target = None
        elif target is None:
            target = Target.objects.create(indicator=indicator, year=year, level=level, value=value)
        else:
            target.value = value
            target.save(update_fields=["value", "updated_at"])
        if old_value != value:
            TargetChange.objects.create(
                indicator=indicator,
                year=year,
                level=level,
                old_value=old_value,
                new_value=value,
                changed_by=user if user is not None and user.is_authenticated else None,
                note=note,
                valid_from=valid_from,
            )
            _audit_target(indicator, year, level, old_value, value, user, note, valid_from)
    return target


def _audit_target(indicator, year, level, old_value, value, user, note: str, valid_from) -> None:
    from agencies.audit import audit_record
    from agencies.models import AuditAction

    scope = {
        "indicator": indicator.code,
        "year": year,
        "level": level or "all",
        "valid_from": valid_from.isoformat() if valid_from else None,
    }
    audit_record(
        actor=user,
        action=AuditAction.TARGET_CHANGE,
        subject_type="reports.target",
        subject_id=f"{indicator.code}/{year or '*'}/{level or '*'}",
        summary=f"Chỉ tiêu {indicator.code}, năm {year or 'mọi năm'}, cấp {level or 'mọi cấp'}"
        + (f": {note}" if note else ""),
        # Numbers in the log (the exact Decimal stays in Target and TargetChange).
        before=scope | {"value": None if old_value is None else float(old_value)},
        after=scope | {"value": None if value is None else float(value)},
    )
