"""The province overview: every unit directly under the province with its rates (departments and
districts, communes after the two-tier reform of 1/7/2025), the level groups and the province on
top, and a bar chart per indicator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext, gettext_noop

from agencies.models import Agency, AgencyLevel
from kpi_portal.periods import Period
from reports.charts import overview_bar_chart
from reports.indicators import INDICATOR_CODES, overdue_count
from reports.models import Indicator
from reports.pages.cells import (
    SHORT_NAMES,
    SORT_KEYS,
    Bands,
    ScopeRow,
    cells_by_scope,
    shown_indicators,
    sort_rows,
    unknown_fact_notes,
)
from reports.selectors import Counters, kpi_table, zero_counters
from reports.stored_labels import translated

# The overview's sections, in order: each lists the units of that level directly under the
# province, under the total of its level group.
GROUPS: tuple[tuple[str, str], ...] = (
    (AgencyLevel.DEPARTMENT, "level:so"),
    (AgencyLevel.DISTRICT, "level:huyen"),
    (AgencyLevel.COMMUNE, "level:xa"),
)
GROUP_TITLES = {
    AgencyLevel.DEPARTMENT: gettext_noop("Sở, ban, ngành"),
    AgencyLevel.DISTRICT: gettext_noop("UBND cấp huyện"),
    AgencyLevel.COMMUNE: gettext_noop("UBND cấp xã"),
}


@dataclass
class OverviewGroup:
    title: str
    total: ScopeRow
    rows: list[ScopeRow]


@dataclass(frozen=True)
class SortColumn:
    """One indicator's heading: its links that sort by rate and by shortfall, and which one the
    table is sorted by now (with the arrow to show)."""

    code: str
    name: str
    short_name: str
    rate_query: str
    shortfall_query: str
    sorted_by: str | None  # "rate", "shortfall" or None
    arrow: str
    aria_sort: str


def _sort_columns(
    indicators: list[Indicator], period: Period, sort: str | None, descending: bool, by: str
) -> list[SortColumn]:
    base = {"period": period.code, "basis": period.basis.value}
    columns = []
    for indicator in indicators:
        current = sort == indicator.code
        on_rate = current and by == "rate"
        on_shortfall = current and by == "shortfall"
        # A first click sorts rates lowest first and shortfalls largest first: who is behind.
        rate_dir = "desc" if on_rate and not descending else "asc"
        shortfall_dir = "asc" if on_shortfall and descending else "desc"
        columns.append(
            SortColumn(
                code=indicator.code,
                name=translated(indicator.name),
                short_name=str(SHORT_NAMES.get(indicator.code, indicator.code)),
                rate_query=urlencode(base | {"sort": indicator.code, "dir": rate_dir}),
                shortfall_query=urlencode(
                    base | {"sort": indicator.code, "by": "shortfall", "dir": shortfall_dir}
                ),
                sorted_by=by if current else None,
                arrow=("▼" if descending else "▲") if current else "",
                aria_sort=("descending" if descending else "ascending") if current else "",
            )
        )
    return columns


@dataclass
class Overview:
    period: Period
    computed_at: datetime | None
    indicators: list[Indicator]
    province: ScopeRow | None
    groups: list[OverviewGroup]
    charts: list[dict[str, Any]]
    legend: list[tuple[str, str]]
    sort: str | None
    descending: bool
    sort_by: str = "rate"  # or "shortfall": the dossiers short of the target
    columns: list[SortColumn] = field(default_factory=list)
    handled: int = 0
    on_time: int = 0
    overdue: int = 0
    received: int = 0  # 0: the portal has no dossier received in the period (no data)
    # How many of the province's dossiers of the period lack each fact (domain.md section 11).
    unknown_facts: list[str] = field(default_factory=list)


def overview_build(
    *, period: Period, sort: str | None = None, descending: bool = False, by: str = "rate"
) -> Overview:
    """Every unit directly under the province (departments, districts, communes after the
    reform) with its six rates, under its level group's total, the province on top, plus a bar
    chart per indicator. Seven queries, whatever the data size.

    `sort` names an indicator; the rows are sorted by its rate or, `by="shortfall"`, by the
    dossiers each agency is short of its target."""
    by = by if by in SORT_KEYS else "rate"
    table = kpi_table(period=period)
    bands = Bands.load()
    indicators = shown_indicators()
    cells = cells_by_scope(table.rows, bands)
    province = None
    root = None
    for unit in table.units.values():
        if unit.level == AgencyLevel.PROVINCE and root is None:
            root = unit
            province = ScopeRow(unit.code, unit.name, unit.level, cells[unit.code], "province")
            province.url_code = unit.code
    # The units directly under the province in the period, by level: departments and districts
    # before 1/7/2025, departments and communes after, all three for a period straddling it.
    by_level: dict[str, list[ScopeRow]] = {level: [] for level, _ in GROUPS}
    for unit in table.units.values():
        if root is None or unit.parent_id != root.id or unit.level not in by_level:
            continue
        row = ScopeRow(unit.code, unit.name, unit.level, cells[unit.code], url_code=unit.code)
        row.validity = unit.validity_note(period.start, period.end)
        by_level[unit.level].append(row)
    groups = []
    for level, group_scope in GROUPS:
        if not by_level[level]:
            continue  # no empty district section after the reform
        title = gettext(GROUP_TITLES[level])
        name = gettext("Khối %(title)s") % {"title": title}
        total = ScopeRow(group_scope, name, level, cells[group_scope], "group")
        groups.append(
            OverviewGroup(title, total, sort_rows(by_level[level], sort, descending, by=by))
        )
    charted = [row for g in groups for row in g.rows]
    short_names = dict(
        Agency.objects.filter(code__in=[row.code for row in charted]).values_list(
            "code", "short_name"
        )
    )
    return Overview(
        period=period,
        computed_at=table.computed_at,
        indicators=indicators,
        province=province,
        groups=groups,
        charts=[overview_bar_chart(indicator, charted, short_names) for indicator in indicators],
        legend=bands.legend(),
        sort=sort if sort in INDICATOR_CODES else None,
        descending=descending,
        sort_by=by,
        columns=_sort_columns(indicators, period, sort, descending, by),
        unknown_facts=unknown_fact_notes(table.counters.get(province.code) if province else None),
        **_handled_counts(table.counters.get(province.code) if province else None),
    )


def _handled_counts(counters: Counters | None) -> dict[str, int]:
    counters = counters or zero_counters()
    overdue = overdue_count(counters)
    return {
        "handled": counters["handled"],
        "on_time": counters["handled"] - overdue,
        "overdue": overdue,
        "received": counters["received"],
    }
