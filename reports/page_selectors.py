"""Read-only queries that shape the portal's pages: the province overview, an agency's page, the
domains page and the targets page.

Every figure comes from the KPI facts (`KpiFact`, `KpiPeriod`), in a constant number of queries
whatever the number of agencies or dossiers. The one exception is the agency page's list of
overdue dossiers: it is a list of dossiers, not a figure, so it reads them, one page at a time.
Plotly figures are built here as plain dicts; the templates pass them on with `json_script`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from agencies.models import Agency, AgencyLevel, Domain
from dossiers import counting
from dossiers.models import LATE_OR_OPEN, Dossier
from kpi_portal.db import is_postgres
from kpi_portal.formatting import format_number, format_percent, format_rate
from kpi_portal.periods import Basis, Period, PeriodKind, parse_period, standard_period
from reports.indicators import INDICATOR_CODES, indicator_fraction, overdue_count
from reports.models import (
    FACT_COUNTERS,
    Indicator,
    KpiFact,
    KpiPeriod,
    RateBand,
    Target,
    TargetChange,
)
from reports.selectors import (
    Counters,
    KpiRow,
    TargetBook,
    kpi_table,
    zero_counters,
)
from reports.stored_labels import translated

OVERDUE_PAGE_SIZE = 25
UNDEFINED_BAND = "none"

# Short column headings for the wide tables; the full names are in each heading's title.
SHORT_NAMES = {
    "digitization": gettext_lazy("Số hóa"),
    "e_result": gettext_lazy("KQ điện tử"),
    "on_time": gettext_lazy("Đúng hạn"),
    "apology": gettext_lazy("Xin lỗi"),
    "online_submission": gettext_lazy("Trực tuyến"),
    "online_payment": gettext_lazy("TT trực tuyến"),
}


# --- Periods ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeriodChoice:
    code: str
    label: str


def period_choices(*, basis: Basis) -> list[PeriodChoice]:
    """The computed standard periods of the basis, newest first, longest first within an end."""
    order = {
        PeriodKind.YEAR: 0,
        PeriodKind.NINE_MONTHS: 1,
        PeriodKind.HALF: 2,
        PeriodKind.QUARTER: 3,
        PeriodKind.MONTH: 4,
    }
    rows = KpiPeriod.objects.filter(basis=basis.value).values_list("period", "kind", "end_date")
    ordered = sorted(rows, key=lambda r: (-r[2].toordinal(), order.get(PeriodKind(r[1]), 9)))
    return [PeriodChoice(code, parse_period(code, basis).label) for code, _, _ in ordered]


def period_default(*, basis: Basis, today: date | None = None) -> Period:
    """The latest complete half-year that has received dossiers (the directive's rhythm);
    the last complete half-year before today when no facts exist yet."""
    today = today or timezone.localdate()
    code = (
        KpiFact.objects.filter(
            basis=basis.value,
            domain__isnull=True,
            received__gt=0,
            end_date__lt=today,
            period__regex=r"^\d{4}-H[12]$",
        )
        .order_by("-end_date")
        .values_list("period", flat=True)
        .first()
    )
    if code:
        return parse_period(code, basis)
    year, half = (today.year, 1) if today.month > 6 else (today.year - 1, 2)
    first = 1 if half == 1 else 7
    return standard_period(
        year=year, kind=PeriodKind.HALF, first_month=first, last_month=first + 5, basis=basis
    )


# --- Rate bands and cells ---------------------------------------------------------------------


@dataclass(frozen=True)
class Bands:
    """The colouring thresholds, loaded once per page (one query)."""

    bands: tuple[tuple[str, str, Decimal | None], ...]

    @classmethod
    def load(cls) -> Bands:
        rows = tuple(RateBand.objects.values_list("code", "label", "max_gap_points"))
        return cls(rows or (("met", "Đạt", Decimal(0)), ("far", "Chưa đạt", None)))

    def band(self, numerator: int, denominator: int, target: Decimal | None) -> str:
        if not denominator or target is None:
            return UNDEFINED_BAND
        gap_points = (Fraction(target) - Fraction(numerator, denominator)) * 100
        for code, _label, max_gap in self.bands:
            if max_gap is None or gap_points <= Fraction(max_gap):
                return code
        return self.bands[-1][0]

    def label(self, code: str) -> str:
        return translated(next((label for c, label, _gap in self.bands if c == code), ""))

    def make_cell(
        self, code: str, numerator: int, denominator: int, target: Decimal | None
    ) -> Cell:
        band = self.band(numerator, denominator, target)
        return Cell(code, numerator, denominator, target, band, self.label(band))

    def legend(self) -> list[tuple[str, str]]:
        return [(code, translated(label)) for code, label, _gap in self.bands]


@dataclass(frozen=True)
class Cell:
    indicator: str
    numerator: int
    denominator: int
    target: Decimal | None
    band: str
    band_label: str = ""

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    @property
    def short_name(self) -> str:
        return str(SHORT_NAMES.get(self.indicator, self.indicator))

    @property
    def rate_text(self) -> str:
        return format_rate(self.numerator, self.denominator)

    @property
    def fraction_text(self) -> str:
        return f"{format_number(self.numerator)} / {format_number(self.denominator)}"

    @property
    def target_text(self) -> str:
        return format_percent(self.target)

    @property
    def sort_key(self) -> Fraction | None:
        return Fraction(self.numerator, self.denominator) if self.denominator else None


def _cell(
    code: str, counters: Counters, target: Decimal | None, bands: Bands, higher: bool = True
) -> Cell:
    numerator, denominator = indicator_fraction(code, counters)
    return bands.make_cell(code, numerator, denominator, target)


@dataclass
class ScopeRow:
    """One line of a rates table: an agency node or a level group, with a cell per indicator."""

    code: str
    name: str
    level: str
    cells: list[Cell]
    kind: str = "agency"  # agency | group | province
    url_code: str | None = None
    overdue: int = 0

    def cell(self, indicator: str) -> Cell | None:
        return next((c for c in self.cells if c.indicator == indicator), None)


def _rows_by_scope(rows: Iterable[KpiRow], bands: Bands) -> dict[str, list[Cell]]:
    cells: dict[str, list[Cell]] = {}
    for row in rows:
        cells.setdefault(row.scope, []).append(
            bands.make_cell(row.indicator, row.numerator, row.denominator, row.target)
        )
    return cells


def _indicators() -> list[Indicator]:
    indicators = [i for i in Indicator.objects.all() if i.code in INDICATOR_CODES]
    return indicators


def _sort_rows(rows: list[ScopeRow], sort: str | None, descending: bool) -> list[ScopeRow]:
    """Sort by an indicator's rate (undefined rates last, whatever the direction), else by name
    in tree order (as given)."""
    if sort not in INDICATOR_CODES:
        return rows
    defined = [r for r in rows if (c := r.cell(sort)) is not None and c.sort_key is not None]
    undefined = [r for r in rows if r not in defined]
    defined.sort(key=lambda r: (r.cell(sort).sort_key, r.name), reverse=descending)
    return defined + undefined


# --- Province overview ------------------------------------------------------------------------


def overview_data_version() -> str:
    """A short fingerprint of everything the overview shows besides the request's own choices:
    when the facts were last computed (any period: a new period also changes the period choices),
    the targets, the rate bands, the indicators' names and the agencies (names, levels, tree).

    One query. The rendered overview is cached under a key that holds this fingerprint
    (reports/overview_cache.py), so a new KPI run or a changed target, band or agency makes a
    new key and the next request renders afresh; nothing has to be deleted.
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
    indicators = _indicators()
    cells = _rows_by_scope(table.rows, bands)
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
        groups.append(OverviewGroup(title, total, _sort_rows(by_level[level], sort, descending)))
    charts = [
        _with_json(_overview_chart(indicator, [row for g in groups for row in g.rows], period))
        for indicator in indicators
    ]
    return Overview(
        period=period,
        computed_at=table.computed_at,
        indicators=indicators,
        province=province,
        groups=groups,
        charts=charts,
        legend=bands.legend(),
        sort=sort if sort in INDICATOR_CODES else None,
        descending=descending,
        **_handled_counts(table.counters.get(province.code) if province else None),
    )


def _handled_counts(counters: Counters | None) -> dict[str, int]:
    counters = counters or zero_counters()
    overdue = overdue_count(counters)
    return {
        "handled": counters["handled"],
        "on_time": counters["handled"] - overdue,
        "overdue": overdue,
    }


def _with_json(chart: dict[str, Any]) -> dict[str, Any]:
    """Add the figure as JSON text. The page puts it in a hidden element (HTML-escaped) rather
    than a json_script <script>: htmx drops <script> elements from swapped content when script
    tags are not allowed (base.html), and charts.js reads the element's textContent either way."""
    chart["json"] = json.dumps(chart["figure"], ensure_ascii=False)
    return chart


def _percent(cell: Cell | None) -> float | None:
    """A rate in percent for a chart axis, cut to two decimals like the tables."""
    if cell is None or not cell.denominator:
        return None
    return (cell.numerator * 10000 // cell.denominator) / 100


def _overview_chart(indicator: Indicator, rows: Sequence[ScopeRow], period: Period) -> dict:
    names = [row.name for row in rows]
    values = [_percent(row.cell(indicator.code)) for row in rows]
    targets = [
        float(c.target) * 100 if (c := row.cell(indicator.code)) and c.target is not None else None
        for row in rows
    ]
    colours = {"met": "#116329", "close": "#9a6700", "far": "#a40e26", UNDEFINED_BAND: "#8c959f"}
    bars = [
        colours.get(c.band, "#0b5cad") if (c := row.cell(indicator.code)) else "#8c959f"
        for row in rows
    ]
    return {
        "id": f"chart-{indicator.code}",
        "title": translated(indicator.name),
        "figure": {
            "data": [
                {
                    "type": "bar",
                    "name": gettext("Tỷ lệ (%)"),
                    "x": names,
                    "y": values,
                    "marker": {"color": bars},
                    "hovertemplate": "%{x}: %{y:.2f}%<extra></extra>",
                },
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": gettext("Mục tiêu"),
                    "x": names,
                    "y": targets,
                    "line": {"color": "#1b1f24", "dash": "dash", "width": 2},
                    "hovertemplate": gettext("Mục tiêu") + ": %{y:.2f}%<extra></extra>",
                },
            ],
            "layout": {
                "title": {"text": translated(indicator.name), "font": {"size": 14}},
                "height": 280,
                "margin": {"l": 40, "r": 10, "t": 36, "b": 90},
                "yaxis": {"range": [0, 105], "ticksuffix": "%"},
                "xaxis": {"tickangle": -45, "tickfont": {"size": 9}, "automargin": True},
                "showlegend": False,
                "separators": ",.",
            },
            "config": {"displayModeBar": False},
        },
    }


# --- Agency page ------------------------------------------------------------------------------


@dataclass
class AgencyRateLine:
    indicator: Indicator
    cell: Cell
    province: Cell


@dataclass
class DomainLine:
    domain: Domain
    handled: int
    overdue: int
    cells: list[Cell]
    share: str = ""

    def cell(self, indicator: str) -> Cell | None:
        return next((c for c in self.cells if c.indicator == indicator), None)


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


def _root_code(agency: Agency) -> str:
    return agency.path.strip("/").split("/")[0]


def _counters(fact: KpiFact | dict | None) -> Counters:
    if fact is None:
        return zero_counters()
    if isinstance(fact, dict):
        return {name: fact[name] for name in FACT_COUNTERS}
    return {name: getattr(fact, name) for name in FACT_COUNTERS}


def agency_page_build(*, agency: Agency, period: Period) -> AgencyPage:
    """An agency's rates beside the province's, its domains, sub-units and monthly trends.

    Reads facts only, in a constant number of queries."""
    table = kpi_table(period=period, within=agency)
    bands = Bands.load()
    indicators = _indicators()
    book = TargetBook.load()
    cells = _rows_by_scope(table.rows, bands)
    root = _root_code(agency)
    province_counters = table.counters.get(root) or zero_counters()
    own = table.counters.get(agency.code) or zero_counters()
    rates = []
    for indicator in indicators:
        own_cell = next(c for c in cells[agency.code] if c.indicator == indicator.code)
        target = book.value(indicator=indicator.code, year=period.year, level=AgencyLevel.PROVINCE)
        rates.append(
            AgencyRateLine(
                indicator, own_cell, _cell(indicator.code, province_counters, target, bands)
            )
        )
    # Sub-units: the direct children, from the subtree kpi_table already read (tree order).
    subtree = list(
        agency.subtree().order_by("path").only("code", "name", "level", "path", "parent")
    )
    sub_units = [
        ScopeRow(a.code, a.name, a.level, cells.get(a.code, []), url_code=a.code)
        for a in subtree
        if a.parent_id == agency.id
    ]
    for row in sub_units:
        counters = table.counters.get(row.code) or zero_counters()
        row.overdue = overdue_count(counters)
    domains = _domain_lines(
        scope=agency.code, period=period, level=agency.level, bands=bands, book=book
    )
    total_overdue = overdue_count(own)
    for line in domains:
        line.share = format_rate(line.overdue, total_overdue)
    trend_charts = _trend_charts(
        agency=agency, root=root, period=period, indicators=indicators, book=book
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
    )


def _domain_lines(
    *, scope: str, period: Period, level: str, bands: Bands, book: TargetBook
) -> list[DomainLine]:
    """Per domain of one scope: handled, overdue and the six rates, most overdue first."""
    facts = KpiFact.objects.filter(
        basis=period.basis.value, period=period.code, scope=scope, domain__isnull=False
    ).select_related("domain")
    lines = []
    for fact in facts:
        counters = _counters(fact)
        lines.append(
            DomainLine(
                domain=fact.domain,
                handled=fact.handled,
                overdue=fact.overdue,
                cells=[
                    _cell(
                        code,
                        counters,
                        book.value(indicator=code, year=period.year, level=level),
                        bands,
                    )
                    for code in INDICATOR_CODES
                ],
            )
        )
    lines.sort(key=lambda line: (-line.overdue, -line.handled, line.domain.name))
    return lines


def _months_of(period: Period) -> list[Period]:
    """The months of the period's year on its basis (the trend shows the whole year)."""
    return [
        standard_period(
            year=period.year, kind=PeriodKind.MONTH, first_month=m, last_month=m, basis=period.basis
        )
        for m in range(1, 13)
    ]


def _trend_charts(
    *, agency: Agency, root: str, period: Period, indicators: list[Indicator], book: TargetBook
) -> list[dict[str, Any]]:
    months = _months_of(period)
    codes = [m.code for m in months]
    facts = KpiFact.objects.filter(
        basis=period.basis.value,
        period__in=codes,
        scope__in={agency.code, root},
        domain__isnull=True,
    ).values("scope", "period", *FACT_COUNTERS)
    by_key = {(f["scope"], f["period"]): _counters(f) for f in facts}
    labels = [f"{m.first_month:02d}/{m.year}" for m in months]
    charts = []
    for indicator in indicators:
        target = book.value(indicator=indicator.code, year=period.year, level=agency.level)
        series = []
        for scope, name, colour in (
            (agency.code, agency.short_name or agency.name, "#0b5cad"),
            (root, gettext("Toàn tỉnh"), "#8c959f"),
        ):
            if scope == root and agency.code == root:
                continue
            values = []
            for code in codes:
                counters = by_key.get((scope, code))
                numerator, denominator = indicator_fraction(
                    indicator.code, counters or zero_counters()
                )
                values.append((numerator * 10000 // denominator) / 100 if denominator else None)
            series.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "name": name,
                    "x": labels,
                    "y": values,
                    "line": {"color": colour},
                    "connectgaps": False,
                }
            )
        if target is not None:
            series.append(
                {
                    "type": "scatter",
                    "mode": "lines",
                    "name": gettext("Mục tiêu"),
                    "x": labels,
                    "y": [float(target) * 100] * len(labels),
                    "line": {"color": "#1b1f24", "dash": "dash", "width": 1.5},
                }
            )
        charts.append(
            _with_json(
                {
                    "id": f"trend-{indicator.code}",
                    "title": translated(indicator.name),
                    "figure": {
                        "data": series,
                        "layout": {
                            "title": {"text": translated(indicator.name), "font": {"size": 14}},
                            "height": 240,
                            "margin": {"l": 40, "r": 10, "t": 36, "b": 40},
                            "yaxis": {"range": [0, 105], "ticksuffix": "%"},
                            "legend": {"orientation": "h", "y": -0.3},
                            "separators": ",.",
                        },
                        "config": {"displayModeBar": False},
                    },
                }
            )
        )
    return charts


# --- Overdue dossiers (a list, so it reads dossiers, one page at a time) -----------------------


def overdue_dossiers(
    *, agency: Agency, period: Period, domain_id: int | None = None, unit: Agency | None = None
) -> QuerySet[Dossier]:
    """The dossiers overdue in the period under the agency (or one of its sub-units), as
    dossiers.counting judges them. Oldest due date first.

    Read through the partial index of dossiers that may be overdue (LATE_OR_OPEN)."""
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
    """One page (25) of overdue dossiers with their days overdue and apology, two queries."""
    window = counting.Window.of_days(period.start, period.end)
    # Days overdue of a dossier still open count up to today in a period not yet over.
    shown = counting.Window(window.start, window.until, min(window.end, timezone.now()))
    paginator = Paginator(
        overdue_dossiers(agency=agency, period=period, domain_id=domain_id, unit=unit),
        OVERDUE_PAGE_SIZE,
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


# --- Domains page -----------------------------------------------------------------------------


@dataclass
class DomainsPage:
    period: Period
    computed_at: datetime | None
    indicators: list[Indicator]
    total_overdue: int
    total_handled: int
    lines: list[DomainLine]
    legend: list[tuple[str, str]]
    charts: list[dict[str, Any]]


def domains_page_build(*, period: Period) -> DomainsPage:
    """Province-wide overdue dossiers and rates per domain, each domain's share of the overdue."""
    root = Agency.objects.filter(level=AgencyLevel.PROVINCE).order_by("path").first()
    bands = Bands.load()
    book = TargetBook.load()
    indicators = _indicators()
    computed_at = (
        KpiPeriod.objects.filter(basis=period.basis.value, period=period.code)
        .values_list("computed_at", flat=True)
        .first()
    )
    lines: list[DomainLine] = []
    total_overdue = total_handled = 0
    if root is not None:
        lines = _domain_lines(
            scope=root.code, period=period, level=AgencyLevel.PROVINCE, bands=bands, book=book
        )
        total = KpiFact.objects.filter(
            basis=period.basis.value, period=period.code, scope=root.code, domain__isnull=True
        ).first()
        if total is not None:
            total_overdue, total_handled = total.overdue, total.handled
    for line in lines:
        line.share = format_rate(line.overdue, total_overdue)
    shown = [line for line in lines if line.overdue][:15]
    chart = None
    if shown:
        chart = {
            "id": "chart-domains-overdue",
            "title": gettext("Hồ sơ quá hạn theo lĩnh vực"),
            "figure": {
                "data": [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "x": [line.overdue for line in reversed(shown)],
                        "y": [line.domain.name for line in reversed(shown)],
                        "marker": {"color": "#a40e26"},
                        "hovertemplate": "%{y}: %{x}<extra></extra>",
                    }
                ],
                "layout": {
                    "title": {"text": gettext("Hồ sơ quá hạn theo lĩnh vực"), "font": {"size": 14}},
                    "height": 120 + 24 * len(shown),
                    "margin": {"l": 10, "r": 10, "t": 36, "b": 30},
                    "yaxis": {"automargin": True},
                    "separators": ",.",
                },
                "config": {"displayModeBar": False},
            },
        }
    return DomainsPage(
        period=period,
        computed_at=computed_at,
        indicators=indicators,
        total_overdue=total_overdue,
        total_handled=total_handled,
        lines=lines,
        legend=bands.legend(),
        charts=[_with_json(chart)] if chart else [],
    )


# --- Targets page -----------------------------------------------------------------------------


def targets_overview() -> dict[str, Any]:
    """Every target set (most general first per indicator) and the latest 50 changes."""
    targets = list(
        Target.objects.select_related("indicator").order_by(
            "indicator__sort_order", "indicator__code", "year", "level"
        )
    )
    changes = list(TargetChange.objects.select_related("indicator", "changed_by")[:50])
    return {"targets": targets, "changes": changes}
