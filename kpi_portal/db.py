"""The database-specific helpers every app shares: which database, advisory locks, batch tuning.

PostgreSQL is the production database; SQLite the embedded default for a first run. Code that
must differ between them asks `is_postgres()` here rather than reading `connection.vendor`.
"""

from __future__ import annotations

import zlib

from django.conf import settings
from django.db import connection


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def lock_key(name: str) -> int:
    """A stable 31-bit key for an advisory lock named in code (`"dossiers.import.write"`)."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


def advisory_xact_lock(key: int, subkey: int | None = None) -> None:
    """Hold a PostgreSQL advisory lock until the transaction ends.

    SQLite needs none: a write transaction locks the whole database (transaction_mode
    IMMEDIATE in settings), so every writer is serialized already.
    """
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        if subkey is None:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])
        else:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [key, subkey])


def tune_for_batch() -> None:
    """For this transaction only: room for large GROUP BYs to hash in memory, no JIT
    (compiling the queries costs more than it saves at this size), and at most one process per
    core of the database server in a parallel statement. PostgreSQL only.

    The last: a parallel statement runs in its leader and up to max_parallel_workers_per_gather
    workers (2 by default). With as many processes as cores or more, they take turns: on two
    cores the KPI cells pass took 1.7 s with two workers and 1.3 s with one (docs/benchmarks.md).
    """
    if is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(
                "SELECT set_config('max_parallel_workers_per_gather',"
                " LEAST(current_setting('max_parallel_workers_per_gather')::int, %s)::text, true)",
                [max(settings.KPI_DB_CORES - 1, 0)],
            )
