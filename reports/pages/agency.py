"""An agency's page: its rates beside the province's, its domains, sub-units and monthly trends,
and the list of its overdue dossiers (a list, so it reads dossiers, one page at a time)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from agencies.models import Agency, AgencyLevel
from dossiers import counting
from dossiers.models import LATE_OR_OPEN, Dossier
from kpi_portal import clock
from kpi_portal.formatting import format_rate
from kpi_portal.periods import Period, PeriodKind, standard_period
from reports.charts import percent_cut, trend_chart
from reports.indicators import indicator_fraction, overdue_count
from reports.models import FACT_COUNTERS, Indicator, KpiFact
from reports.pages.cells import (
    Bands,
    Cell,
    DomainLine,
    ScopeRow,
    cell_for,
    cells_by_scope,
    counters_of,
    domain_lines,
    shown_indicators,
    unknown_fact_notes,
)
from reports.selectors import (
    PREDECESSORS_LABEL,
    Counters,
    TargetBook,
    kpi_predecessors_before,
    kpi_rolled_up,
    kpi_table,
    zero_counters,
)

OVERDUE_PAGE_SIZE = 25


@dataclass
class AgencyRateLine:
    indicator: Indicator
    cell: Cell
    province: Cell


@dataclass
class AgencyPage:
    agency: Agency
    period: Period
    computed_at: datetime | None
    indicators: list[Indicator]
    rates: list[AgencyRateLine]
    overdue: int
    domains: list[DomainLine]
    sub_units: list[ScopeRow]
    trend_charts: list[dict[str, Any]]
    legend: list[tuple[str, str]]
    subtree: list[Agency] = field(default_factory=list)
    # The unit existed on some day of the period (a merged unit's page for an earlier period
    # shows its predecessors' figures instead).
    existed: bool = True
    # Successor view: the units it was merged from and their rolled-up rates, for a period that
    # begins before the unit existed (domain.md section 12).
    predecessors: list[Agency] = field(default_factory=list)
    predecessor_rates: list[AgencyRateLine] = field(default_factory=list)
    handled: int = 0  # dossiers the agency's node handled in the period (0: no data)
    # How many of the node's dossiers of the period lack each fact (domain.md section 11).
    unknown_facts: list[str] = field(default_factory=list)


def _root_code(agency: Agency) -> str:
    return agency.path.strip("/").split("/")[0]


def agency_page_build(*, agency: Agency, period: Period) -> AgencyPage:
    """An agency's rates beside the province's, its domains, sub-units and monthly trends.

    Reads facts only, in a constant number of queries."""
    table = kpi_table(period=period, within=agency)
    bands = Bands.load()
    indicators = shown_indicators()
    book = TargetBook.load()
    cells = cells_by_scope(table.rows, bands)
    root = _root_code(agency)
    province_counters = table.counters.get(root) or zero_counters()
    own = table.counters.get(agency.code) or zero_counters()
    predecessors = kpi_predecessors_before(agency=agency, period=period)
    rolled = kpi_rolled_up(counters=table.counters, predecessors=predecessors)
    rates, predecessor_rates = [], []
    for indicator in indicators:
        own_target = book.value(indicator=indicator.code, year=period.year, level=agency.level)
        own_cell = next(
            (c for c in cells.get(agency.code, []) if c.indicator == indicator.code),
            None,
        ) or cell_for(indicator.code, own, own_target, bands)
        target = book.value(indicator=indicator.code, year=period.year, level=AgencyLevel.PROVINCE)
        province_cell = cell_for(indicator.code, province_counters, target, bands)
        rates.append(AgencyRateLine(indicator, own_cell, province_cell))
        if predecessors:
            rolled_cell = cell_for(indicator.code, rolled, own_target, bands)
            predecessor_rates.append(AgencyRateLine(indicator, rolled_cell, province_cell))
    # Sub-units: the direct children that existed in the period, in tree order.
    subtree = list(
        agency.subtree()
        .order_by("path")
        .only("code", "name", "level", "path", "parent", "valid_from", "valid_to")
    )
    sub_units = []
    for unit in subtree:
        if unit.parent_id != agency.id or unit.code not in table.units:
            continue
        row = ScopeRow(unit.code, unit.name, unit.level, cells.get(unit.code, []))
        row.url_code = unit.code
        row.validity = unit.validity_note(period.start, period.end)
        sub_units.append(row)
    for row in sub_units:
        counters = table.counters.get(row.code) or zero_counters()
        row.overdue = overdue_count(counters)
    domains = domain_lines(
        scope=agency.code, period=period, level=agency.level, bands=bands, book=book
    )
    total_overdue = overdue_count(own)
    for line in domains:
        line.share = format_rate(line.overdue, total_overdue)
    trend_charts = _trend_charts(
        agency=agency,
        root=root,
        period=period,
        indicators=indicators,
        book=book,
        predecessors=predecessors
        or kpi_predecessors_before(agency=agency, period=_months_of(period)[0]),
    )
    return AgencyPage(
        agency=agency,
        period=period,
        computed_at=table.computed_at,
        indicators=indicators,
        rates=rates,
        overdue=total_overdue,
        domains=domains,
        sub_units=sub_units,
        trend_charts=trend_charts,
        legend=bands.legend(),
        subtree=subtree,
        existed=agency.code in table.units,
        predecessors=predecessors,
        predecessor_rates=predecessor_rates,
        handled=own["handled"],
        unknown_facts=unknown_fact_notes(own),
    )


def _months_of(period: Period) -> list[Period]:
    """The months of the period's year on its basis (the trend shows the whole year)."""
    return [
        standard_period(
            year=period.year, kind=PeriodKind.MONTH, first_month=m, last_month=m, basis=period.basis
        )
        for m in range(1, 13)
    ]


