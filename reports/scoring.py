"""Score, rank and award eligibility of domain.md section 6, as pure arithmetic (no database).

Score of an agency for a period:

    score = Σ weight_i × min(1, rate_i / target_i) / Σ weight_i × 100

over the scored indicators whose denominator is > 0 (an indicator with no dossiers neither helps
nor hurts). The page shows the score broken down by indicator: an indicator's *points possible*
are its share of 100 (100 × weight_i / Σ weight), its *points earned* are possible × min(1,
rate/target), so the earned points add up to the score.

A target of 0 is met by any rate (min(1, rate/0) is taken as 1). Exact fractions are used until
the very end, so two agencies with the same figures get bit-for-bit equal scores.

Rank: by score, descending; scores within 1e-9 share a rank and the next rank is skipped
(1, 2, 2, 4). An agency without any score (no dossiers at all) has no rank and is listed last.

Award eligibility: an agency is not eligible when, on a directive indicator whose province-wide
rate misses its target, the agency's own rate is below the province-wide rate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

# The four indicators of the directive: the default scored set and the eligibility rule's set.
DIRECTIVE_INDICATORS: tuple[str, ...] = ("digitization", "on_time", "apology", "online_payment")
DEFAULT_WEIGHTS: dict[str, Decimal] = dict.fromkeys(DIRECTIVE_INDICATORS, Decimal(1))
TIE_TOLERANCE = 1e-9

Fractions = Mapping[str, tuple[int, int]]  # indicator -> (numerator, denominator)
Targets = Mapping[str, Decimal | None]


def _rate(numerator: int, denominator: int) -> Fraction | None:
    return Fraction(numerator, denominator) if denominator else None


@dataclass(frozen=True)
class ScoreBreakdown:
    """The score (None: no scored indicator has dossiers) and, per scored indicator, the points
    earned and possible (None where the indicator's denominator is 0)."""

    score: float | None
    earned: dict[str, float | None]
    possible: dict[str, float | None]


def score_compute(
    *, fractions: Fractions, targets: Targets, weights: Mapping[str, Decimal | int | float]
) -> ScoreBreakdown:
    """The score of one agency from its (numerator, denominator) per indicator."""
    counted: dict[str, tuple[Fraction, Fraction]] = {}  # indicator -> (weight, achievement)
    for code, weight in weights.items():
        weight = Fraction(Decimal(str(weight)))
        if weight <= 0:
            continue
        numerator, denominator = fractions.get(code, (0, 0))
        rate = _rate(numerator, denominator)
        target = targets.get(code)
        if rate is None or target is None:
            continue
        target = Fraction(target)
        achievement = Fraction(1) if target == 0 else min(Fraction(1), rate / target)
        counted[code] = (weight, achievement)
    earned: dict[str, float | None] = dict.fromkeys(
        (c for c, w in weights.items() if Decimal(str(w)) > 0), None
    )
    possible = dict(earned)
    total_weight = sum((weight for weight, _ in counted.values()), Fraction(0))
    if not total_weight:
        return ScoreBreakdown(score=None, earned=earned, possible=possible)
    score = Fraction(0)
    for code, (weight, achievement) in counted.items():
        share = 100 * weight / total_weight
        earned[code] = float(share * achievement)
        possible[code] = float(share)
        score += share * achievement
    return ScoreBreakdown(score=float(score), earned=earned, possible=possible)


def ranks_with_ties(scores: Sequence[float | None]) -> list[int | None]:
    """Competition ranks ("1224") of the scores, in their given order; None for no score."""
    ordered = sorted((s for s in scores if s is not None), reverse=True)
    ranks: list[int | None] = []
    for score in scores:
        if score is None:
            ranks.append(None)
            continue
        better = sum(1 for other in ordered if other - score > TIE_TOLERANCE)
        ranks.append(better + 1)
    return ranks


@dataclass(frozen=True)
class Disqualification:
    """A directive indicator on which the agency pulls the province down, with the figures."""

    indicator: str
    agency_rate: float
    province_rate: float
    province_target: float


def eligibility_check(
    *, fractions: Fractions, province_fractions: Fractions, province_targets: Targets
) -> list[Disqualification]:
    """The disqualifying indicators (empty: eligible for an award)."""
    found = []
    for code in DIRECTIVE_INDICATORS:
        province_rate = _rate(*province_fractions.get(code, (0, 0)))
        target = province_targets.get(code)
        if province_rate is None or target is None or province_rate >= Fraction(target):
            continue
        rate = _rate(*fractions.get(code, (0, 0)))
        if rate is not None and rate < province_rate:
            found.append(
                Disqualification(
                    indicator=code,
                    agency_rate=float(rate),
                    province_rate=float(province_rate),
                    province_target=float(target),
                )
            )
    return found


def previous_period_code(*, code: str, kind: str, year: int, first_month: int | None) -> str | None:
    """The code of the same kind of period just before: 2023-H1 -> 2022-H2, 2023-01 -> 2022-12,
    2023-Q1 -> 2022-Q4, 2023 -> 2022, 2023-9M -> 2022-9M. None for a custom range."""
    match kind:
        case "year":
            return f"{year - 1}"
        case "nine_months":
            return f"{year - 1}-9M"
        case "half":
            return f"{year - 1}-H2" if first_month == 1 else f"{year}-H1"
        case "quarter":
            quarter = ((first_month or 1) - 1) // 3 + 1
            return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"
        case "month":
            previous = date(year, first_month or 1, 1).replace(day=1)
            month = previous.month - 1 or 12
            return f"{year - 1 if previous.month == 1 else year}-{month:02d}"
    return None
