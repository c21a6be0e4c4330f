"""An independent oracle for the portal's figures, written from /work/shared/domain.md only.

Nothing here imports the product: the organisation, the catalogue and the dossiers are plain
dicts of facts (None = unknown, section 11), and every figure is worked out by the definitions of
domain.md sections 4 (periods), 5 (indicators), 6 (ranking), 7 (Biểu 06) and 11 (statuses,
unknown facts, supplementation). Local date-times are naive datetimes in Asia/Ho_Chi_Minh.

A dossier dict has the keys:
    code, agency (code), procedure (code), status (1..10 or None: the file gave none),
    channel ("truc_tuyen" | "truc_tiep" | "buu_chinh" | None), received_at, due_at, finished_at,
    components_total, components_digitized (None, None when unknown), e_result (bool | None),
    fee (int | None), paid_online (bool | None), apology_at (datetime | None),
    supplement_requests (int), supplement_requested_at, supplement_completed_at.
An agency dict: code, name, level ("tinh" | "so" | "huyen" | "xa"), parent (code | None),
valid_from, valid_to (date | None). A procedure dict: code, name, domain, paper_result (bool).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction

INDICATORS = (
    "digitization",
    "e_result",
    "on_time",
    "apology",
    "online_submission",
    "online_payment",
)
# Section 5's default targets; section 6's default scored set with equal weights.
DEFAULT_TARGETS = {
    "digitization": 1.0,
    "e_result": 1.0,
    "on_time": 1.0,
    "apology": 1.0,
    "online_submission": 0.5,
    "online_payment": 0.3,
}
DIRECTIVE_INDICATORS = ("digitization", "on_time", "apology", "online_payment")
LEVEL_GROUPS = ("so", "huyen", "xa")

NEVER_RECEIVED = {1, 3}  # section 11: counted in no indicator, nowhere in Biểu 06
ENDED = {7, 8, 9, 10}
ENDED_WITHOUT_RESULT = {7, 8}  # left out of e_result's denominator
ONE_SECOND = dt.timedelta(seconds=1)


# --- periods (section 4) -------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    code: str
    basis: str
    start: dt.date
    end: dt.date

    @property
    def s(self) -> dt.datetime:  # S 00:00
        return dt.datetime.combine(self.start, dt.time(0, 0))

    @property
    def e(self) -> dt.datetime:  # E 23:59:59
        return dt.datetime.combine(self.end, dt.time(23, 59, 59))


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def period(code: str, basis: str = "calendar") -> Period:
    """2023-06, 2023-Q2, 2023-H1, 2023-9M, 2023 on the calendar or reporting basis, or any range
    2023-01-01..2023-06-30 (section 4)."""
    if basis not in ("calendar", "reporting"):
        raise ValueError(f"basis {basis!r}")
    custom = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", code)
    if custom:
        return Period(
            code, basis, dt.date.fromisoformat(custom[1]), dt.date.fromisoformat(custom[2])
        )
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})|-Q([1-4])|-H([12])|-(9)M)?", code)
    if not m:
        raise ValueError(code)
    year = int(m[1])
    if m[2]:
        first, last = int(m[2]), int(m[2])
    elif m[3]:
        first, last = 3 * int(m[3]) - 2, 3 * int(m[3])
    elif m[4]:
        first, last = 6 * int(m[4]) - 5, 6 * int(m[4])
    elif m[5]:
        first, last = 1, 9
    else:
        first, last = 1, 12
    if basis == "calendar":
        return Period(code, basis, dt.date(year, first, 1), _month_end(year, last))
    # Reporting: from the 15th of the month before the first month to the 14th of the last.
    before_year, before_month = (year - 1, 12) if first == 1 else (year, first - 1)
    return Period(code, basis, dt.date(before_year, before_month, 15), dt.date(year, last, 14))


# --- one dossier in one period -------------------------------------------------------------------


def received(d: dict) -> bool:
    return d["status"] not in NEVER_RECEIVED and d["received_at"] is not None


def received_in(d: dict, p: Period) -> bool:
    return received(d) and p.s <= d["received_at"] <= p.e


def finished_in(d: dict, p: Period) -> bool:
    return received(d) and d["finished_at"] is not None and p.s <= d["finished_at"] <= p.e


def judgement(d: dict, p: Period) -> tuple[dt.datetime, bool] | None:
    """(judgement time, overdue regardless of time) when the dossier is handled in P, else None.

    Section 5: handled in P when received by E and not finished before S; judged at finished_at
    when ≤ E, else at E. Section 11 (supplementation) replaces it for a dossier received by E:
    waiting at E (requested ≤ E, not completed by E, not finished by E) is not handled when the
    request was before S, else judged at the request and overdue when more than one request was
    made; finished by E is judged at finished_at minus the pause (completed − requested) when the
    completion is ≤ finished_at; open at E, not waiting, at E minus the pause when the completion
    is ≤ E."""
    if not received(d) or d["received_at"] > p.e:
        return None
    finished = d["finished_at"]
    if finished is not None and finished < p.s:
        return None
    requested = d["supplement_requested_at"]
    completed = d["supplement_completed_at"]
    finished_by_e = finished is not None and finished <= p.e
    if requested is not None and requested <= p.e:
        completed_by_e = completed is not None and completed <= p.e
        if not completed_by_e and not finished_by_e:  # waiting at E
            if requested < p.s:
                return None
            return requested, d["supplement_requests"] > 1
    if finished_by_e:
        if requested is not None and completed is not None and completed <= finished:
            return finished - (completed - requested), False
        return finished, False
    if requested is not None and completed is not None and completed <= p.e:
        return p.e - (completed - requested), False
    return p.e, False


def on_time(d: dict, p: Period) -> bool | None:
    """True on time in P, False overdue in P, None not handled in P."""
    judged = judgement(d, p)
    if judged is None:
        return None
    time, overdue = judged
    return not overdue and time <= d["due_at"]


# --- indicators (section 5) ----------------------------------------------------------------------


def indicator_terms(d: dict, p: Period, procedures: dict[str, dict]) -> dict[str, tuple[int, int]]:
    """Each indicator's (numerator, denominator) contribution of one dossier."""
    terms: dict[str, tuple[int, int]] = {}
    if received_in(d, p):
        if d["components_total"] is not None:
            terms["digitization"] = (int(d["components_digitized"] == d["components_total"]), 1)
        if d["channel"] is not None:
            terms["online_submission"] = (int(d["channel"] == "truc_tuyen"), 1)
        if d["fee"] is not None and d["fee"] > 0 and d["paid_online"] is not None:
            terms["online_payment"] = (int(bool(d["paid_online"])), 1)
    if (
        finished_in(d, p)
        and procedures[d["procedure"]]["paper_result"]
        and d["status"] not in ENDED_WITHOUT_RESULT
        and d["e_result"] is not None
    ):
        terms["e_result"] = (int(bool(d["e_result"])), 1)
    judged = on_time(d, p)
    if judged is not None:
        terms["on_time"] = (int(judged), 1)
        if not judged:
            apologized = d["apology_at"] is not None and d["apology_at"] <= p.e
            terms["apology"] = (int(apologized), 1)
    return terms


