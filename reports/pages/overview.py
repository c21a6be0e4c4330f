"""The province overview: every department and district with its rates, the level groups and
the province on top, and a bar chart per indicator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils.translation import gettext

from agencies.models import AgencyLevel
from kpi_portal.periods import Period
from reports.charts import overview_bar_chart
from reports.indicators import INDICATOR_CODES
from reports.models import Indicator
from reports.pages.cells import Bands, ScopeRow, cells_by_scope, shown_indicators, sort_rows
from reports.selectors import Counters, kpi_table, zero_counters


@dataclass
class OverviewGroup:
    title: str
    total: ScopeRow
    rows: list[ScopeRow]


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
    handled: int = 0
    on_time: int = 0
    overdue: int = 0


def overview_build(
    *, period: Period, sort: str | None = None, descending: bool = False
) -> Overview:
    """Every department and district with its six rates, the two level-group totals and the
    province on top, plus a bar chart per indicator. Seven queries, whatever the data size."""
    table = kpi_table(period=period)
    bands = Bands.load()
    indicators = shown_indicators()
    cells = cells_by_scope(table.rows, bands)
    seen: dict[str, tuple[str, str]] = {}
    for row in table.rows:
        seen.setdefault(row.scope, (row.name, row.level))
    province = None
    by_level: dict[str, list[ScopeRow]] = {AgencyLevel.DEPARTMENT: [], AgencyLevel.DISTRICT: []}
    for scope, (name, level) in seen.items():
        if scope.startswith("level:"):
            continue
        if level == AgencyLevel.PROVINCE and province is None:
            province = ScopeRow(scope, name, level, cells[scope], "province", url_code=scope)
        elif level in by_level:
            by_level[level].append(ScopeRow(scope, name, level, cells[scope], url_code=scope))
    groups = []
    for group_scope, level, title in (
        ("level:so", AgencyLevel.DEPARTMENT, gettext("Sở, ban, ngành")),
        ("level:huyen", AgencyLevel.DISTRICT, gettext("UBND cấp huyện")),
    ):
        name = gettext("Khối %(title)s") % {"title": title}
        total = ScopeRow(group_scope, name, level, cells[group_scope], "group")
        groups.append(OverviewGroup(title, total, sort_rows(by_level[level], sort, descending)))
    charted = [row for g in groups for row in g.rows]
    return Overview(
        period=period,
        computed_at=table.computed_at,
        indicators=indicators,
        province=province,
        groups=groups,
        charts=[overview_bar_chart(indicator, charted) for indicator in indicators],
        legend=bands.legend(),
        sort=sort if sort in INDICATOR_CODES else None,
        descending=descending,
        **_handled_counts(table.counters.get(province.code) if province else None),
    )


def _handled_counts(counters: Counters | None) -> dict[str, int]:
    counters = counters or zero_counters()
    overdue = counters["finished_late"] + counters["open_overdue"]
    return {
        "handled": counters["handled"],
        "on_time": counters["handled"] - overdue,
        "overdue": overdue,
    }
