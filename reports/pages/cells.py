"""Rate cells, their colour bands and the rows of the rates tables, shared by every page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext, gettext_lazy, gettext_noop

from agencies.models import Domain
from kpi_portal.formatting import format_number, format_percent, format_rate
from kpi_portal.periods import Period
from kpi_portal.templatetags.kpi_format import SHORTFALL_TEXT
from reports.indicators import INDICATOR_CODES, indicator_fraction
from reports.models import FACT_COUNTERS, Indicator, KpiFact, RateBand
from reports.selectors import Counters, KpiRow, TargetBook, zero_counters
from reports.shortfall import shortfall
from reports.stored_labels import translated

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


# What a page says of the period's dossiers that lack a fact (domain.md section 11), by counter.
UNKNOWN_FACT_NOTES = (
    (
        "unknown_channel",
        gettext_noop(
            "%(count)s hồ sơ không có thông tin kênh nộp (không tính vào tỷ lệ trực tuyến)"
        ),
    ),
    (
        "unknown_components",
        gettext_noop(
            "%(count)s hồ sơ không có thông tin số hóa thành phần hồ sơ"
            " (không tính vào tỷ lệ số hóa)"
        ),
    ),
    (
        "unknown_payment",
        gettext_noop(
            "%(count)s hồ sơ không có thông tin phí, lệ phí hoặc thanh toán trực tuyến"
            " (không tính vào tỷ lệ thanh toán trực tuyến)"
        ),
    ),
    (
        "unknown_e_result",
        gettext_noop(
            "%(count)s hồ sơ không có thông tin kết quả điện tử"
            " (không tính vào tỷ lệ cấp kết quả điện tử)"
        ),
    ),
)


def unknown_fact_notes(counters: Counters | None) -> list[str]:
    """One sentence per fact some of the period's dossiers lack, with how many lack it."""
    counters = counters or {}
    return [
        gettext(message) % {"count": format_number(counters.get(name, 0))}
        for name, message in UNKNOWN_FACT_NOTES
        if counters.get(name, 0)
    ]


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

    @property
    def shortfall(self) -> int | None:
        """Dossiers short of the target: 0 when met, None without dossiers or target."""
        return shortfall(self.numerator, self.denominator, self.target)

    @property
    def shortfall_text(self) -> str:
        """ "còn thiếu 2.760 hồ sơ" beside a rate that misses its target; "" otherwise."""
        missing = self.shortfall
        if not missing:
            return ""
        return gettext(SHORTFALL_TEXT) % {"count": format_number(missing)}


def cell_for(code: str, counters: Counters, target: Decimal | None, bands: Bands) -> Cell:
    """The cell of one indicator from a set of fact counters."""
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
    # "từ 1/7/2025" / "đến 30/6/2025" when the unit existed for only part of the period.
    validity: str = ""

    def cell(self, indicator: str) -> Cell | None:
        return next((c for c in self.cells if c.indicator == indicator), None)


def cells_by_scope(rows: Iterable[KpiRow], bands: Bands) -> dict[str, list[Cell]]:
    cells: dict[str, list[Cell]] = {}
    for row in rows:
        cells.setdefault(row.scope, []).append(
            bands.make_cell(row.indicator, row.numerator, row.denominator, row.target)
        )
    return cells


def shown_indicators() -> list[Indicator]:
    return [i for i in Indicator.objects.all() if i.code in INDICATOR_CODES]


SORT_KEYS = ("rate", "shortfall")


def sort_rows(
    rows: list[ScopeRow], sort: str | None, descending: bool, *, by: str = "rate"
) -> list[ScopeRow]:
    """Sort by an indicator's rate, or by the dossiers it is short of its target (`by`);
    undefined values last, whatever the direction; else by name in tree order (as given)."""
    if sort not in INDICATOR_CODES:
        return rows

    def key(row: ScopeRow) -> Fraction | int | None:
        cell = row.cell(sort)
        if cell is None:
            return None
        return cell.shortfall if by == "shortfall" else cell.sort_key

    defined = [r for r in rows if key(r) is not None]
    undefined = [r for r in rows if key(r) is None]
    defined.sort(key=lambda r: (key(r), r.name), reverse=descending)
    return defined + undefined


def counters_of(fact: KpiFact | dict | None) -> Counters:
    if fact is None:
        return zero_counters()
    if isinstance(fact, dict):
        return {name: fact[name] for name in FACT_COUNTERS}
    return {name: getattr(fact, name) for name in FACT_COUNTERS}


@dataclass
class DomainLine:
    domain: Domain
    handled: int
    overdue: int
    cells: list[Cell]
    share: str = ""

    def cell(self, indicator: str) -> Cell | None:
        return next((c for c in self.cells if c.indicator == indicator), None)


def domain_lines(
    *, scope: str, period: Period, level: str, bands: Bands, book: TargetBook
) -> list[DomainLine]:
    """Per domain of one scope: handled, overdue and the six rates, most overdue first."""
    facts = KpiFact.objects.filter(
        basis=period.basis.value, period=period.code, scope=scope, domain__isnull=False
    ).select_related("domain")
    lines = []
    for fact in facts:
        counters = counters_of(fact)
        lines.append(
            DomainLine(
                domain=fact.domain,
                handled=fact.handled,
                overdue=fact.overdue,
                cells=[
                    cell_for(
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