def lacking_fact(d: dict, p: Period, procedures: dict[str, dict]) -> set[str]:
    """The indicators that leave this dossier out in P only because a fact is unknown (section
    11: "pages say how many dossiers of the period lack it")."""
    out = set()
    if received_in(d, p):
        if d["components_total"] is None:
            out.add("digitization")
        if d["channel"] is None:
            out.add("online_submission")
        if d["fee"] is None or (d["fee"] > 0 and d["paid_online"] is None):
            out.add("online_payment")
    if (
        finished_in(d, p)
        and procedures[d["procedure"]]["paper_result"]
        and d["status"] not in ENDED_WITHOUT_RESULT
        and d["e_result"] is None
    ):
        out.add("e_result")
    return out


def lacking_counts(
    org: Organisation, procedures: dict[str, dict], dossiers: list[dict], p: Period
) -> dict[tuple[str, str], int]:
    """(scope, indicator) → how many dossiers the indicator leaves out for lack of its fact."""
    out = {(scope, ind): 0 for scope in _scopes(org) for ind in INDICATORS}
    for d in dossiers:
        lacking = lacking_fact(d, p, procedures)
        if not lacking:
            continue
        scopes = org.ancestors_and_self(d["agency"])
        level = org.agencies[d["agency"]]["level"]
        if level in LEVEL_GROUPS:
            scopes = [*scopes, f"level:{level}"]
        for scope in scopes:
            for ind in lacking:
                out[(scope, ind)] += 1
    return out


