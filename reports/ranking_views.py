"""Home Affairs pages: the rankings (/rankings/) and the standard report Biểu số 06 (/reports/06/),
with their downloads. One view and one template per page serve the page and its HTMX swaps.

Home Affairs, the province office and administrators see every agency; an agency head sees only
their own row and rank (and the report for their own subtree); no role: 403.
"""

from __future__ import annotations

import io
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from agencies.access import membership_for, require_role, sees_every_agency
from agencies.models import Agency, Role
from kpi_portal.formatting import format_number, format_percent
from kpi_portal.periods import Period
from reports.export_files import (
    indicator_names,
    ranking_csv,
    ranking_json,
    ranking_pdf,
    ranking_xlsx,
)
from reports.forms import ScoringWeightForm
from reports.pages.cells import SHORT_NAMES
from reports.period_params import period_context, period_from_request
from reports.ranking import (
    TABLE_LABELS,
    Ranking,
    ranking_build,
    ranking_chart,
    ranking_for_agency,
    scoring_weight_change,
    weights_overview,
)
from reports.report06 import (
    FORM_CIRCULAR,
    FORM_NUMBER,
    FORM_TITLE,
    FORM_UNIT,
    LAYOUTS,
    report06_build,
    report06_layout,
)
from reports.report06_files import report06_pdf, report06_xlsx
from reports.stored_labels import translated

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REPORT06_LAYOUT_LABELS = {
    "level-domain": gettext_noop("Lĩnh vực theo cấp (như biểu mẫu)"),
    "agency": gettext_noop("Theo đơn vị"),
    "domain": gettext_noop("Theo lĩnh vực"),
}


def _own_agency(request: HttpRequest) -> Agency | None:
    """None for those who see every agency; the agency head's own agency otherwise."""
    if sees_every_agency(request.user):
        return None
    membership = membership_for(request)
    if membership is None or membership.agency is None:
        raise Http404
    return membership.agency


def _ranking_for(request: HttpRequest, period: Period) -> Ranking:
    ranking = ranking_build(period=period)
    own = _own_agency(request)
    return ranking if own is None else ranking_for_agency(ranking, agency=own)


def _score_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _fraction_text(fraction: tuple[int, int] | None) -> str:
    if not fraction or not fraction[1]:
        return ""
    return f"{format_number(fraction[0])} / {format_number(fraction[1])}"


def _table_lines(ranking: Ranking, table: str, names: dict[str, str]) -> list[dict[str, Any]]:
    lines = []
    for row in ranking.tables.get(table, []):
        lost = row.lost
        lines.append(
            {
                "row": row,
                "score": _score_text(row.score),
                "cells": [
                    {
                        "code": code,
                        "name": names[code],
                        "short": str(SHORT_NAMES.get(code, names[code])),
                        "rate": format_percent(row.rates.get(code)),
                        "fraction": _fraction_text(row.fractions.get(code)),
                        "earned": _score_text(row.earned.get(code)),
                        "possible": _score_text(row.possible.get(code)),
                        "lost": _score_text(lost.get(code)),
                        "has_lost": (lost.get(code) or 0) >= 0.005,  # shows as 0,01 or more
                        "scored": row.possible.get(code) is not None,
                    }
                    for code in ranking.weights
                ],
                "disqualified": [
                    {
                        "name": names.get(d.indicator, d.indicator),
                        "short": str(SHORT_NAMES.get(d.indicator, d.indicator)),
                        "agency_rate": format_percent(d.agency_rate),
                        "province_rate": format_percent(d.province_rate),
                        "target": format_percent(d.province_target),
                    }
                    for d in row.disqualified_by
                ],
            }
        )
    return lines


