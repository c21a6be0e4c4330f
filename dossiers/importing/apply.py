"""Writing validated dossier rows in bulk: a staging table, counts, one upsert, touched cells.

The accepted rows go into a session-temporary staging table (PostgreSQL: COPY fed with CSV text
that polars writes in chunks; SQLite: executemany). Everything else is set-wise SQL against it:

* counts: a row is *created* when its code is new, *unchanged* when every fact (and, when the
  file has apology columns, its apology) equals what is stored, *updated* otherwise;
* one `INSERT … SELECT … ON CONFLICT (code) DO UPDATE … WHERE <a fact differs>`, so an unchanged
  dossier is not rewritten and keeps its `updated_at`;
* the same for apologies, with this rule: **an apology recorded in the portal (source=portal)
  is never overwritten or deleted by an import.** A row whose apology columns differ from a portal
  apology keeps the portal one; its other facts still apply and the batch records a warning for
  that row. When the file has apology columns, an empty apology in a row deletes an apology that
  an earlier import created (the file is the one-stop system's truth for those); a file without
  apology columns leaves every apology alone;
* touched cells: the distinct (agency, month received, month finished) of the old and the new
  version of every created or changed dossier, expanded to months in Python.

The staging table holds datetimes as UTC text in the form each database stores them, so SQLite
compares text with text and PostgreSQL parses it as `timestamptz`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
from django.db import DatabaseError, IntegrityError, connection, transaction

from agencies.models import Domain, Procedure
from dossiers.importing.dossier_rows import STAGED_COLUMNS
from dossiers.importing.outcome import Counts
from dossiers.importing.reading import ROW
from dossiers.models import Apology, ApologySource, Dossier, TouchedCell
from kpi_portal.db import is_postgres
from kpi_portal.local_days import date_of_day_number, local_day_sql

STAGING = "import_staging_dossiers"
_DATETIMES = (
    "received_at",
    "submitted_at",
    "due_at",
    "finished_at",
    "supplement_requested_at",
    "supplement_completed_at",
    "apology_issued_at",
    "apology_new_due_at",
)
_BOOLEANS = ("e_result", "paid_online")
# The dossier facts an import sets, besides the procedure (resolved from its code by a join). A
# file gives some of them (`dossier_rows.given_facts`): only those are compared and updated on a
# stored dossier; a new dossier gets the staged value of every one (NULL for an unknown fact).
FACTS = tuple(
    c for c in STAGED_COLUMNS if c not in ("code", "procedure_code") and "apology" not in c
)

_PG_TYPES = {
    "row_number": "integer",
    "code": "text",
    "agency_id": "bigint",
    "procedure_code": "text",
    "channel": "text",
    "status": "smallint",
    "components_total": "integer",
    "components_digitized": "integer",
    "e_result": "boolean",
    "fee": "bigint",
    "paid_online": "boolean",
    "supplement_requests": "integer",
    "late_reason": "text",
    "apology_reason": "text",
    **dict.fromkeys(_DATETIMES, "timestamptz"),
}
_COLUMNS = ("row_number", *STAGED_COLUMNS)


_on_postgres = is_postgres


def _differs(left: str, right: str) -> str:
    return f"{left} IS DISTINCT FROM {right}" if _on_postgres() else f"{left} IS NOT {right}"


def _tables() -> dict[str, str]:
    return {
        "dossier": Dossier._meta.db_table,
        "apology": Apology._meta.db_table,
        "procedure": Procedure._meta.db_table,
        "staging": STAGING,
    }


# The code of every rejected row (row number, code): with the staged rows, every row's code,
# for the duplicate codes of the whole file (`repeated_codes`).
REJECTED = "import_staging_rejected"


# PostgreSQL memory for an import's session (server side; the importing process does not grow).
# The staging table lives in temp_buffers (8 MB by default: 3,000,000 staged rows went to disk
# and came back for every statement); its index is built with maintenance_work_mem, and the
# upsert sorts and the counts hash with work_mem (4 MB by default: sorts spilled to disk).
# Local buffers are taken as used and freed with the session; temp_buffers can only be set
# before the session's first temporary table (a later import on the same connection keeps
# the value it has). Measured in docs/benchmarks.md.
SESSION_MEMORY = {"temp_buffers": "1GB", "work_mem": "256MB", "maintenance_work_mem": "512MB"}


def _set_session_memory() -> None:
    for name, value in SESSION_MEMORY.items():
        try:
            with transaction.atomic(), connection.cursor() as cursor:  # a savepoint if nested
                cursor.execute(f"SET {name} = '{value}'")
        except DatabaseError:
            pass  # temp_buffers after a temporary table was used: the session keeps its value


def _reset_session_memory() -> None:
    with connection.cursor() as cursor:
        for name in SESSION_MEMORY:
            if name != "temp_buffers":
                cursor.execute(f"RESET {name}")


@contextmanager
def staging_table() -> Iterator[None]:
    """Temporary tables for this connection's import, dropped afterwards."""
    if _on_postgres():
        _set_session_memory()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
        cursor.execute(f"DROP TABLE IF EXISTS {REJECTED}")
        if _on_postgres():
            columns = ", ".join(f"{name} {_PG_TYPES[name]}" for name in _COLUMNS)
            rejected = "row_number integer, code text"
        else:
            columns = ", ".join(_COLUMNS)
            rejected = "row_number, code"
        cursor.execute(f"CREATE TEMP TABLE {STAGING} ({columns})")
        cursor.execute(f"CREATE TEMP TABLE {REJECTED} ({rejected})")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {STAGING}")
            cursor.execute(f"DROP TABLE IF EXISTS {REJECTED}")
        if _on_postgres():
            _reset_session_memory()


