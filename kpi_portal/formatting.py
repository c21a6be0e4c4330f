"""How the province prints figures: Vietnamese number style, rates cut (not rounded) to 2 decimals.

    format_number(151606)           -> "151.606"
    format_rate(151606, 152243)     -> "99,58%"   (0.995815… cut, not rounded)
    format_rate(293, 637)           -> "45,99%"   (0.459968… is printed 45,99% in the directive)
    format_rate(0, 0)               -> "—"        (undefined, never 0% or 100%)

Rates are cut with exact integer or decimal arithmetic: a float such as 0.29 is really
0.28999999999999998…, and cutting it naively would print 28,99%.

This module is pure: no Django, no database.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

UNDEFINED = "—"
THOUSANDS_SEPARATOR = "."
DECIMAL_SEPARATOR = ","


def format_number(value: int | None) -> str:
    """An integer with dots between thousands: 151606 -> "151.606"; None -> "—"."""
    if value is None:
        return UNDEFINED
    sign = "-" if value < 0 else ""
    return sign + f"{abs(int(value)):,}".replace(",", THOUSANDS_SEPARATOR)


def cut_percent(numerator: int, denominator: int) -> Decimal | None:
    """num/den as a percentage cut to two decimals (Decimal("99.58")); None when den is 0."""
    if not denominator:
        return None
    basis_points = (numerator * 10000) // denominator
    return Decimal(basis_points) / 100


def format_percent(value: Decimal | Fraction | float | None) -> str:
    """A rate given as a fraction of 1 (0.6750…) printed as "67,50%", cut to two decimals."""
    if value is None:
        return UNDEFINED
    # repr() of a float is the shortest decimal that reads back as the same float: 0.29 -> "0.29".
    exact = Fraction(Decimal(repr(value))) if isinstance(value, float) else Fraction(value)
    basis_points = (exact.numerator * 10000) // exact.denominator
    return _format_basis_points(basis_points)


def format_rate(numerator: int, denominator: int) -> str:
    """num/den printed as a percentage cut to two decimals: 151606/152243 -> "99,58%"."""
    if not denominator:
        return UNDEFINED
    return _format_basis_points((numerator * 10000) // denominator)


def _format_basis_points(basis_points: int) -> str:
    sign = "-" if basis_points < 0 else ""
    whole, hundredths = divmod(abs(basis_points), 100)
    return f"{sign}{format_number(whole)}{DECIMAL_SEPARATOR}{hundredths:02d}%"