def _trend_charts(
    *,
    agency: Agency,
    root: str,
    period: Period,
    indicators: list[Indicator],
    book: TargetBook,
    predecessors: list[Agency],
) -> list[dict[str, Any]]:
    """A chart per indicator: the agency's and the province's monthly rates over the year; for a
    unit formed by a merger during the year, its predecessors' rolled-up rates in the months
    before it existed, as a third, labelled series."""
    months = _months_of(period)
    codes = [m.code for m in months]
    facts = KpiFact.objects.filter(
        basis=period.basis.value,
        period__in=codes,
        scope__in={agency.code, root, *(a.code for a in predecessors)},
        domain__isnull=True,
    ).values("scope", "period", *FACT_COUNTERS)
    by_month: dict[str, dict[str, Counters]] = {code: {} for code in codes}
    for fact in facts:
        by_month[fact["period"]][fact["scope"]] = counters_of(fact)
    before = [m.start < agency.valid_from if agency.valid_from else False for m in months]
    labels = [f"{m.first_month:02d}/{m.year}" for m in months]
    charts = []
    for indicator in indicators:
        target = book.value(indicator=indicator.code, year=period.year, level=agency.level)

        def rates(counters_of_month, *, code: str = indicator.code) -> list[float | None]:
            return [
                percent_cut(*indicator_fraction(code, counters_of_month(month))) for month in codes
            ]

        series = [
            (
                agency.short_name or agency.name,
                "#0b5cad",
                rates(lambda month: by_month[month].get(agency.code) or zero_counters()),
            )
        ]
        if predecessors and any(before):
            series.append(
                (
                    gettext(PREDECESSORS_LABEL),
                    "#8250df",
                    [
                        value if earlier else None
                        for value, earlier in zip(
                            rates(
                                lambda month: kpi_rolled_up(
                                    counters=by_month[month], predecessors=predecessors
                                )
                            ),
                            before,
                            strict=True,
                        )
                    ],
                )
            )
        if agency.code != root:
            series.append(
                (
                    gettext("Toàn tỉnh"),
                    "#8c959f",
                    rates(lambda month: by_month[month].get(root) or zero_counters()),
                )
            )
        charts.append(trend_chart(indicator=indicator, labels=labels, series=series, target=target))
    return charts


# --- Overdue dossiers (a list, so it reads dossiers, one page at a time) -----------------------