class Organisation:
    def __init__(self, agencies: list[dict]):
        self.agencies = {a["code"]: a for a in agencies}
        self.children: dict[str, list[str]] = defaultdict(list)
        for a in agencies:
            if a["parent"]:
                self.children[a["parent"]].append(a["code"])

    def ancestors_and_self(self, code: str) -> list[str]:
        chain = []
        while code:
            chain.append(code)
            code = self.agencies[code]["parent"]
        return chain

    def root(self) -> str:
        return next(c for c, a in self.agencies.items() if a["parent"] is None)

    def existed_in(self, code: str, p: Period) -> bool:
        a = self.agencies[code]
        return (a.get("valid_from") is None or a["valid_from"] <= p.end) and (
            a.get("valid_to") is None or a["valid_to"] >= p.start
        )


def kpis(
    org: Organisation, procedures: dict[str, dict], dossiers: list[dict], p: Period
) -> dict[tuple[str, str], tuple[int, int]]:
    """(scope, indicator) → (numerator, denominator) for every agency node (its subtree) and
    every level group `level:so|huyen|xa` (the agencies of that level, their own dossiers)."""
    out = {(scope, ind): [0, 0] for scope in _scopes(org) for ind in INDICATORS}
    for d in dossiers:
        terms = indicator_terms(d, p, procedures)
        if not terms:
            continue
        scopes = org.ancestors_and_self(d["agency"])
        level = org.agencies[d["agency"]]["level"]
        if level in LEVEL_GROUPS:
            scopes = [*scopes, f"level:{level}"]
        for scope in scopes:
            for ind, (num, den) in terms.items():
                out[(scope, ind)][0] += num
                out[(scope, ind)][1] += den
    return {key: (v[0], v[1]) for key, v in out.items()}


def shown_scopes(
    org: Organisation, figures: dict[tuple[str, str], tuple[int, int]], p: Period
) -> set[str]:
    """The scopes a period's table has: every level group, every agency that existed in P
    (section 12: a unit is valid from its first day to its last), and any other agency that has
    dossiers in P (section 2: figures stay with the unit that handled the dossier)."""
    shown = {f"level:{lv}" for lv in LEVEL_GROUPS}
    for code in org.agencies:
        if org.existed_in(code, p) or any(figures[(code, ind)][1] for ind in INDICATORS):
            shown.add(code)
    return shown


def _scopes(org: Organisation) -> list[str]:
    return [*org.agencies, *(f"level:{lv}" for lv in LEVEL_GROUPS)]


# --- Biểu 06 (section 7) -------------------------------------------------------------------------


def report06_columns(d: dict, p: Period) -> list[int] | None:
    """Columns (3)…(13) of one dossier in P, None when it is in none of them."""
    judged = judgement(d, p)
    if judged is None:
        return None
    cols = [0] * 11  # index 0 is column (3)
    if received_in(d, p):
        # (4) online; (5) in person or by post. Section 7 makes (3) = (4) + (5) + (6): a dossier
        # whose channel is unknown (a list export) is still received, and section 11 leaves it out
        # of the *indicators* only, so it stays in (3) and falls in (5), the column that is not
        # "online" (domain.md is silent on the split; this keeps the form's identity).
        cols[1 if d["channel"] == "truc_tuyen" else 2] = 1
    else:
        cols[3] = 1  # (6) received before S, handled in P
    time, overdue = judged
    late = overdue or time > d["due_at"]
    if finished_in(d, p):
        cols[4] = 1  # (7)
        if late:
            cols[7] = 1  # (10)
        elif time.date() < d["due_at"].date():
            cols[5] = 1  # (8) before the due date, an earlier calendar day
        else:
            cols[6] = 1  # (9) on the due date
    else:
        cols[8] = 1  # (11) not finished by E
        cols[10 if late else 9] = 1  # (13) overdue / (12) within the due date
    cols[0] = 1  # (3) = (4) + (5) + (6) = (7) + (11)
    return cols


