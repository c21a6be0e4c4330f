"""The period and basis a page shows, read from ?period=&basis= (shared by every report page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from kpi_portal.periods import Basis, Period, PeriodError, parse_basis, parse_period
from reports.pages.cells import SHORT_NAMES
from reports.pages.periods import PeriodChoice, period_choices, period_default

BASIS_CHOICES = [
    (Basis.CALENDAR.value, gettext_lazy("Theo tháng dương lịch")),
    (Basis.REPORTING.value, gettext_lazy("Theo kỳ báo cáo")),
]


def period_from_request(request: HttpRequest) -> tuple[Period, str | None]:
    """The period and basis of ?period=&basis=, or the default one with an error to show."""
    error = None
    try:
        basis = parse_basis(request.GET.get("basis"))
    except PeriodError as exc:
        basis, error = Basis.CALENDAR, str(exc)
    code = request.GET.get("period", "").strip()
    if code:
        try:
            return parse_period(code, basis), error
        except PeriodError as exc:
            error = str(exc)
    return period_default(basis=basis), error


def period_context(period: Period, error: str | None) -> dict[str, Any]:
    choices = period_choices(basis=period.basis)
    if period.code not in {c.code for c in choices}:
        choices.insert(0, PeriodChoice(period.code, period.label))
    return {
        "period": period,
        "period_error": error,
        "period_choices": choices,
        "basis_choices": BASIS_CHOICES,
        "short_names": SHORT_NAMES,
        "period_query": urlencode({"period": period.code, "basis": period.basis.value}),
    }
