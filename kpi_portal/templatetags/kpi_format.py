"""Template filters that print figures the Vietnamese way, through kpi_portal.formatting.

{% load kpi_format %}
{{ 151606|vn_number }}            -> 151.606
{{ fact.rate|vn_percent }}        -> 99,58%   (a fraction of 1, cut to two decimals)
{% vn_rate numerator denominator %} -> 99,58%  (— when the denominator is 0)
{% rate_cells row.cells %}        -> the <td>s of a row of a rates table
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_noop

from kpi_portal.formatting import format_number, format_percent, format_rate

register = template.Library()


@register.filter
def vn_number(value: int | None) -> str:
    if value in (None, ""):
        return format_number(None)
    return format_number(int(value))


@register.filter
def vn_percent(value: Decimal | Fraction | float | None) -> str:
    if value == "":
        value = None
    return format_percent(value)


@register.simple_tag
def vn_rate(numerator: int, denominator: int) -> str:
    return format_rate(int(numerator or 0), int(denominator or 0))


# --- Rate cells ---------------------------------------------------------------------------------
# A wide rates table has a cell per agency and indicator (about 90 on the overview). Rendering each
# through `{% include %}` cost more than half of the page's time, so the cell's markup is built here
# once per cell, with the same escaping the template did. Every rates table (overview, agency page,
# domains page) prints its rows with `{% rate_cells %}`.


def rate_cell_html(cell: Any) -> str:
    """One `<td>` of a rates table for a reports.pages.cells.Cell: the rate cut to two decimals,
    coloured by its band, numerator / denominator and the target in the title and on tap, and
    under a rate that misses its target the dossiers short of it ("còn thiếu 637 hồ sơ");
    "—" when the rate is undefined."""
    band = conditional_escape(cell.band)
    label = conditional_escape(cell.short_name)
    if not cell.denominator:
        return (
            f'<td class="num rate band-{band}" data-label="{label}"><span title="'
            f'{conditional_escape(gettext("Không có hồ sơ để tính"))}">—</span></td>'
        )
    fraction = conditional_escape(cell.fraction_text)
    shortfall = shortfall_html(getattr(cell, "shortfall", None))
    return (
        f'<td class="num rate band-{band}" data-label="{label}" title="{fraction} · '
        f'{conditional_escape(gettext("mục tiêu"))} {conditional_escape(cell.target_text)}">'
        f"<details><summary>{conditional_escape(cell.rate_text)}"
        f'<span class="sr-only"> ({conditional_escape(cell.band_label)})</span></summary>'
        f'<span class="frac">{fraction}</span></details>{shortfall}</td>'
    )


SHORTFALL_TEXT = gettext_noop("còn thiếu %(count)s hồ sơ")


def shortfall_html(missing: int | None) -> str:
    """ "còn thiếu 2.760 hồ sơ" under a rate short of its target ("" when met or undefined). The
    count and the words after it never part, so a narrow cell breaks the line only before them
    ("còn thiếu" / "2.760 hồ sơ"); the text reads the same either way."""
    if not missing:
        return ""
    before, _, after = gettext(SHORTFALL_TEXT).partition("%(count)s")
    return (
        f'<span class="shortfall" data-shortfall="{int(missing)}">{conditional_escape(before)}'
        f'<span class="n">{conditional_escape(format_number(missing) + after)}</span></span>'
    )


@register.simple_tag
def rate_cells(cells: Iterable[Any]) -> str:
    """{% rate_cells row.cells %}: a row's cells in one call (see rate_cell_html)."""
    return mark_safe("".join(rate_cell_html(cell) for cell in cells))  # each part escaped there