def clear_staging() -> None:
    """Empty the staging tables, for another pass over the file."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP INDEX IF EXISTS {STAGING}_code")
        cursor.execute(f"DELETE FROM {STAGING}")
        cursor.execute(f"DELETE FROM {REJECTED}")


def stage_rows(rows: pl.DataFrame, *, time_zone: str) -> None:
    """Append validated rows (see `ValidatedDossiers.rows`) to the staging table."""
    if rows.is_empty():
        return
    _copy(STAGING, _COLUMNS, _database_text(rows, time_zone=time_zone))


def stage_rejected(rows: pl.DataFrame) -> None:
    """Append the (row number, code) of rejected rows."""
    if not rows.is_empty():
        _copy(REJECTED, ("row_number", "code"), rows)


def _copy(table: str, columns: tuple[str, ...], frame: pl.DataFrame) -> None:
    with connection.cursor() as cursor:
        if _on_postgres():
            copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"
            with cursor.cursor.copy(copy_sql) as copy:
                for chunk in frame.iter_slices(50_000):
                    copy.write(chunk.write_csv(include_header=False))
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            insert = f"INSERT INTO {table} VALUES ({placeholders})"
            for chunk in frame.iter_slices(50_000):
                cursor.executemany(insert, chunk.rows())


def _database_text(rows: pl.DataFrame, *, time_zone: str) -> pl.DataFrame:
    suffix = "+00" if _on_postgres() else ""
    as_utc = [
        pl.col(name)
        .dt.replace_time_zone(time_zone, ambiguous="earliest", non_existent="null")
        .dt.convert_time_zone("UTC")
        .dt.strftime(f"%Y-%m-%d %H:%M:%S{suffix}")
        .alias(name)
        for name in _DATETIMES
    ]
    booleans = [] if _on_postgres() else [pl.col(name).cast(pl.Int8) for name in _BOOLEANS]
    return rows.rename({ROW: "row_number"}).with_columns(*as_utc, *booleans).select(_COLUMNS)


def finish_staging() -> bool:
    """Index the staged rows by code (every later statement joins them to the dossiers by code)
    and give the planner statistics. Returns whether the staged codes are all distinct: the
    index is created unique first, which costs nothing more when they are."""
    unique = True
    with connection.cursor() as cursor:
        try:
            with transaction.atomic():  # a savepoint inside a caller's transaction
                cursor.execute(f"CREATE UNIQUE INDEX {STAGING}_code ON {STAGING} (code)")
        except IntegrityError:
            unique = False
            cursor.execute(f"CREATE INDEX {STAGING}_code ON {STAGING} (code)")
        if _on_postgres():
            cursor.execute(f"ANALYZE {STAGING}")
    return unique


def repeated_codes(*, staged_unique: bool) -> list[tuple[str | None, int, int]]:
    """(code, first row, last row) of every code that more than one row of the file carries
    (staged or rejected; rows without a code count as one code, as the row checks group them).
    When the staged codes are distinct only codes of rejected rows can repeat."""
    rows = (
        f"SELECT code, row_number FROM {STAGING}"
        if not staged_unique
        else f"SELECT code, row_number FROM {STAGING} WHERE code IN (SELECT code FROM {REJECTED})"
    )
    sql = (
        f"SELECT code, MIN(row_number), MAX(row_number) FROM ({rows} "
        f"UNION ALL SELECT code, row_number FROM {REJECTED}) codes "
        "GROUP BY code HAVING COUNT(*) > 1"
    )
    with connection.cursor() as cursor:
        if staged_unique:
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {REJECTED})")
            if not cursor.fetchone()[0]:
                return []
        cursor.execute(sql)
        return cursor.fetchall()


def unstage_paid_without_a_fee() -> list[tuple[int, str]]:
    """Remove from the staging table the rows that say "paid online" for a stored dossier whose
    fee is 0, from a file with no fee column (the fee stays as stored, and a paid dossier needs
    a fee): return their (row number, code). Only for files with a payment and no fee column."""
    tables = _tables()
    select = (
        "SELECT s.row_number, s.code FROM {staging} s JOIN {dossier} d ON d.code = s.code "
        "WHERE s.paid_online AND d.fee = 0 ORDER BY s.row_number"
    ).format(**tables)
    with connection.cursor() as cursor:
        cursor.execute(select)
        rows = cursor.fetchall()
        if rows:
            cursor.execute(
                f"DELETE FROM {STAGING} WHERE row_number IN ("
                + ", ".join(["%s"] * len(rows))
                + ")",
                [row for row, _ in rows],
            )
    return rows


def _changed(*, with_apologies: bool, facts: tuple[str, ...]) -> str:
    """SQL true when staged row `s` would change dossier `d` (joined with `p`, `a`) in one of
    the `facts` the file gives."""
    differences = [_differs(f"d.{name}", f"s.{name}") for name in facts]
    differences.append(_differs("d.procedure_id", "p.id"))
    condition = " OR ".join(differences)
    if with_apologies:
        condition += f" OR ({_apology_changed()})"
    return condition


def _apology_changed() -> str:
    portal = ApologySource.PORTAL.value
    differs = " OR ".join(
        [
            _differs("a.issued_at", "s.apology_issued_at"),
            _differs("a.new_due_at", "s.apology_new_due_at"),
            _differs("a.reason", "COALESCE(s.apology_reason, '')"),
        ]
    )
    return (
        f"COALESCE(a.source, '') <> '{portal}' AND ("
        "(s.apology_issued_at IS NULL AND a.id IS NOT NULL)"
        f" OR (s.apology_issued_at IS NOT NULL AND (a.id IS NULL OR {differs})))"
    )


_JOINS = (
    "FROM {staging} s "
    "LEFT JOIN {procedure} p ON p.code = s.procedure_code "
    "LEFT JOIN {dossier} d ON d.code = s.code "
    "LEFT JOIN {apology} a ON a.dossier_id = d.id"
)


def count_changes(*, with_apologies: bool, facts: tuple[str, ...] = FACTS) -> Counts:
    changed = _changed(with_apologies=with_apologies, facts=facts)
    sql = (
        "SELECT COUNT(*), "
        "COALESCE(SUM(CASE WHEN d.id IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN d.id IS NOT NULL AND ({changed}) THEN 1 ELSE 0 END), 0) "
        + _JOINS.format(**_tables())
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        total, created, updated = cursor.fetchone()
    return Counts(created=created, updated=updated, unchanged=total - created - updated)


def portal_apology_conflicts() -> list[int]:
    """Rows whose apology differs from one recorded in the portal (the portal one is kept)."""
    differs = " OR ".join(
        [
            _differs("a.issued_at", "s.apology_issued_at"),
            _differs("a.new_due_at", "s.apology_new_due_at"),
            _differs("a.reason", "COALESCE(s.apology_reason, '')"),
        ]
    )
    sql = (
        "SELECT s.row_number "
        + _JOINS.format(**_tables())
        + f" WHERE a.source = '{ApologySource.PORTAL.value}'"
        f" AND s.apology_issued_at IS NOT NULL AND ({differs}) ORDER BY s.row_number"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [row for (row,) in cursor.fetchall()]


def register_procedures(new_procedures: pl.DataFrame) -> None:
    """Create the procedures a dossier file names for the first time, and their domains."""
    if new_procedures.is_empty():
        return
    names = set(new_procedures.get_column("domain").to_list())
    existing = {d.name: d for d in Domain.objects.filter(name__in=names)}
    missing = [Domain(name=name) for name in sorted(names - existing.keys())]
    for domain in Domain.objects.bulk_create(missing):
        existing[domain.name] = domain
    known = set(
        Procedure.objects.filter(code__in=new_procedures["procedure_code"].to_list()).values_list(
            "code", flat=True
        )
    )
    Procedure.objects.bulk_create(
        Procedure(code=code, name=name, domain=existing[domain])
        for code, name, domain in new_procedures.iter_rows()
        if code not in known
    )


def upsert_dossiers(
    *, batch_id: int, now: dt.datetime, facts: tuple[str, ...] = FACTS, only_new: bool = False
) -> None:
    """Insert new dossiers with every staged fact; update only the `facts` the file gives.

    `only_new`: the counts, taken in this transaction under the import write lock (imports are
    the only writers of dossiers), found no staged code stored: a plain INSERT then does what
    the upsert would, without its per-row conflict check (about 0.9 s a million rows)."""
    names = ["code", "procedure_id", *FACTS]
    selected = ["s.code", "p.id", *(f"s.{name}" for name in FACTS)]
    written = ["procedure_id", *(name for name in FACTS if name in facts)]
    updates = ", ".join(
        f"{name} = excluded.{name}" for name in [*written, "import_batch_id", "updated_at"]
    )
    changed = " OR ".join(_differs(f"{{dossier}}.{name}", f"excluded.{name}") for name in written)
    sql = (
        "INSERT INTO {dossier} (" + ", ".join([*names, "import_batch_id", "updated_at"]) + ") "
        "SELECT " + ", ".join([*selected, "%s", "%s"]) + " FROM {staging} s "
        "JOIN {procedure} p ON p.code = s.procedure_code WHERE true "
        # Rows in (agency, received) order fill that index page by page instead of at random.
        "ORDER BY s.agency_id, s.received_at "
    )
    if not only_new:
        sql += "ON CONFLICT (code) DO UPDATE SET " + updates + " WHERE " + changed
    with connection.cursor() as cursor:
        cursor.execute(sql.format(**_tables()), [batch_id, now])


# A bulk load checks the dossier table's foreign keys (agency, procedure) in one pass instead of
# row by row: worth it when the rows written are many and not far fewer than the table holds.
BULK_FOREIGN_KEY_ROWS = 100_000
BULK_FOREIGN_KEY_SHARE = 1 / 15


@contextmanager
def foreign_keys_checked_at_once(new_rows: int) -> Iterator[None]:
    """Around a bulk insert of `new_rows` dossiers (inside the import's transaction): drop the
    dossier table's foreign keys and add them back afterwards, as PostgreSQL's "Populating a
    Database" advises. Adding a foreign key checks every row of the table in one join (about
    1 s a million rows here), where the constraint as declared (DEFERRABLE INITIALLY DEFERRED)
    queues a trigger per row and key and runs each at COMMIT (about 13 s a million new rows
    for the two keys, measured in docs/benchmarks.md). The guarantee is the same: a row that
    names no agency or procedure makes the ADD fail and the whole import roll back. The price:
    the ALTER holds an exclusive lock on the dossier table until the import commits (pages
    reading dossiers wait for it), so it is used only for loads of at least
    BULK_FOREIGN_KEY_ROWS rows that are at least BULK_FOREIGN_KEY_SHARE of the table (where
    the one-pass check costs less than the per-row one). PostgreSQL only."""
    table = Dossier._meta.db_table
    keys = _bulk_foreign_keys(table, new_rows)
    if keys:
        drops = ", ".join(f'DROP CONSTRAINT "{name}"' for name, _ in keys)
        _alter(f'ALTER TABLE "{table}" {drops}')
    yield  # an error here rolls the transaction back, the dropped keys with it
    if keys:
        adds = ", ".join(f'ADD CONSTRAINT "{name}" {definition}' for name, definition in keys)
        _alter(f'ALTER TABLE "{table}" {adds}')


def _alter(sql: str) -> None:
    """PostgreSQL refuses to alter a table that has checks still queued in this transaction
    (rows the transaction wrote before: procedures this file registers, and in tests anything
    before): run those checks now, alter, and defer again. Every deferrable constraint of the
    schema is INITIALLY DEFERRED (Django's foreign keys), so ALL DEFERRED restores the mode;
    the queued checks ran earlier than at COMMIT, with the same outcome."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(sql)
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _bulk_foreign_keys(table: str, new_rows: int) -> list[tuple[str, str]]:
    """The foreign keys (name, definition) to drop around this load; none when not worth it,
    or outside a transaction (the drop would stand on its own)."""
    if not _on_postgres() or new_rows < BULK_FOREIGN_KEY_ROWS or not connection.in_atomic_block:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        stored = max(cursor.fetchone()[0], 0)
        if new_rows < BULK_FOREIGN_KEY_SHARE * (stored + new_rows):
            return []
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [table],
        )
        return cursor.fetchall()


