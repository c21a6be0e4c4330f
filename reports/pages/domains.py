"""The domains page: province-wide overdue dossiers and rates per domain, each domain's share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agencies.models import Agency, AgencyLevel
from kpi_portal.formatting import format_rate
from kpi_portal.periods import Period
from reports.charts import domains_overdue_chart
from reports.models import Indicator, KpiFact, KpiPeriod
from reports.pages.cells import Bands, DomainLine, domain_lines, shown_indicators
from reports.selectors import TargetBook


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
    total_received: int = 0  # 0: no dossier received in the period (no data)


def domains_page_build(*, period: Period) -> DomainsPage:
    """Province-wide overdue dossiers and rates per domain, each domain's share of the overdue."""
    root = Agency.objects.filter(level=AgencyLevel.PROVINCE).order_by("path").first()
    bands = Bands.load()
    book = TargetBook.load()
    indicators = shown_indicators()
    computed_at = (
        KpiPeriod.objects.filter(basis=period.basis.value, period=period.code)
        .values_list("computed_at", flat=True)
        .first()
    )
    lines: list[DomainLine] = []
    total_overdue = total_handled = total_received = 0
    if root is not None:
        lines = domain_lines(
            scope=root.code, period=period, level=AgencyLevel.PROVINCE, bands=bands, book=book
        )
        total = KpiFact.objects.filter(
            basis=period.basis.value, period=period.code, scope=root.code, domain__isnull=True
        ).first()
        if total is not None:
            total_overdue, total_handled = total.overdue, total.handled
            total_received = total.received
    for line in lines:
        line.share = format_rate(line.overdue, total_overdue)
    chart = domains_overdue_chart(lines)
    return DomainsPage(
        period=period,
        computed_at=computed_at,
        indicators=indicators,
        total_overdue=total_overdue,
        total_handled=total_handled,
        total_received=total_received,
        lines=lines,
        legend=bands.legend(),
        charts=[chart] if chart else [],
    )
