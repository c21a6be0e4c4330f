"""Template filters that print figures the Vietnamese way, through kpi_portal.formatting.

{% load kpi_format %}
{{ 151606|vn_number }}            -> 151.606
{{ fact.rate|vn_percent }}        -> 99,58%   (a fraction of 1, cut to two decimals)
{% vn_rate numerator denominator %} -> 99,58%  (— when the denominator is 0)
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from django import template

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