def upsert_apologies(*, now: dt.datetime) -> None:
    """Write the file's apologies; see the module docstring for the portal rule."""
    tables = _tables()
    import_source = ApologySource.IMPORT.value
    changed = " OR ".join(
        _differs(f"{tables['apology']}.{name}", f"excluded.{name}")
        for name in ("issued_at", "new_due_at", "reason")
    )
    insert = (
        "INSERT INTO {apology} (dossier_id, issued_at, new_due_at, reason, channel, "
        "signer_name, signer_title, source, created_at) "
        "SELECT d.id, s.apology_issued_at, s.apology_new_due_at, COALESCE(s.apology_reason, ''), "
        f"'', '', '', '{import_source}', %s "
        "FROM {staging} s JOIN {dossier} d ON d.code = s.code "
        "WHERE s.apology_issued_at IS NOT NULL "
        "ON CONFLICT (dossier_id) DO UPDATE SET issued_at = excluded.issued_at, "
        "new_due_at = excluded.new_due_at, reason = excluded.reason "
        f"WHERE {{apology}}.source = '{import_source}' AND ({changed})"
    )
    # An IN over the staged rows lets both databases hash the staging table once; a correlated
    # EXISTS rescanned it per apology (81 s for the 400,000-row demo file on PostgreSQL).
    delete = (
        f"DELETE FROM {{apology}} WHERE source = '{import_source}' AND dossier_id IN ("
        "SELECT d.id FROM {staging} s JOIN {dossier} d ON d.code = s.code "
        "WHERE s.apology_issued_at IS NULL)"
    )
    with connection.cursor() as cursor:
        cursor.execute(insert.format(**tables), [now])
        if _on_postgres():
            # Fresh statistics after the bulk writes: without them the planner takes the
            # just-filled tables for empty and rescans the staging table once per apology.
            cursor.execute(f"ANALYZE {tables['dossier']}")
            cursor.execute(f"ANALYZE {tables['apology']}")
        cursor.execute(delete.format(**tables))


