"""The periods a report page offers, and the one it opens on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from agencies.models import Agency
from kpi_portal import clock
from kpi_portal.periods import (
    FIRST_YEAR,
    LAST_YEAR,
    Basis,
    Period,
    PeriodKind,
    parse_period,
    standard_period,
)
from reports.models import KpiFact, KpiPeriod

# Standard period codes start with their year; data dated outside the years people may ask for
# (kpi_portal.periods.FIRST_YEAR…LAST_YEAR) has periods that are never offered (issue 15 item 4).
_VIEWABLE = {"period__gte": str(FIRST_YEAR), "period__lt": str(LAST_YEAR + 1)}


@dataclass(frozen=True)
class PeriodChoice:
    code: str
    label: str


def period_choices(*, basis: Basis) -> list[PeriodChoice]:
    """The computed standard periods of the basis that have data (at least one dossier received
    in them in the province), newest first, longest first within an end. The engine computes
    every period up to today, and a few dossiers left open would make every one of them look
    handled, so years without data would otherwise fill the list. One query."""
    order = {
        PeriodKind.YEAR: 0,
        PeriodKind.NINE_MONTHS: 1,
        PeriodKind.HALF: 2,
        PeriodKind.QUARTER: 3,
        PeriodKind.MONTH: 4,
    }
    with_data = KpiFact.objects.filter(
        basis=basis.value,
        domain__isnull=True,
        received__gt=0,
        scope__in=Agency.objects.filter(parent__isnull=True).values("code"),
    ).values("period")
    rows = KpiPeriod.objects.filter(
        basis=basis.value, period__in=with_data, **_VIEWABLE
    ).values_list("period", "kind", "end_date")
    ordered = sorted(rows, key=lambda r: (-r[2].toordinal(), order.get(PeriodKind(r[1]), 9)))
    return [PeriodChoice(code, parse_period(code, basis).label) for code, _, _ in ordered]


def period_default(*, basis: Basis, today: date | None = None) -> Period:
    """The latest complete half-year that has received dossiers (the directive's rhythm);
    the last complete half-year before today when no facts exist yet."""
    today = today or clock.today()
    code = (
        KpiFact.objects.filter(
            basis=basis.value,
            domain__isnull=True,
            received__gt=0,
            end_date__lt=today,
            period__regex=r"^\d{4}-H[12]$",
            **_VIEWABLE,
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