def report06(
    org: Organisation, procedures: dict[str, dict], dossiers: list[dict], p: Period
) -> dict[str, dict]:
    """Columns (3)…(13) by agency (its own dossiers), by level (the form's groups: Sở, ban, ngành /
    UBND cấp huyện / UBND cấp xã), by domain, by (level, domain), and the grand total."""
    out: dict[str, dict] = {k: {} for k in ("agency", "level", "domain", "level_domain")}
    total = [0] * 11
    for d in dossiers:
        cols = report06_columns(d, p)
        if cols is None:
            continue
        level = org.agencies[d["agency"]]["level"]
        domain = procedures[d["procedure"]]["domain"]
        for kind, key in (
            ("agency", d["agency"]),
            ("level", level),
            ("domain", domain),
            ("level_domain", (level, domain)),
        ):
            row = out[kind].setdefault(key, [0] * 11)
            for i, v in enumerate(cols):
                row[i] += v
        for i, v in enumerate(cols):
            total[i] += v
    out["total"] = total
    return out


# --- ranking (section 6) -------------------------------------------------------------------------


def rate(num: int, den: int) -> float | None:
    return None if den == 0 else num / den


def shortfall(num: int, den: int, target: float) -> int | None:
    """design.md: the least number of the denominator's dossiers that would have to join the
    numerator for the rate to meet the target, ceil(target × den − num), 0 when met."""
    if den == 0:
        return None
    missing = Fraction(str(target)) * den - num
    return max(0, math.ceil(missing))


def ranking(
    org: Organisation,
    procedures: dict[str, dict],
    dossiers: list[dict],
    p: Period,
    *,
    targets: dict[str, float] = DEFAULT_TARGETS,
    weights: dict[str, float] | None = None,
) -> dict[str, list[dict]]:
    """The province-wide rates, and the tables so, huyen, xa, all of rows {agency, score, rank,
    rates, eligible, disqualified_by}.

    Before 1/7/2025 (this data set's time) `all` holds the provincial agencies and districts.
    A district is scored on its node, a commune and a provincial agency on their own dossiers
    (a provincial agency has no sub-units here, so its node is its own)."""
    weights = weights or {ind: 1.0 for ind in DIRECTIVE_INDICATORS}
    figures = kpis(org, procedures, dossiers, p)
    root = org.root()
    province = {ind: rate(*figures[(root, ind)]) for ind in weights}

    def row(code: str) -> dict | None:
        # A node's figures: a district with its communes; a commune or a provincial agency has no
        # sub-units, so its node is its own dossiers.
        terms = {ind: figures[(code, ind)] for ind in weights}
        rates = {ind: rate(*terms[ind]) for ind in weights}
        scored = [ind for ind in weights if rates[ind] is not None]
        if not scored:
            return None
        earned = sum(weights[i] * min(1.0, rates[i] / targets[i]) for i in scored)
        score = earned / sum(weights[i] for i in scored) * 100
        disqualified = [
            ind
            for ind in DIRECTIVE_INDICATORS
            if province.get(ind) is not None
            and province[ind] < targets[ind]
            and rates.get(ind) is not None
            and rates[ind] < province[ind]
        ]
        return {
            "agency": code,
            "score": score,
            "rates": rates,
            "eligible": not disqualified,
            "disqualified_by": disqualified,
        }

    def table(codes: list[str]) -> list[dict]:
        rows = [r for r in (row(c) for c in codes if org.existed_in(c, p)) if r is not None]
        rows.sort(key=lambda r: -r["score"])
        for r in rows:
            r["rank"] = 1 + sum(1 for o in rows if o["score"] - r["score"] > 1e-9)
        return rows

    by_level = {lv: [c for c, a in org.agencies.items() if a["level"] == lv] for lv in LEVEL_GROUPS}
    under_root = [c for c in org.children[root] if org.agencies[c]["level"] in ("so", "huyen")]
    return {
        "province": province,
        "tables": {
            "so": table(by_level["so"]),
            "huyen": table(by_level["huyen"]),
            "xa": table(by_level["xa"]),
            "all": table(under_root),
        },
    }
