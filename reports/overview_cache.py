"""The rendered province overview, kept in each web process's memory.

The overview shows KPI facts, which change only when the engine runs, and targets, bands and
agencies, which change rarely; yet every request used to rebuild the table and render about a
hundred cells. So the rendered `#content` fragment (the period form, the figures, the table and
the charts' data) is cached under a key made of everything it depends on:

- the request's choices: period code, basis, sort column and direction;
- the language it is rendered in;
- who may see it: the overview is the province-wide view (an agency head never gets it), so the
  visibility is "province"; a view with another visibility must use another key;
- the data version, `data_version()` below: when the facts were last computed,
  and fingerprints of the targets, bands, indicators and agencies (one query per request).

Nothing is ever deleted: a KPI run or a target change gives a new version, hence a new key, and
the next request renders afresh; old entries age out (TIMEOUT) or are evicted (MAX_ENTRIES).

The cache is a per-process `LocMemCache`, deliberately not the configured default cache: pages
must serve when Redis is down, and an entry is only a few tens of kilobytes. Any failure of the
cache (or of the key's version query) falls back to rendering, logged, never to an error page.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable

from django.core.cache.backends.locmem import LocMemCache
from django.db import connection

from agencies.models import Agency
from kpi_portal.db import is_postgres
from reports.models import Indicator, KpiPeriod, RateBand, Target

logger = logging.getLogger(__name__)

# Entries live 10 minutes at most; 50–100 KB each (the demo's is 92 KB), so 150 entries stay
# under about 15 MB a process. A busy portal asks for a few periods, bases and sorts at a time.
_CACHE = LocMemCache("kpi-overview", {"TIMEOUT": 600, "OPTIONS": {"MAX_ENTRIES": 150}})


def data_version() -> str:
    """A short fingerprint of everything the overview shows besides the request's own choices:
    when the facts were last computed (any period: a new period also changes the period choices),
    the targets, the rate bands, the indicators' names and the agencies (names, levels, tree).

    One query. The rendered overview is cached under a key that holds this fingerprint, so a new
    KPI run or a changed target, band or agency makes a new key and the next request renders
    afresh; nothing has to be deleted.
    """
    postgres = is_postgres()

    def digest(table: str, expression: str) -> str:
        if postgres:
            return f"(SELECT md5(string_agg({expression}, ',' ORDER BY id)) FROM {table})"
        ordered = f"SELECT {expression} AS x FROM {table} ORDER BY id"
        return f"(SELECT group_concat(x, ',') FROM ({ordered}))"

    def text(column: str) -> str:
        return f"COALESCE(CAST({column} AS TEXT), '')"

    parts = [
        f"(SELECT CAST(MAX(computed_at) AS TEXT) FROM {KpiPeriod._meta.db_table})",
        digest(
            Target._meta.db_table,
            " || ':' || ".join(
                text(c) for c in ("id", "indicator_id", "year", "level", "value", "updated_at")
            ),
        ),
        digest(
            RateBand._meta.db_table,
            " || ':' || ".join(text(c) for c in ("id", "code", "label", "max_gap_points")),
        ),
        digest(
            Indicator._meta.db_table,
            " || ':' || ".join(text(c) for c in ("id", "code", "name", "sort_order")),
        ),
        digest(
            Agency._meta.db_table,
            " || ':' || ".join(text(c) for c in ("id", "code", "name", "level", "path")),
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        row = cursor.fetchone()
    return hashlib.blake2b(repr(row).encode(), digest_size=12).hexdigest()


def cache_key(*parts: object) -> str:
    return "overview:" + "|".join(str(part) for part in parts)


def cached[T](key: str | None, compute: Callable[[], T]) -> T:
    """The value under `key`, computed (and stored) when missing. `key=None` means the key could
    not be made: compute without caching. A failing cache is skipped, never fatal."""
    if key is None:
        return compute()
    try:
        value = _CACHE.get(key)
    except Exception:
        logger.warning("overview cache read failed; rendering", exc_info=True)
        return compute()
    if value is not None:
        return value
    value = compute()
    try:
        _CACHE.set(key, value)
    except Exception:
        logger.warning("overview cache write failed", exc_info=True)
    return value


def clear() -> None:
    """Empty this process's cache (tests; an operator never needs it: keys carry the version)."""
    _CACHE.clear()
