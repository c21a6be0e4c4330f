"""The directive's figures computed straight from the generated rows (no database).

Used to check the generator while building it and by `load_demo --check`; the tests count in
the database independently.
"""

from __future__ import annotations

from datetime import date, datetime, time

import polars as pl

from dossiers.demo.reference import LAND_DOMAIN, DemoAgency, DemoProcedure


def cut_rate(numerator: int, denominator: int) -> str:
    """A rate cut (not rounded) to two decimals of a percent, as the province prints it."""
    if denominator == 0:
        return "—"
    hundredths = numerator * 10_000 // denominator
    return f"{hundredths // 100},{hundredths % 100:02d}%"


def demo_figures(
    dossiers: pl.DataFrame,
    *,
    agencies: list[DemoAgency],
    procedures: list[DemoProcedure],
    start: date,
    end: date,
) -> dict[str, int]:
    """Raw counts of the directive's indicators for the period [start 00:00, end 23:59:59]."""
    s = datetime.combine(start, time.min)
    e = datetime.combine(end, time(23, 59, 59))
    levels = pl.DataFrame(
        {"agency": [a.code for a in agencies], "level": [a.level for a in agencies]}
    )
    domains = pl.DataFrame(
        {"procedure": [p.code for p in procedures], "domain": [p.domain for p in procedures]}
    )
    frame = dossiers.join(levels, on="agency", how="left").join(domains, on="procedure", how="left")
    handled = frame.filter(
        (pl.col("received_at") <= e)
        & (pl.col("finished_at").is_null() | (pl.col("finished_at") >= s))
    ).with_columns(
        judged=pl.when(pl.col("finished_at").is_not_null() & (pl.col("finished_at") <= e))
        .then(pl.col("finished_at"))
        .otherwise(pl.lit(e))
    )
    overdue = handled.filter(pl.col("judged") > pl.col("due_at"))
    received = frame.filter(pl.col("received_at").is_between(s, e))
    paying = received.filter(pl.col("fee") > 0)
    figures = {
        "handled": handled.height,
        "on_time": handled.height - overdue.height,
        "overdue": overdue.height,
        "overdue_land": overdue.filter(pl.col("domain") == LAND_DOMAIN).height,
        "apologized": overdue.filter(
            pl.col("apology_issued_at").is_not_null() & (pl.col("apology_issued_at") <= e)
        ).height,
        "received": received.height,
        "digitized": received.filter(
            pl.col("components_digitized") == pl.col("components_total")
        ).height,
    }
    for level in ("so", "huyen", "xa"):
        group = paying.filter(pl.col("level") == level)
        figures[f"paying_{level}"] = group.height
        figures[f"paid_online_{level}"] = group.filter(pl.col("paid_online")).height
    return figures
