"""The portal's plotly figures, built on the server as plain dicts from rows the page selectors
made (reports/pages/). A page passes each figure on as JSON (`with_json`); static/js/charts.js
draws it, so no script is inline and nothing comes from a CDN."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from reports.models import Indicator
from reports.pages.cells import UNDEFINED_BAND, Cell, DomainLine, ScopeRow
from reports.stored_labels import translated

BAND_COLOURS = {"met": "#116329", "close": "#9a6700", "far": "#a40e26", UNDEFINED_BAND: "#8c959f"}


def with_json(chart: dict[str, Any]) -> dict[str, Any]:
    """Add the figure as JSON text. The page puts it in a hidden element (HTML-escaped) rather
    than a json_script <script>: htmx drops <script> elements from swapped content when script
    tags are not allowed (base.html), and charts.js reads the element's textContent either way."""
    chart["json"] = json.dumps(chart["figure"], ensure_ascii=False)
    return chart


def percent_cut(numerator: int, denominator: int) -> float | None:
    """A rate in percent for a chart axis, cut to two decimals like the tables."""
    if not denominator:
        return None
    return (numerator * 10000 // denominator) / 100


def _percent(cell: Cell | None) -> float | None:
    return None if cell is None else percent_cut(cell.numerator, cell.denominator)


def axis_range(values: Sequence[float | None]) -> list[float]:
    """The percentage axis: 0–100% unless every value is 90% or more, then from just under the
    lowest one, so that 98% and 100% (on-time rates) do not look the same."""
    shown = [v for v in values if v is not None]
    if shown and min(shown) >= 90:
        return [max(0.0, math.floor(min(shown)) - 1.0), 100.5]
    return [0, 105]


def overview_bar_chart(
    indicator: Indicator, rows: Sequence[ScopeRow], short_names: dict[str, str] | None = None
) -> dict[str, Any]:
    """One indicator's rate per agency, coloured by band, with the target as a dashed line.
    Every agency has its label (its short name; the full name on hover)."""
    short_names = short_names or {}
    codes = [row.code for row in rows]
    labels = [short_names.get(row.code) or row.name for row in rows]
    values = [_percent(row.cell(indicator.code)) for row in rows]
    targets = [
        float(c.target) * 100 if (c := row.cell(indicator.code)) and c.target is not None else None
        for row in rows
    ]
    bars = [
        BAND_COLOURS.get(c.band, "#0b5cad") if (c := row.cell(indicator.code)) else "#8c959f"
        for row in rows
    ]
    names = [row.name for row in rows]
    return with_json(
        {
            "id": f"chart-{indicator.code}",
            "title": translated(indicator.name),
            "figure": {
                "data": [
                    {
                        "type": "bar",
                        "name": gettext("Tỷ lệ (%)"),
                        "x": codes,
                        "y": values,
                        "customdata": names,
                        "marker": {"color": bars},
                        "hovertemplate": "%{customdata}: %{y:.2f}%<extra></extra>",
                    },
                    {
                        "type": "scatter",
                        "mode": "lines",
                        "name": gettext("Mục tiêu"),
                        "x": codes,
                        "y": targets,
                        "line": {"color": "#1b1f24", "dash": "dash", "width": 2},
                        "hovertemplate": gettext("Mục tiêu") + ": %{y:.2f}%<extra></extra>",
                    },
                ],
                "layout": {
                    "title": {"text": translated(indicator.name), "font": {"size": 14}},
                    "height": 340,
                    "margin": {"l": 44, "r": 10, "t": 36, "b": 10},
                    "yaxis": {"range": axis_range(values), "ticksuffix": "%"},
                    # Every agency labelled: an explicit tick per bar (plotly otherwise skips
                    # every other one when they are crowded).
                    "xaxis": {
                        "type": "category",
                        "tickmode": "array",
                        "tickvals": codes,
                        "ticktext": labels,
                        "tickangle": -60,
                        "tickfont": {"size": 10},
                        "automargin": True,
                    },
                    "showlegend": False,
                    "separators": ",.",
                },
                "config": {"displayModeBar": False},
            },
        }
    )


def trend_chart(
    *,
    indicator: Indicator,
    labels: list[str],
    series: list[tuple[str, str, list[float | None]]],
    target: Decimal | None,
) -> dict[str, Any]:
    """One indicator's monthly rates: a line per (name, colour, values), the target dashed."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": labels,
            "y": values,
            "line": {"color": colour},
            "connectgaps": False,
        }
        for name, colour, values in series
    ]
    if target is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": gettext("Mục tiêu"),
                "x": labels,
                "y": [float(target) * 100] * len(labels),
                "line": {"color": "#1b1f24", "dash": "dash", "width": 1.5},
            }
        )
    return with_json(
        {
            "id": f"trend-{indicator.code}",
            "title": translated(indicator.name),
            "figure": {
                "data": data,
                "layout": {
                    "title": {"text": translated(indicator.name), "font": {"size": 14}},
                    "height": 280,
                    "margin": {"l": 44, "r": 10, "t": 36, "b": 10},
                    "yaxis": {
                        "range": axis_range([v for _n, _c, values in series for v in values]),
                        "ticksuffix": "%",
                    },
                    # Month labels whole ("01/2023"), turned and given the room they need.
                    "xaxis": {
                        "type": "category",
                        "tickangle": -45,
                        "tickfont": {"size": 10},
                        "automargin": True,
                    },
                    "legend": {"orientation": "h", "y": -0.35},
                    "separators": ",.",
                },
                "config": {"displayModeBar": False},
            },
        }
    )


def domains_overdue_chart(lines: Sequence[DomainLine]) -> dict[str, Any] | None:
    """The overdue dossiers of the (up to 15) domains shown, most overdue on top; None when no
    domain has any."""
    shown = [line for line in lines if line.overdue][:15]
    if not shown:
        return None
    return with_json(
        {
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
    )
