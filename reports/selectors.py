"""Read-only queries for the portal's pages, exports and API.

KPI tables read the facts only (a constant number of queries, whatever the number of agencies).
A custom date range has no stored facts (`kpi_own_counters_for_range`): a range of whole
half-months (from a 1st or a 15th to a 14th or a month's end) is read from the engine's cells,
whose cost follows the cells, not the dossiers; any other range is counted from the dossiers
by `kpi_own_counters_from_dossiers`, the engine's definitions written directly as datetime
comparisons (it is also the reference the engine's tests compare with). The cells are used only
while they are current (no refresh pending); otherwise the dossiers answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from django.db.models import Count, F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from agencies.models import Agency, AgencyLevel, Domain
from dossiers.counting import (
    Window,
    finished_early_q,
    finished_late_q,
    handled_q,
    open_overdue_q,
)
from dossiers.models import ENDED_WITHOUT_RESULT_STATUSES, Channel, Dossier
from kpi_portal.periods import Period
from reports.indicators import INDICATOR_CODES, indicator_fraction, without_fact
from reports.models import (
    DEFAULT_TARGETS,
    FACT_COUNTERS,
    Indicator,
    KpiFact,
    KpiPeriod,
    Target,
    TargetChange,
)
from reports.services import (
    kpi_cells_computed_at,
    kpi_cells_current,
    kpi_own_counters_from_cells,
)
from reports.shortfall import shortfall

LEVEL_GROUPS: tuple[tuple[str, str], ...] = (
    ("level:so", AgencyLevel.DEPARTMENT.value),
    ("level:huyen", AgencyLevel.DISTRICT.value),
    ("level:xa", AgencyLevel.COMMUNE.value),
)
LEVEL_OF_GROUP = dict(LEVEL_GROUPS)

Counters = dict[str, int]


# --- Counters ---------------------------------------------------------------------------------


def zero_counters() -> Counters:
    return dict.fromkeys(FACT_COUNTERS, 0)


def kpi_own_counters_from_dossiers(
    *, start: date, end: date, domain_id: int | None = None
) -> dict[tuple[int, int], Counters]:
    """Each agency's own counters per domain for the days [start, end], from the dossiers.

    One grouped query; which dossier counts where is dossiers.counting's judgement (its ORM
    form), so this is the engine's reference in the tests.
    """
    window = Window.of_days(start, end)
    received = Q(received_at__gte=window.start)
    finished = Q(finished_at__lt=window.until)  # among the handled: finished_at >= start
    # A paper-result procedure's dossier that ended with a result (not withdrawn or stopped).
    paper = Q(procedure__paper_result=True) & ~Q(status__in=ENDED_WITHOUT_RESULT_STATUSES)
    fee = Q(fee__gt=0)
    overdue = finished_late_q(window) | open_overdue_q(window)

    queryset = Dossier.objects.filter(handled_q(window))
    if domain_id is not None:
        queryset = queryset.filter(procedure__domain_id=domain_id)
    rows = (
        queryset.values("agency_id", "procedure__domain_id")
        .annotate(
            received=Count("id", filter=received),
            received_online=Count("id", filter=received & Q(channel=Channel.ONLINE)),
            digitized=Count("id", filter=received & Q(components_digitized=F("components_total"))),
            # Before the annotation named paid_online, which later filters would read instead.
            unknown_payment=Count(
                "id",
                filter=received & (Q(fee__isnull=True) | (fee & Q(paid_online__isnull=True))),
            ),
            with_fee=Count("id", filter=received & fee & Q(paid_online__isnull=False)),
            paid_online=Count("id", filter=received & fee & Q(paid_online=True)),
            handled=Count("id"),
            carried_over=Count("id", filter=Q(received_at__lt=window.start)),
            finished=Count("id", filter=finished),
            finished_early=Count("id", filter=finished_early_q(window)),
            finished_late=Count("id", filter=finished_late_q(window)),
            finished_paper=Count("id", filter=finished & paper & Q(e_result__isnull=False)),
            finished_paper_e=Count("id", filter=finished & paper & Q(e_result=True)),
            open_overdue=Count("id", filter=open_overdue_q(window)),
            apologized=Count("id", filter=overdue & Q(apology__issued_at__lt=window.until)),
            unknown_channel=Count("id", filter=received & Q(channel__isnull=True)),
            unknown_components=Count("id", filter=received & Q(components_total__isnull=True)),
            unknown_e_result=Count("id", filter=finished & paper & Q(e_result__isnull=True)),
        )
        .order_by()
    )
    return {
        (row["agency_id"], row["procedure__domain_id"]): {name: row[name] for name in FACT_COUNTERS}
        for row in rows
    }


def kpi_roll_up(
    *, own: Mapping[tuple[int, int], Counters], agencies: Iterable[Agency]
) -> dict[tuple[str, int | None], Counters]:
    """Sum own counters into scopes, as the engine's SQL does: every agency node over its subtree
    and each level group over its agencies' own dossiers; per domain and for all domains (None)."""
    agencies = list(agencies)
    by_id = {agency.id: agency for agency in agencies}
    by_path = {agency.path: agency for agency in agencies}
    group_of_level = {level: scope for scope, level in LEVEL_GROUPS}
    totals: dict[tuple[str, int | None], Counters] = defaultdict(zero_counters)
    for (agency_id, domain_id), counters in own.items():
        agency = by_id[agency_id]
        parts = agency.path.strip("/").split("/")
        scopes = [
            by_path[prefix].code
            for prefix in ("/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1))
            if prefix in by_path
        ]
        if agency.level in group_of_level:
            scopes.append(group_of_level[agency.level])
        for scope in scopes:
            for key in ((scope, domain_id), (scope, None)):
                target = totals[key]
                for name, value in counters.items():
                    target[name] += value
    return dict(totals)


# --- Targets ----------------------------------------------------------------------------------


@dataclass
class TargetBook:
    """All targets, loaded in one query, answering "which target applies" without queries.

    `load()` holds the targets as last set, which pages and the KPI exports compare with;
    `TargetHistory.book(as_of=…)` holds those in force on a given day, which a ranking uses
    (docs/rankings.md, "Versions"). `valid_from`: the first day of the latest change in force
    (None: no change since the values the portal started with).
    """

    targets: dict[str, list[Target]] = field(default_factory=dict)
    valid_from: date | None = None

    @classmethod
    def load(cls) -> TargetBook:
        book = cls()
        for target in Target.objects.select_related("indicator"):
            book.targets.setdefault(target.indicator.code, []).append(target)
        return book

    def value(self, *, indicator: str, year: int, level: str) -> Decimal | None:
        candidates = [
            t
            for t in self.targets.get(indicator, [])
            if t.year in (None, year) and t.level in ("", level)
        ]
        if not candidates:
            return DEFAULT_TARGETS.get(indicator)
        return max(candidates, key=Target.specificity).value


@dataclass
class TargetHistory:
    """The targets as last set and every change that applies from a given day (two queries),
    answering which targets were in force on any day without more queries."""

    current: list[Target]
    dated: list[TargetChange]  # the changes with a first day, oldest first

    @classmethod
    def load(cls) -> TargetHistory:
        return cls(
            current=list(Target.objects.select_related("indicator")),
            dated=list(
                TargetChange.objects.filter(valid_from__isnull=False)
                .select_related("indicator")
                .order_by("id")
            ),
        )

    def book(self, *, as_of: date) -> TargetBook:
        """The targets in force on `as_of`: a change applying from a later day is undone, i.e.
        each target takes the value it had before the first such change (a target created by it
        did not exist yet). The days of one target's changes never go back (target_set), so the
        first later change holds the value in force then."""
        values = {(t.indicator.code, t.year, t.level): t for t in self.current}
        undone: set[tuple] = set()
        for change in self.dated:
            key = (change.indicator.code, change.year, change.level)
            if change.valid_from <= as_of or key in undone:
                continue
            undone.add(key)
            if change.old_value is None:
                values.pop(key, None)
            else:
                values[key] = Target(
                    indicator=change.indicator,
                    year=change.year,
                    level=change.level,
                    value=change.old_value,
                )
        book = TargetBook(
            valid_from=max(
                (c.valid_from for c in self.dated if c.valid_from <= as_of), default=None
            )
        )
        for (code, _, _), target in values.items():
            book.targets.setdefault(code, []).append(target)
        return book


def meets_target(
    numerator: int, denominator: int, target: Decimal | None, *, higher_is_better: bool = True
) -> bool | None:
    """rate >= target (exact, no float rounding); None when the rate or the target is undefined."""
    if not denominator or target is None:
        return None
    rate = Fraction(numerator, denominator)
    return rate >= Fraction(target) if higher_is_better else rate <= Fraction(target)


# --- KPI tables -------------------------------------------------------------------------------


@dataclass(frozen=True)
class KpiRow:
    scope: str
    name: str
    level: str
    indicator: str
    numerator: int
    denominator: int
    target: Decimal | None
    meets_target: bool | None
    # Dossiers short of the target (reports/shortfall.py): 0 when met, None without dossiers.
    shortfall: int | None = None
    # Dossiers left out of the rate because a fact it needs is unknown (domain.md section 11).
    without_fact: int = 0

    @property
    def rate(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class KpiTable:
    period: Period
    domain: Domain | None
    computed_at: datetime | None
    rows: list[KpiRow]
    counters: dict[str, Counters]
    # The agencies listed (those that existed on some day of the period), by code.
    units: dict[str, Agency] = field(default_factory=dict)


def kpi_own_counters_for_range(
    period: Period, *, domain_id: int | None = None
) -> tuple[dict[tuple[int, int], Counters], datetime | None]:
    """Each agency's own counters per domain for a custom range, and as of when.

    From the cells when the range is whole half-months and the cells are current (as of their
    last write), else from the dossiers (as of now). Both give the same numbers: the engine's
    tests hold the cells to the dossiers' definitions.
    """
    if period.is_whole_half_months and kpi_cells_current():
        own = kpi_own_counters_from_cells(
            start_bucket=period.start_bucket, end_bucket=period.end_bucket, domain_id=domain_id
        )
        return own, kpi_cells_computed_at()
    own = kpi_own_counters_from_dossiers(start=period.start, end=period.end, domain_id=domain_id)
    return own, timezone.now()


def kpi_counters_for_period(
    *, period: Period, domain: Domain | None = None
) -> tuple[dict[str, Counters], datetime | None]:
    """Counters of every scope that has dossiers in the period, and when they were computed.

    Standard periods: two queries on the facts. Custom ranges: `kpi_own_counters_for_range`.
    """
    if not period.is_standard:
        wanted = domain.id if domain else None
        own, computed_at = kpi_own_counters_for_range(period, domain_id=wanted)
        rolled = kpi_roll_up(own=own, agencies=Agency.objects.only("id", "code", "path", "level"))
        return {
            scope: counters
            for (scope, domain_id), counters in rolled.items()
            if domain_id == wanted
        }, computed_at
    computed_at = (
        KpiPeriod.objects.filter(basis=period.basis.value, period=period.code)
        .values_list("computed_at", flat=True)
        .first()
    )
    facts = KpiFact.objects.filter(basis=period.basis.value, period=period.code)
    facts = facts.filter(domain=domain) if domain else facts.filter(domain__isnull=True)
    counters = {
        row["scope"]: {name: row[name] for name in FACT_COUNTERS}
        for row in facts.values("scope", *FACT_COUNTERS)
    }
    return counters, computed_at


def kpi_table(
    *,
    period: Period,
    domain: Domain | None = None,
    within: Agency | None = None,
    include_groups: bool = True,
) -> KpiTable:
    """One row per agency node (tree order) and level group × indicator, for the period: the
    agencies that existed on some day of it (a unit formed later, or dissolved before, has none).

    `within` restricts the rows to that agency's subtree (and drops the level groups, which
    span agencies outside it). Scopes without dossiers get zero counts (rate None).
    A constant number of queries: agencies, indicators, targets, facts and their period.
    """
    counters, computed_at = kpi_counters_for_period(period=period, domain=domain)
    agencies = (
        Agency.objects.existing_during(period.start, period.end)
        .order_by("path")
        .only("code", "name", "short_name", "level", "path", "parent", "valid_from", "valid_to")
    )
    if within is not None:
        agencies = agencies.filter(path__startswith=within.path)
        include_groups = False
    units = {a.code: a for a in agencies}
    scopes: list[tuple[str, str, str]] = [(a.code, a.name, a.level) for a in units.values()]
    if include_groups:
        scopes += [(scope, scope, level) for scope, level in LEVEL_GROUPS]
    indicators = {i.code: i for i in Indicator.objects.all()}
    codes = [code for code in indicators if code in INDICATOR_CODES] or list(INDICATOR_CODES)
    book = TargetBook.load()
    rows = []
    for scope, name, level in scopes:
        scope_counters = counters.get(scope) or zero_counters()
        for code in codes:
            numerator, denominator = indicator_fraction(code, scope_counters)
            target = book.value(indicator=code, year=period.year, level=level)
            indicator = indicators.get(code)
            higher_is_better = indicator.higher_is_better if indicator else True
            rows.append(
                KpiRow(
                    scope=scope,
                    name=name,
                    level=level,
                    indicator=code,
                    numerator=numerator,
                    denominator=denominator,
                    target=target,
                    meets_target=meets_target(
                        numerator, denominator, target, higher_is_better=higher_is_better
                    ),
                    shortfall=shortfall(
                        numerator, denominator, target, higher_is_better=higher_is_better
                    ),
                    without_fact=without_fact(code, scope_counters),
                )
            )
    return KpiTable(
        period=period,
        domain=domain,
        computed_at=computed_at,
        rows=rows,
        counters=counters,
        units=units,
    )


# --- Successor view (domain.md section 12) --------------------------------------------------

PREDECESSORS_LABEL = gettext_noop("Các đơn vị tiền thân (cộng gộp)")


def kpi_predecessors_before(*, agency: Agency, period: Period) -> list[Agency]:
    """The units `agency` was merged from, when the period begins before `agency` existed (its
    page then shows their figures rolled up, as a separate series); otherwise none. No query
    for a unit without a start date."""
    if agency.valid_from is None or period.start >= agency.valid_from:
        return []
    return list(
        agency.merged_from.order_by("path").only("code", "name", "path", "valid_from", "valid_to")
    )


def kpi_rolled_up(*, counters: Mapping[str, Counters], predecessors: Iterable[Agency]) -> Counters:
    """Σ of the counters of the predecessors' nodes (a node inside another one counted once):
    rates from it are Σnum/Σden over the merged units. The stored facts are not touched."""
    predecessors = list(predecessors)
    outer = [
        a
        for a in predecessors
        if not any(o is not a and a.path.startswith(o.path) for o in predecessors)
    ]
    total = zero_counters()
    for former in outer:
        for name, value in (counters.get(former.code) or {}).items():
            total[name] += value
    return total


def kpi_data_as_of() -> datetime | None:
    """When the facts were last computed (any period)."""
    return KpiPeriod.objects.aggregate(last=Max("computed_at"))["last"]