def _versions_text(ranking: Ranking) -> str:
    """Which weights and targets scored the ranking: those in force on the period's last day."""
    weights = (
        _("trọng số áp dụng từ %(day)s") % {"day": f"{ranking.weights_from:%d/%m/%Y}"}
        if ranking.weights_from
        else _("trọng số ban đầu")
    )
    targets = (
        _("mục tiêu theo thay đổi áp dụng từ %(day)s") % {"day": f"{ranking.targets_from:%d/%m/%Y}"}
        if ranking.targets_from
        else _("mục tiêu ban đầu")
    )
    return _(
        "Chấm theo %(weights)s và %(targets)s, đang áp dụng ngày cuối kỳ %(end)s; thay đổi "
        "sau ngày đó không áp dụng cho kỳ này."
    ) % {"weights": weights, "targets": targets, "end": f"{ranking.period.end:%d/%m/%Y}"}


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@require_role()
def rankings(request: HttpRequest) -> HttpResponse:
    period, error = period_from_request(request)
    table = request.GET.get("level", "all")
    if table not in TABLE_LABELS:
        table = "all"
    ranking = _ranking_for(request, period)
    # The page speaks the visitor's language; the downloads keep the official Vietnamese names.
    names = {c: translated(n) for c, n in indicator_names(list(ranking.weights)).items()}
    query = urlencode({"period": period.code, "basis": period.basis.value})
    context = {
        **period_context(period, error),
        "ranking": ranking,
        "computed_at": ranking.computed_at,
        "table": table,
        "tabs": [
            {"code": code, "label": _(label), "current": code == table}
            for code, label in TABLE_LABELS.items()
            # No empty district tab after the reform (nor an empty commune tab before it).
            if ranking.tables.get(code) or code in {"all", table}
        ],
        "indicators": [
            {"code": c, "name": names[c], "short": str(SHORT_NAMES.get(c, names[c]))}
            for c in ranking.weights
        ],
        "province": [
            {
                "name": names[code],
                "rate": format_percent(ranking.province_rates.get(code)),
                "target": format_percent(ranking.province_targets.get(code)),
            }
            for code in ranking.weights
        ],
        "lines": _table_lines(ranking, table, names),
        "chart": {
            "id": "ranking-chart",
            "title": _("Điểm của các đơn vị"),
            "json": json.dumps(ranking_chart(ranking, table=table), ensure_ascii=False),
        },
        "own_only": _own_agency(request) is not None,
        "query": query,
        "versions": _versions_text(ranking),
    }
    status = 400 if error else 200  # the default period is shown, with the reason
    if request.htmx:
        part = "table" if request.htmx.target == "ranking-table" else "content"
        return render(request, f"reports/rankings.html#{part}", context, status=status)
    return render(request, "reports/rankings.html", context, status=status)


@require_GET
@require_role()
def rankings_export(request: HttpRequest, fmt: str) -> HttpResponse:
    period, error = period_from_request(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    ranking = _ranking_for(request, period)
    name = f"xep-hang-{period.code}-{period.basis.value}"
    if fmt == "xlsx":
        buffer = io.BytesIO()
        ranking_xlsx(ranking, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    elif fmt == "csv":
        response = HttpResponse(
            ranking_csv(ranking).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
    elif fmt == "pdf":
        buffer = io.BytesIO()
        ranking_pdf(ranking, buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    elif fmt == "json":
        response = HttpResponse(
            ranking_json(ranking).encode("utf-8"), content_type="application/json"
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


@require_GET
@vary_on_headers("HX-Request")
@require_role()
def report06(request: HttpRequest) -> HttpResponse:
    period, error = period_from_request(request)
    by = report06_layout(request.GET.get("by"))
    report = report06_build(period=period, by=by, within=_own_agency(request))
    base = {"period": period.code, "basis": period.basis.value}
    context = {
        **period_context(period, error),
        "report": report,
        "computed_at": report.computed_at,
        "by": by,
        "layouts": [
            {"code": code, "label": _(REPORT06_LAYOUT_LABELS[code]), "current": code == by}
            for code in LAYOUTS
        ],
        "layout_query": urlencode(base),
        "heading_rows": [[h for h in report.headings if h.row == row] for row in range(3)],
        "form_number": FORM_NUMBER,
        "form_circular": FORM_CIRCULAR,
        "form_title": FORM_TITLE,
        "form_unit": FORM_UNIT,
        "query": urlencode(base | {"by": by}),
    }
    status = 400 if error else 200  # the default period is shown, with the reason
    if request.htmx:
        return render(request, "reports/report06.html#content", context, status=status)
    return render(request, "reports/report06.html", context, status=status)


@require_GET
@require_role()
def report06_export(request: HttpRequest, fmt: str) -> HttpResponse:
    period, error = period_from_request(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    if fmt not in ("xlsx", "pdf"):
        raise Http404
    by = report06_layout(request.GET.get("by"))
    report = report06_build(period=period, by=by, within=_own_agency(request))
    buffer = io.BytesIO()
    if fmt == "pdf":
        report06_pdf(report, buffer)
        response = HttpResponse(buffer.getvalue(), content_type="application/pdf")
    else:
        report06_xlsx(report, buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="bieu-06-{period.code}-{period.basis.value}-{by}.{fmt}"'
    )
    return response


@require_http_methods(["GET", "POST"])
@require_role(Role.HOME_AFFAIRS, Role.ADMINISTRATOR)
def weights(request: HttpRequest) -> HttpResponse:
    """Home Affairs sets which indicators are scored and their weights; every change is kept."""
    status = 200
    if request.method == "POST":
        form = ScoringWeightForm(request.POST)
        if form.is_valid():
            scoring_weight_change(
                indicator=form.cleaned_data["indicator"],
                weight=form.cleaned_data["weight"],
                user=request.user,
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Đã lưu trọng số."))
            return redirect("ranking_weights")
        status = 400
    else:
        form = ScoringWeightForm()
    return render(
        request, "reports/weights.html", {"form": form, **weights_overview()}, status=status
    )
