"""How each indicator's numerator and denominator follow from a fact row's counters.

The counters themselves (which dossiers count in a period) are defined once, in the engine's SQL
(reports/services.py) and in its reference implementation for custom ranges
(reports/selectors.py, `kpi_own_counters_from_dossiers`). domain.md section 5 is the contract.

A dossier lacking a fact an indicator needs (unknown, domain.md section 11) is in neither its
numerator nor its denominator: digitization and online_submission subtract the dossiers received
with unknown components or channel; online_payment's and e_result's counters (with_fee,
finished_paper and their numerators) hold only dossiers whose facts are known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

Counters = Mapping[str, int]

INDICATOR_CODES = (
    "digitization",
    "e_result",
    "on_time",
    "apology",
    "online_submission",
    "online_payment",
)


def overdue_count(c: Counters) -> int:
    """Dossiers overdue in the period: finished late in it, or open at its end past due."""
    return c["finished_late"] + c["open_overdue"]


# indicator -> (numerator, denominator)
INDICATOR_FORMULAS: dict[str, tuple[Callable[[Counters], int], Callable[[Counters], int]]] = {
    "digitization": (lambda c: c["digitized"], lambda c: c["received"] - c["unknown_components"]),
    "e_result": (lambda c: c["finished_paper_e"], lambda c: c["finished_paper"]),
    "on_time": (lambda c: c["handled"] - overdue_count(c), lambda c: c["handled"]),
    "apology": (lambda c: c["apologized"], overdue_count),
    "online_submission": (
        lambda c: c["received_online"],
        lambda c: c["received"] - c["unknown_channel"],
    ),
    "online_payment": (lambda c: c["paid_online"], lambda c: c["with_fee"]),
}


# indicator -> the fact counter of the period's dossiers it leaves out for lack of a fact.
UNKNOWN_FACT_COUNTERS: dict[str, str] = {
    "digitization": "unknown_components",
    "e_result": "unknown_e_result",
    "online_submission": "unknown_channel",
    "online_payment": "unknown_payment",
}


def without_fact(code: str, counters: Counters) -> int:
    """Dossiers of the period left out of the indicator because a fact it needs is unknown
    (0 for on_time and apology, which need no such fact)."""
    counter = UNKNOWN_FACT_COUNTERS.get(code)
    return counters[counter] if counter else 0


def indicator_fraction(code: str, counters: Counters) -> tuple[int, int]:
    """(numerator, denominator) of the indicator for one fact row's counters."""
    numerator, denominator = INDICATOR_FORMULAS[code]
    return numerator(counters), denominator(counters)