def overdue_dossiers(
    *, agency: Agency, period: Period, domain_id: int | None = None, unit: Agency | None = None
) -> QuerySet[Dossier]:
    """The dossiers overdue in the period under the agency (or one of its sub-units), as
    dossiers.counting judges them. Oldest due date first.

    Read through a partial index of dossiers that may be overdue (LATE_OR_OPEN): a page of it
    walks dossier_late_or_open_due in due-date order and stops after its rows."""
    scope = unit or agency
    agency_ids = Agency.objects.filter(path__startswith=scope.path).values("id")
    queryset = Dossier.objects.filter(
        Q(agency_id__in=agency_ids)
        & LATE_OR_OPEN  # implied by the next line; it lets the partial index serve the query
        & counting.overdue_q(counting.Window.of_days(period.start, period.end))
    )
    if domain_id is not None:
        queryset = queryset.filter(procedure__domain_id=domain_id)
    return queryset.select_related("agency", "procedure__domain", "apology").order_by(
        "due_at", "id"
    )


def overdue_total(
    *, agency: Agency, period: Period, domain_id: int | None = None, unit: Agency | None = None
) -> int:
    """How many dossiers `overdue_dossiers` lists: for a standard period the facts' count (one
    query on one row, whatever the history), for a custom range a count of the dossiers.

    The facts count the same dossiers by the same judgement (dossiers.counting): finished late in
    the period, or still open at its end past due (`overdue_count`), of the scope's subtree, in
    the domain when given. So the badge equals the page's "overdue in the period" figure and is
    as fresh as the other figures (refreshed after each import)."""
    if not period.is_standard:
        return overdue_dossiers(
            agency=agency, period=period, domain_id=domain_id, unit=unit
        ).count()
    facts = KpiFact.objects.filter(
        basis=period.basis.value, period=period.code, scope=(unit or agency).code
    )
    facts = facts.filter(domain_id=domain_id) if domain_id else facts.filter(domain__isnull=True)
    row = facts.values("finished_late", "open_overdue").first()
    return row["finished_late"] + row["open_overdue"] if row else 0


class _CountedPaginator(Paginator):
    """A Paginator told its count, so that it never counts the rows itself."""

    def __init__(self, object_list: QuerySet[Dossier], per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # Paginator.count is a cached_property

    def page(self, number: int | str) -> Page:
        # Always up to a whole page of rows: between an import and the facts' refresh the list
        # (live) may hold more rows than the count says, and the last page then shows them.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        return self._get_page(self.object_list[bottom : bottom + self.per_page], number, self)


@dataclass(frozen=True)
class OverdueLine:
    dossier: Dossier
    days_overdue: int
    still_open: bool
    apologized: bool
    apology_date: date | None


def overdue_page(
    *,
    agency: Agency,
    period: Period,
    page_number: int | str | None = 1,
    domain_id: int | None = None,
    unit: Agency | None = None,
) -> tuple[Page, list[OverdueLine]]:
    """One page (25) of overdue dossiers with their days overdue and apology, two queries: the
    count (`overdue_total`: the facts, for a standard period) and the page, read in the order of
    the partial index dossier_late_or_open_due, so neither grows with the open dossiers."""
    window = counting.Window.of_days(period.start, period.end)
    # Days overdue of a dossier still open count up to today in a period not yet over.
    shown = counting.Window(window.start, window.until, min(window.end, clock.now()))
    paginator = _CountedPaginator(
        overdue_dossiers(agency=agency, period=period, domain_id=domain_id, unit=unit),
        OVERDUE_PAGE_SIZE,
        count=overdue_total(agency=agency, period=period, domain_id=domain_id, unit=unit),
    )
    page = paginator.get_page(page_number)
    lines = []
    for dossier in page.object_list:
        judgement = counting.judge(dossier, shown)
        still_open = judgement is None or judgement.state != counting.State.FINISHED
        days = counting.judged_days_late(judgement) if judgement else 0
        apology = getattr(dossier, "apology", None)
        apologized = apology is not None and apology.issued_at < window.until
        lines.append(
            OverdueLine(
                dossier=dossier,
                days_overdue=days,
                still_open=still_open,
                apologized=apologized,
                apology_date=timezone.localdate(apology.issued_at) if apologized else None,
            )
        )
    return page, lines