# Which months a change can move (issue 16, item 3). A cell belongs to the month its dossiers
# were received, and a period's facts read the cells of every month up to its end, so:
# - a fact known at receipt (`RECEIPT_FACTS`: channel, components, fee, payment) counts only in
#   the periods holding the receipt: it touches the month received;
# - the electronic result counts in the periods holding the finish: the month finished too;
# - anything else (the dates, status, supplementation, agency, procedure, apology) moves the
#   dossier's timeline: every month from receipt to finish, or to today while it is open.
# Fields no indicator reads (submitted date, overdue reason) are treated like receipt facts.
RECEIPT_FACTS = ("channel", "components_total", "components_digitized", "fee", "paid_online")
FINISH_FACTS = ("e_result",)
UNCOUNTED_FACTS = ("submitted_at", "late_reason")


def touched_cells(
    *, with_apologies: bool, today: dt.date, time_zone: str, facts: tuple[str, ...] = FACTS
) -> set[tuple[int, dt.date]]:
    """(agency, month) of the old and new version of each created or changed staged dossier,
    narrowed to the months its change can move (above).

    Run before the upsert: afterwards the old versions are gone. A version never received
    (no received date: status 1 or 3) counts in no month.
    """
    changed = _changed(with_apologies=with_apologies, facts=facts)
    timeline_facts = tuple(
        f for f in facts if f not in (*RECEIPT_FACTS, *FINISH_FACTS, *UNCOUNTED_FACTS)
    )
    # _changed always compares the procedure (and the apology when the file has one).
    moved = _changed(with_apologies=with_apologies, facts=timeline_facts)
    timeline = f"CASE WHEN {moved} THEN 1 ELSE 0 END"
    finish_differs = [_differs(f"d.{n}", f"s.{n}") for n in FINISH_FACTS if n in facts]
    finish = f"CASE WHEN {' OR '.join(finish_differs)} THEN 1 ELSE 0 END" if finish_differs else "0"
    joins = _JOINS.format(**_tables())
    versions = (
        f"SELECT d.agency_id, d.received_at, d.finished_at, {timeline} AS timeline, "
        f"{finish} AS finish {joins} WHERE d.id IS NOT NULL AND ({changed}) "
        f"UNION ALL SELECT s.agency_id, s.received_at, s.finished_at, "
        f"CASE WHEN d.id IS NULL THEN 1 ELSE {timeline} END, {finish} {joins} "
        f"WHERE d.id IS NULL OR ({changed})"
    )
    sql = (
        f"SELECT DISTINCT agency_id, {local_day_sql('received_at')}, "
        f"{local_day_sql('finished_at')}, timeline, finish FROM ({versions}) versions"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [])
        spans = cursor.fetchall()
    this_month = today.replace(day=1)
    cells: set[tuple[int, dt.date]] = set()
    for agency_id, first, last, moves_timeline, moves_finish in spans:
        if first is None:  # never received: counted nowhere
            continue
        first_month = date_of_day_number(first).replace(day=1)
        last_month = date_of_day_number(last).replace(day=1) if last is not None else None
        if moves_timeline:
            cells.update((agency_id, m) for m in _months(first_month, last_month or this_month))
            continue
        cells.add((agency_id, first_month))
        if moves_finish and last_month is not None:
            cells.add((agency_id, last_month))
    return cells


def record_touched_cells(cells: set[tuple[int, dt.date]]) -> None:
    # A cell already waiting gets a new created_at: a refresh draining it at this moment deletes
    # only cells older than its snapshot, so this import's change is not lost.
    TouchedCell.objects.bulk_create(
        [TouchedCell(agency_id=agency_id, month=month) for agency_id, month in sorted(cells)],
        update_conflicts=True,
        update_fields=["created_at"],
        unique_fields=["agency", "month"],
        batch_size=1000,
    )


def _months(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    month = first
    while month <= last:
        yield month
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
