"""How far a rate is from its target, in dossiers (design.md, "shortfall"). Pure: no database.

    shortfall(151_606, 152_243, Decimal("1"))    -> 637
    shortfall(300, 1_000, Decimal("0.3"))        -> 0     (0.3 × 1000 − 300 is exactly 0)
    shortfall(0, 0, Decimal("1"))                -> None  (no dossiers: no rate, no shortfall)

The least number of the denominator's dossiers that would have to join the numerator for the
rate to meet the target: ceil(target × denominator − numerator), 0 when the target is met. For an
indicator where lower is better, the least number that would have to leave the numerator:
ceil(numerator − target × denominator). Computed with exact fractions: a float 0.3 is
0.29999999999999998…, and ceil(0.3 × 1000 − 300) in floats is 1, not 0.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction


def exact(value: Decimal | Fraction | float | int) -> Fraction:
    """A target as an exact fraction; a float is read as the decimal it prints as (0.3 -> 3/10)."""
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    return Fraction(value)


def shortfall(
    numerator: int,
    denominator: int,
    target: Decimal | Fraction | float | int | None,
    *,
    higher_is_better: bool = True,
) -> int | None:
    """Dossiers short of the target (0 when met); None without dossiers or without a target."""
    if not denominator or target is None:
        return None
    goal = exact(target) * denominator
    gap = goal - numerator if higher_is_better else numerator - goal
    return max(0, math.ceil(gap))
