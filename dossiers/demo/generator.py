"""The deterministic generator of the Quảng Trị demo dossiers.

It reproduces the directive's table (domain.md section 1) exactly for the first six months of
2023 on both bases, calendar (1/1–30/6/2023) and reporting (15/12/2022–14/6/2023), and adds
plausible 2022 and second-half-2023 data for the trend charts.

How both bases give the same figures. They differ only on 15–31/12/2022 and 15–30/6/2023:
- CO: 3,150 dossiers received 21/11–14/12/2022 and due in 2023, still open on 15/12/2022 and on
  1/1/2023: carried over into both periods (handled, not received in them: Biểu 06's column 6),
  finished (on time or late) by 14/6/2023 or, for a few late ones, in July-August;
- C: dossiers received 1/1–14/6/2023, in both periods;
- RA: dossiers received and finished within 15–30/12/2022 (in the reporting period only);
- RB: a clone of RA shifted by exactly 182 days (26 weeks, so weekdays are kept) into
  15–30/6/2023, finished by 30/6 (in the calendar period only), with the same agency,
  procedure, flags, durations and lateness;
- every other 2022 dossier received before 15/12/2022 finishes before 15/12/2022 (a year-end
  push), nothing is received on 31/12/2022 (a Saturday), and nothing but RB is received
  15–30/6/2023.
So reporting H1 = CO ∪ C ∪ RA and calendar H1 = CO ∪ C ∪ RB hold the same counts. A C (or CO)
dossier still open after 14/6 is judged the same on both bases: an overdue one has its due date
before 14/6, an on-time one finishes by its due date; an apology for an overdue C dossier is
issued either by 14/6 or after 30/6. The exact figures come from choosing flags with exact counts
(K rows among the eligible ones, with the seeded generator) on CO ∪ C ∪ RA (the received-based
ones, digitization and payment, on C ∪ RA only), then copying RA's flags to RB.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import polars as pl
from django.utils import timezone

from dossiers.demo.reference import (
    GENERAL_DELAY_REASONS,
    LAND_DELAY_REASONS,
    LAND_DOMAIN,
    LEVEL_SHARES,
    DemoAgency,
    DemoProcedure,
    demo_agencies,
    demo_procedures,
)

SEED = 20230714

# The directive's figures for the first six months of 2023 (domain.md section 1).
HANDLED = 152_243
ON_TIME = 151_606
OVERDUE = HANDLED - ON_TIME  # 637
OVERDUE_LAND = 293
APOLOGIZED = 297
# Rates as printed, in hundredths of a percent (cut, not rounded).
DIGITIZATION_CUT = 6750  # 67,50%
PAYMENT_SO_CUT = 371  # 3,71%
PAYMENT_HUYEN_CUT = 847  # 8,47%

CLONE_SHIFT = np.timedelta64(182, "D")  # 26 weeks: 15/12/2022 -> 15/6/2023, weekdays kept

# Vietnamese public holidays (working days off) in the demo's span, observed dates.
HOLIDAYS = np.array(
    [
        "2022-01-03",
        "2022-01-31",
        "2022-02-01",
        "2022-02-02",
        "2022-02-03",
        "2022-02-04",
        "2022-04-11",
        "2022-05-02",
        "2022-05-03",
        "2022-09-01",
        "2022-09-02",
        "2023-01-02",
        "2023-01-20",
        "2023-01-23",
        "2023-01-24",
        "2023-01-25",
        "2023-01-26",
        "2023-05-01",
        "2023-05-02",
        "2023-05-03",
        "2023-09-01",
        "2023-09-04",
        "2024-01-01",
        "2024-02-08",
        "2024-02-09",
        "2024-02-12",
        "2024-02-13",
        "2024-02-14",
    ],
    dtype="datetime64[D]",
)
CALENDAR = np.busdaycalendar(holidays=HOLIDAYS)

SEGMENT_PRE, SEGMENT_RA, SEGMENT_C, SEGMENT_RB, SEGMENT_H2 = 0, 1, 2, 3, 4
SEGMENT_TWO_TIER = 5  # 1/7/2025 to yesterday, on the two-tier organisation
SEGMENT_CO = 6  # carried over from 2022 into the first half of 2023

# Dossiers carried over from 2022 (Biểu 06's column 6): received 21/11–14/12/2022, due in
# January 2023 or later, still open on 1/1/2023. Part of the directive's 152,243 handled.
CARRIED_OVER = 3_150
CO_FIRST_DAY, CO_LAST_DAY = "2022-11-21", "2022-12-14"

# Volumes: dossiers per working day (the first half of 2023 is fixed by the directive).
PRE_PER_DAY = 500
H2_PER_DAY = 900
TWO_TIER_PER_DAY = 60  # a thin slice: enough for trends and rankings, cheap to load
RA_DAY_WEIGHT = 0.85  # the second half of December relative to an average 2023 day

SECOND = np.timedelta64(1, "s")
MINUTE = 60 * SECOND
HOUR = 3600 * SECOND
DAY = 86400 * SECOND
ONE_DAY = np.timedelta64(1, "D")


def _ts(text: str) -> np.datetime64:
    return np.datetime64(text, "s")


# Period ends and cut-offs (naive local time).
REPORTING_END = _ts("2023-06-14T23:59:59")
CALENDAR_END = _ts("2023-06-30T23:59:59")
PRE_CUTOFF = _ts("2022-12-14T17:30:00")  # 2022 dossiers received before 15/12 finish by then
RA_CUTOFF = _ts("2022-12-30T17:30:00")  # RA dossiers finish by 30/12 (so RB by 30/6)
CO_EARLIEST_DUE = _ts("2023-01-03T17:00:00")  # the first working day of 2023 (2/1 was a holiday)
DUE_TIME = 17 * HOUR


@dataclass(frozen=True)
class Era:
    """Rates that drift over time, so that the trend charts show the reform moving."""

    online: dict[str, float]  # share submitted online, by the procedure's online level
    postal: float
    digitized: float  # share with every component digitized (outside the exact H1 set)
    e_result: float
    pay_online: dict[str, float]  # share of fee-paying dossiers paid online, by level
    overdue: float
    apology: float
    volume: float  # a month's volume factor range start..end across the era
    volume_end: float


ERAS = {
    "2022": Era(
        {"toan_trinh": 0.22, "mot_phan": 0.08, "khong": 0.0},
        0.02,
        0.44,
        0.18,
        {"so": 0.015, "huyen": 0.035, "xa": 0.01},
        0.009,
        0.30,
        0.85,
        1.1,
    ),
    "h1": Era(
        {"toan_trinh": 0.40, "mot_phan": 0.16, "khong": 0.0},
        0.02,
        0.675,
        0.35,
        {"so": 0.037, "huyen": 0.085, "xa": 0.03},
        0.004,
        0.47,
        0.9,
        1.1,
    ),
    "h2": Era(
        {"toan_trinh": 0.55, "mot_phan": 0.25, "khong": 0.0},
        0.015,
        0.82,
        0.55,
        {"so": 0.09, "huyen": 0.16, "xa": 0.06},
        0.003,
        0.65,
        0.95,
        1.15,
    ),
    "two_tier": Era(
        {"toan_trinh": 0.72, "mot_phan": 0.35, "khong": 0.0},
        0.01,
        0.9,
        0.75,
        {"so": 0.3, "huyen": 0.32, "xa": 0.22},
        0.002,
        0.85,
        1.0,
        1.1,
    ),
}


@dataclass(frozen=True)
class DemoData:
    agencies: list[DemoAgency]
    procedures: list[DemoProcedure]
    dossiers: pl.DataFrame


def count_for_cut_rate(denominator: int, cut: int) -> int:
    """The smallest numerator whose rate, cut to hundredths of a percent, prints as `cut`."""
    numerator = -(-cut * denominator // 10_000)
    if numerator * 10_000 // denominator != cut:
        raise ValueError(f"no numerator over {denominator} cuts to {cut / 100:.2f}%")
    return numerator


def _working_days(first: str, last: str) -> np.ndarray:
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + ONE_DAY)
    return days[np.is_busday(days, busdaycal=CALENDAR)]


def _choose_exact(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """Positions of exactly k items drawn without replacement, with probability growing with
    weight (Efraimidis-Spirakis keys), deterministic for a given generator state."""
    if k > len(weights):
        raise ValueError(f"cannot choose {k} of {len(weights)}")
    if k == 0:
        return np.empty(0, dtype=np.int64)
    keys = np.log(rng.random(len(weights))) / weights
    return np.sort(np.argpartition(keys, len(weights) - k)[len(weights) - k :])


class _Catalogue:
    """Agencies and procedures as arrays, for vectorised drawing. By default the units of 2023
    (those with no start date), in the order the 2023 dossiers were always drawn from."""

    def __init__(self, agencies: list[DemoAgency] | None = None) -> None:
        self.agencies = (
            agencies
            if agencies is not None
            else [a for a in demo_agencies() if a.valid_from is None]
        )
        self.procedures = demo_procedures()
        self.agency_codes = np.array([a.code for a in self.agencies])
        self.agency_level = np.array([a.level for a in self.agencies])
        weights = np.array([a.weight for a in self.agencies])
        probability = np.zeros(len(self.agencies))
        for level, share in LEVEL_SHARES.items():
            mask = self.agency_level == level
            if weights[mask].sum() > 0:  # no districts after the reform
                probability[mask] = share * weights[mask] / weights[mask].sum()
        self.agency_probability = probability / probability.sum()
        # Which procedure list an agency draws from: its own (a department), or its level's.
        self.agency_group = np.array(
            [a.procedures_of or (a.code if a.level == "so" else a.level) for a in self.agencies]
        )
        self.proc_codes = np.array([p.code for p in self.procedures])
        self.proc_land = np.array([p.domain == LAND_DOMAIN for p in self.procedures])
        self.proc_days = np.array([p.days for p in self.procedures])
        self.proc_level = np.array([p.online_level for p in self.procedures])
        self.proc_fee = np.array([p.fee for p in self.procedures], dtype=np.int64)
        self.proc_fee_share = np.array([p.fee_share for p in self.procedures])
        self.proc_components = np.array([p.components for p in self.procedures])
        self.proc_paper = np.array([p.paper_result for p in self.procedures])
        self.group_procedures: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for group in np.unique(self.agency_group[self.agency_probability > 0]):
            index = np.array([i for i, p in enumerate(self.procedures) if p.handler == group])
            if len(index) == 0:
                raise ValueError(f"no procedure for {group}")
            w = np.array([self.procedures[i].weight for i in index])
            self.group_procedures[str(group)] = (index, w / w.sum())


def _month_factor(days: np.ndarray, era: Era) -> np.ndarray:
    """A gentle rise of volume across an era (more dossiers later in the year)."""
    position = (days - days[0]).astype(np.int64) / max(1, (days[-1] - days[0]).astype(np.int64))
    return era.volume + (era.volume_end - era.volume) * position


def _draw(rng: np.random.Generator, cat: _Catalogue, received_day: np.ndarray, era: Era) -> dict:
    """The structure of n dossiers received on the given days: who, what, when, how."""
    n = len(received_day)
    agency = rng.choice(len(cat.agencies), size=n, p=cat.agency_probability)
    procedure = np.empty(n, dtype=np.int64)
    groups = cat.agency_group[agency]
    for group, (index, p) in cat.group_procedures.items():
        rows = np.flatnonzero(groups == group)
        procedure[rows] = index[rng.choice(len(index), size=len(rows), p=p)]

    level = cat.proc_level[procedure]
    online_p = np.select(
        [level == "toan_trinh", level == "mot_phan"],
        [era.online["toan_trinh"], era.online["mot_phan"]],
        default=0.0,
    )
    u = rng.random(n)
    channel = np.where(
        u < online_p, "truc_tuyen", np.where(u < online_p + era.postal, "buu_chinh", "truc_tiep")
    )
    online = channel == "truc_tuyen"

    # Time of day: counters work 7:30-11:30 and 13:30-17:00; online filings come 6:00-22:00.
    morning = rng.random(n) < 0.6
    counter = np.where(
        morning,
        int(7.5 * 3600) + rng.integers(0, 4 * 3600, n),
        int(13.5 * 3600) + rng.integers(0, int(3.5 * 3600), n),
    )
    web = 6 * 3600 + rng.integers(0, 16 * 3600, n)
    tod = np.where(online, web, counter)
    received = received_day.astype("datetime64[s]") + tod * SECOND

    # Due: the procedure's working days from the day received (the next one after 17:00).
    base = received_day + (tod >= 17 * 3600).astype("timedelta64[D]")
    due_day = np.busday_offset(base, cat.proc_days[procedure], roll="forward", busdaycal=CALENDAR)
    due = due_day.astype("datetime64[s]") + DUE_TIME

    # On-time finish somewhere between receipt and the due time; some on the due date itself.
    frac = rng.beta(2.0, 1.7, n)
    finished = received + (frac * (due - received).astype(np.int64)).astype(np.int64) * SECOND
    finished = np.maximum(finished, received + 5 * MINUTE)
    finished_tod = (finished - finished.astype("datetime64[D]")).astype(np.int64)
    evening = finished_tod > int(17.5 * 3600)
    moved = (
        finished.astype("datetime64[D]").astype("datetime64[s]")
        + (16 * 3600 + rng.integers(0, 3600, n)) * SECOND
    )
    finished = np.where(evening, np.maximum(moved, received + 5 * MINUTE), finished)
    night = finished_tod < int(7.5 * 3600)
    moved = (
        finished.astype("datetime64[D]").astype("datetime64[s]")
        + (int(7.5 * 3600) + rng.integers(0, 5400, n)) * SECOND
    )
    finished = np.where(night, np.maximum(moved, received + 5 * MINUTE), finished)
    finished = np.minimum(finished, due)

    components = np.maximum(1, cat.proc_components[procedure] + rng.integers(-1, 2, n))
    pays = rng.random(n) < cat.proc_fee_share[procedure]
    fee = cat.proc_fee[procedure].copy()
    # Certification is charged per page (2.000 đồng a page).
    per_page = fee == 2_000
    fee[per_page] *= rng.integers(1, 11, n)[per_page]
    fee = np.where(pays, fee, 0)

    return {
        "agency": agency,
        "procedure": procedure,
        "channel": channel,
        "received": received,
        "due": due,
        "finished": finished,
        "components": components,
        "fee": fee,
    }


def _clamp_finish(rng: np.random.Generator, rows: dict, cutoff: np.datetime64) -> None:
    """Finish every on-time dossier by the cut-off (a year-end push), keeping it ≥ received."""
    late = rows["finished"] > cutoff
    gap = (cutoff - rows["received"]).astype(np.int64)
    u = rng.uniform(0.3, 1.0, len(gap))
    pushed = rows["received"] + np.maximum((gap * u).astype(np.int64), 600) * SECOND
    rows["finished"] = np.where(late, np.minimum(pushed, rows["finished"]), rows["finished"])


def _weights_for_lateness(cat: _Catalogue, rows: dict) -> np.ndarray:
    level = cat.agency_level[rows["agency"]]
    w = np.where(level == "huyen", 3.0, np.where(level == "so", 1.5, 0.6))
    return w * np.where(cat.proc_land[rows["procedure"]], 2.0, 1.0)


def _at_work(days: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A time during office hours (7:30-17:00) on each given day."""
    seconds = int(7.5 * 3600) + rng.integers(0, int(9.5 * 3600), len(days))
    return days.astype("datetime64[s]") + seconds * SECOND


def _make_overdue(
    rng: np.random.Generator,
    rows: dict,
    chosen: np.ndarray,
    *,
    latest: np.datetime64 | None,
    long_share: float = 0.0,
) -> None:
    """Finish the chosen dossiers some working days after their due date, in office hours, and
    by the day of `latest` when given (whose time is after office hours)."""
    due_day = rows["due"][chosen].astype("datetime64[D]")
    n = len(chosen)
    delay = 1 + np.floor(rng.exponential(4.0, n)).astype(np.int64)
    finish_day = np.busday_offset(due_day, delay, roll="forward", busdaycal=CALENDAR)
    if latest is not None:
        finish_day = np.minimum(finish_day, latest.astype("datetime64[D]"))
    finished = _at_work(finish_day, rng)
    if long_share:
        # Some stay open past the calendar half-year and finish in July-August 2023.
        long = rng.random(n) < long_share
        summer_days = _working_days("2023-07-03", "2023-08-31")
        summer = _at_work(summer_days[rng.integers(0, len(summer_days), n)], rng)
        finished = np.where(long, summer, finished)
    if np.any(finished <= rows["due"][chosen]):
        raise AssertionError("an overdue dossier must finish after its due time")
    rows["finished"][chosen] = finished


def _apologize(
    rng: np.random.Generator,
    cat: _Catalogue,
    rows: dict,
    chosen: np.ndarray,
    *,
    latest: np.datetime64 | None = None,
    issued: np.ndarray | None = None,
) -> None:
    """Issue an apology slip (on or up to two working days before the due date unless `issued`
    is given), with a new due date after the original and after the slip."""
    n = len(chosen)
    received = rows["received"][chosen]
    due = rows["due"][chosen]
    if issued is None:
        issued_day = np.busday_offset(
            due.astype("datetime64[D]"),
            -rng.integers(0, 3, n),
            roll="backward",
            busdaycal=CALENDAR,
        )
        issued = np.minimum(_at_work(issued_day, rng), due)
        issued = np.maximum(issued, received + 30 * MINUTE)
        if latest is not None:
            issued = np.minimum(issued, latest)
    rows["apology_issued"][chosen] = issued
    new_due_day = np.busday_offset(
        due.astype("datetime64[D]"), rng.integers(3, 16, n), roll="forward", busdaycal=CALENDAR
    )
    finished_day_end = rows["finished"][chosen].astype("datetime64[D]").astype("datetime64[s]")
    next_day_end = (issued.astype("datetime64[D]") + ONE_DAY).astype("datetime64[s]")
    rows["apology_new_due"][chosen] = (
        np.maximum(np.maximum(new_due_day.astype("datetime64[s]"), finished_day_end), next_day_end)
        + DUE_TIME
    )
    land = cat.proc_land[rows["procedure"][chosen]]
    land_reason = rng.integers(0, len(LAND_DELAY_REASONS), n)
    general_reason = rng.integers(0, len(GENERAL_DELAY_REASONS), n)
    rows["apology_reason"][chosen] = np.where(
        land,
        np.array(LAND_DELAY_REASONS, dtype=object)[land_reason],
        np.array(GENERAL_DELAY_REASONS, dtype=object)[general_reason],
    )


def _init_flags(rows: dict) -> None:
    n = len(rows["agency"])
    rows["digitized"] = np.zeros(n, dtype=np.int64)
    rows["e_result"] = np.zeros(n, dtype=bool)
    rows["paid_online"] = np.zeros(n, dtype=bool)
    rows["apology_issued"] = np.full(n, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    rows["apology_new_due"] = np.full(n, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    rows["apology_reason"] = np.full(n, None, dtype=object)


def _digitize(rng: np.random.Generator, rows: dict, full: np.ndarray) -> None:
    """Components digitized: all of them for `full` rows, fewer for the others."""
    total = rows["components"]
    partial = (rng.random(len(total)) * total).astype(np.int64)  # 0 .. total-1
    rows["digitized"] = np.where(full, total, partial)


def _random_flags(
    rng: np.random.Generator,
    cat: _Catalogue,
    rows: dict,
    era: Era,
    *,
    overdue_latest: np.datetime64 | None,
) -> None:
    """Flags drawn at the era's rates (outside the exact first-half-2023 set)."""
    n = len(rows["agency"])
    online = rows["channel"] == "truc_tuyen"
    full_p = np.clip(era.digitized * np.where(online, 1.35, 0.9), 0, 1)
    _digitize(rng, rows, rng.random(n) < full_p)
    rows["e_result"] = (rng.random(n) < era.e_result * np.where(online, 1.5, 0.85)) & (
        cat.proc_paper[rows["procedure"]]
    )
    level = cat.agency_level[rows["agency"]]
    pay_p = np.select(
        [level == "so", level == "huyen"],
        [era.pay_online["so"], era.pay_online["huyen"]],
        era.pay_online["xa"],
    )
    rows["paid_online"] = (rows["fee"] > 0) & (rng.random(n) < pay_p * np.where(online, 2.5, 0.8))

    eligible = np.ones(n, dtype=bool)
    if overdue_latest is not None:
        eligible = rows["due"] < overdue_latest - DAY
    candidates = np.flatnonzero(eligible)
    k = round(era.overdue * n)
    weights = _weights_for_lateness(cat, rows)[candidates]
    late = candidates[_choose_exact(rng, weights, min(k, len(candidates)))]
    _make_overdue(rng, rows, late, latest=overdue_latest)
    sorry = late[rng.random(len(late)) < era.apology]
    _apologize(rng, cat, rows, sorry, latest=overdue_latest)


def _carried_over(rng: np.random.Generator, cat: _Catalogue) -> dict:
    """CARRIED_OVER dossiers received 21/11–14/12/2022 whose due date falls in 2023, finished on
    time in the new year (the exact flags then make some of them late): open on 1/1/2023 (and on
    15/12/2022), so they are carried over into the first half of 2023 on both bases. Drawn like
    any dossier of the period, keeping those long enough to run into January."""
    days = _working_days(CO_FIRST_DAY, CO_LAST_DAY)
    pool = _draw(
        rng, cat, _days_for(rng, days, np.ones(len(days)), 12 * CARRIED_OVER), ERAS["2022"]
    )
    long_enough = np.flatnonzero(pool["due"] >= CO_EARLIEST_DUE)
    if len(long_enough) < CARRIED_OVER:
        raise AssertionError(f"only {len(long_enough)} dossiers run into 2023")
    rows = _take(pool, np.sort(rng.choice(long_enough, size=CARRIED_OVER, replace=False)))
    # Finished on a working day from 3/1/2023 to the due date, in office hours, by the due time.
    first = np.datetime64("2023-01-03")
    span = (rows["due"].astype("datetime64[D]") - first).astype(np.int64)
    day = np.busday_offset(
        first + (rng.uniform(0.0, 1.0, CARRIED_OVER) * span).astype(np.int64),
        0,
        roll="backward",
        busdaycal=CALENDAR,
    )
    rows["finished"] = np.minimum(_at_work(np.maximum(day, first), rng), rows["due"])
    return rows


def _exact_flags(
    rng: np.random.Generator, cat: _Catalogue, rows: dict, segment: np.ndarray
) -> None:
    """The first-half-2023 set CO ∪ C ∪ RA: every directive figure hit exactly."""
    n = len(rows["agency"])
    if n != HANDLED:
        raise AssertionError(f"the exact set has {n} dossiers, not {HANDLED}")
    in_ra = segment == SEGMENT_RA
    in_c = segment == SEGMENT_C
    in_co = segment == SEGMENT_CO  # carried over from 2022: handled, not received, in P
    received_in_p = in_ra | in_c
    land = cat.proc_land[rows["procedure"]]
    online = rows["channel"] == "truc_tuyen"
    level = cat.agency_level[rows["agency"]]
    day_of_year = (rows["received"].astype("datetime64[D]") - np.datetime64("2022-12-15")).astype(
        np.int64
    )

    # Overdue: exactly 637, of which 293 in Đất đai. A C dossier may be late only if due before
    # 14/6 (so it is overdue on both bases even if it finishes after 14/6); an RA dossier only
    # if there is room to finish late by 30/12.
    eligible = ((in_c | in_co) & (rows["due"] < _ts("2023-06-14T17:00:01"))) | (
        in_ra & (rows["due"] < _ts("2022-12-29T17:00:01"))
    )
    weights = _weights_for_lateness(cat, rows)
    late_parts = []
    for domain_mask, k in ((land, OVERDUE_LAND), (~land, OVERDUE - OVERDUE_LAND)):
        candidates = np.flatnonzero(eligible & domain_mask)
        late_parts.append(candidates[_choose_exact(rng, weights[candidates], k)])
    late = np.sort(np.concatenate(late_parts))
    late_ra = late[in_ra[late]]
    late_c = late[(in_c | in_co)[late]]
    _make_overdue(rng, rows, late_ra, latest=RA_CUTOFF)
    _make_overdue(rng, rows, late_c, latest=None, long_share=0.12)

    # Apologies: exactly 297 of the 637 issued by the period's end (by 14/6 for C, within
    # December for RA, whose clones then fall within June). Some others get a slip only after
    # 30/6, which counts on neither basis.
    sorry = np.sort(late[_choose_exact(rng, np.ones(len(late)), APOLOGIZED)])
    _apologize(rng, cat, rows, sorry[in_ra[sorry]], latest=RA_CUTOFF)
    _apologize(rng, cat, rows, sorry[(in_c | in_co)[sorry]], latest=_ts("2023-06-14T16:30:00"))
    unsorry = np.setdiff1d(late_c, sorry)
    late_july = unsorry[rows["finished"][unsorry] > _ts("2023-07-06T00:00:00")]
    if len(late_july):
        after = late_july[rng.random(len(late_july)) < 0.6]
        # Issued in July, after both periods' ends, before the dossier finished.
        first = np.datetime64("2023-07-03")
        window = (rows["finished"][after].astype("datetime64[D]") - first).astype(np.int64)
        issued_day = np.busday_offset(
            first + (rng.uniform(0.0, 0.7, len(after)) * window).astype(np.int64),
            0,
            roll="backward",
            busdaycal=CALENDAR,
        )
        issued = np.minimum(_at_work(issued_day, rng), rows["finished"][after] - HOUR)
        _apologize(rng, cat, rows, after, issued=issued)

    # Components digitized: exactly K of the dossiers received in the period fully digitized,
    # K / received cut = 67,50%, more often online and rising through the half-year; the
    # carried-over ones at the 2022 rate (they were received then).
    received_rows = np.flatnonzero(received_in_p)
    k = count_for_cut_rate(len(received_rows), DIGITIZATION_CUT) + 3
    weights = np.where(online, 3.0, 1.0) * (0.8 + 0.4 * day_of_year / 182)
    full = in_co & (rng.random(n) < ERAS["2022"].digitized * np.where(online, 1.35, 0.9))
    full[received_rows[_choose_exact(rng, weights[received_rows], k)]] = True
    _digitize(rng, rows, full)

    era = ERAS["h1"]
    rows["e_result"] = (rng.random(n) < era.e_result * np.where(online, 1.5, 0.85)) & (
        cat.proc_paper[rows["procedure"]]
    )

    # Online payment: exact counts among the fee-paying own dossiers of departments and of
    # district People's Committees; communes at a plain rate.
    paid = np.zeros(n, dtype=bool)
    pays = rows["fee"] > 0
    for lvl, cut in (("so", PAYMENT_SO_CUT), ("huyen", PAYMENT_HUYEN_CUT)):
        candidates = np.flatnonzero(pays & (level == lvl) & received_in_p)
        k = count_for_cut_rate(len(candidates), cut)
        w = np.where(online[candidates], 6.0, 1.0)
        paid[candidates[_choose_exact(rng, w, k)]] = True
    xa = pays & (level == "xa") & received_in_p
    paid |= xa & (rng.random(n) < era.pay_online["xa"] * np.where(online, 2.5, 0.8))
    # carried over: paid (or not) in 2022, at that year's rates
    old = ERAS["2022"].pay_online
    co_rate = np.select([level == "so", level == "huyen"], [old["so"], old["huyen"]], old["xa"])
    paid |= pays & in_co & (rng.random(n) < co_rate * np.where(online, 2.5, 0.8))
    rows["paid_online"] = paid


def _take(rows: dict, index: np.ndarray) -> dict:
    return {key: value[index] for key, value in rows.items()}


def _concat(parts: list[dict]) -> dict:
    return {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}


def _days_for(
    rng: np.random.Generator, days: np.ndarray, weights: np.ndarray, n: int
) -> np.ndarray:
    counts = rng.multinomial(n, weights / weights.sum())
    return np.repeat(days, counts)


def generate_demo(*, seed: int = SEED, today: dt.date | None = None) -> DemoData:
    """Every dossier of the demo, the same on every run for a given seed and day: 2022 and 2023
    as ever, then the two-tier slice from 1/7/2025 up to yesterday (`today` defaults to the
    local date, not the portal's PORTAL_TODAY), with the organisation of that time (domain.md
    section 12)."""
    today = today or timezone.localdate()
    rng = np.random.default_rng(seed)
    cat = _Catalogue()

    # 2022 up to 14/12: all finished by 14/12 (year-end push).
    pre_days = _working_days("2022-01-04", "2022-12-14")
    pre_w = _month_factor(pre_days, ERAS["2022"])
    pre_n = int(PRE_PER_DAY * pre_w.sum())
    pre = _draw(rng, cat, _days_for(rng, pre_days, pre_w, pre_n), ERAS["2022"])
    _clamp_finish(rng, pre, PRE_CUTOFF)
    _init_flags(pre)
    _random_flags(rng, cat, pre, ERAS["2022"], overdue_latest=PRE_CUTOFF)

    # The exact set, 152,243 dossiers: CO (carried over from 2022, with a generator of their
    # own), RA (15-30/12/2022) and C (1/1-14/6/2023).
    carried = _carried_over(np.random.default_rng(seed + 2), cat)
    ra_days = _working_days("2022-12-15", "2022-12-30")
    c_days = _working_days("2023-01-01", "2023-06-14")
    days = np.concatenate([ra_days, c_days])
    weights = np.concatenate(
        [np.full(len(ra_days), RA_DAY_WEIGHT), _month_factor(c_days, ERAS["h1"])]
    )
    fresh = _draw(rng, cat, _days_for(rng, days, weights, HANDLED - CARRIED_OVER), ERAS["h1"])
    exact = _concat([carried, fresh])
    segment = np.concatenate(
        [
            np.full(CARRIED_OVER, SEGMENT_CO, dtype=np.int8),
            np.where(fresh["received"] < _ts("2023-01-01T00:00:00"), SEGMENT_RA, SEGMENT_C).astype(
                np.int8
            ),
        ]
    )
    ra = segment == SEGMENT_RA
    ra_rows = _take(exact, np.flatnonzero(ra))
    _clamp_finish(rng, ra_rows, RA_CUTOFF)
    exact["finished"][ra] = ra_rows["finished"]
    _init_flags(exact)
    _exact_flags(rng, cat, exact, segment)

    # RB: RA shifted by 26 weeks into 15-30/6/2023, flags and durations included.
    rb = _take(exact, np.flatnonzero(ra))
    shift = CLONE_SHIFT.astype("timedelta64[s]")
    for key in ("received", "due", "finished", "apology_issued", "apology_new_due"):
        rb[key] = rb[key] + shift  # NaT stays NaT

    # Second half of 2023.
    h2_days = _working_days("2023-07-01", "2023-12-29")
    h2_w = _month_factor(h2_days, ERAS["h2"])
    h2_n = int(H2_PER_DAY * h2_w.sum())
    h2 = _draw(rng, cat, _days_for(rng, h2_days, h2_w, h2_n), ERAS["h2"])
    _init_flags(h2)
    _random_flags(rng, cat, h2, ERAS["h2"], overdue_latest=None)

    rows = _concat([pre, exact, rb, h2])
    segments = np.concatenate(
        [
            np.full(len(pre["agency"]), SEGMENT_PRE, dtype=np.int8),
            segment,
            np.full(len(rb["agency"]), SEGMENT_RB, dtype=np.int8),
            np.full(len(h2["agency"]), SEGMENT_H2, dtype=np.int8),
        ]
    )
    agencies = demo_agencies()
    frame = _one_stop_facts(_with_codes(_frame(cat, rows, segments), agencies), seed=seed)
    # After the one-stop facts, whose draws stay as they were; the slice's layout is section 9.
    later = [
        _with_codes(part, agencies).with_columns(
            status=pl.lit(None, pl.Int16),
            supplement_requests=pl.lit(0, pl.Int16),
            supplement_requested_at=pl.lit(None, pl.Datetime("us")),
            supplement_completed_at=pl.lit(None, pl.Datetime("us")),
            layout=pl.lit(LAYOUT_SECTION_9),
        )
        for part in _two_tier_slice(seed=seed, today=today)
    ]
    frame = pl.concat([frame, *later])
    return DemoData(agencies=agencies, procedures=cat.procedures, dossiers=frame)


def _with_codes(frame: pl.DataFrame, agencies: list[DemoAgency]) -> pl.DataFrame:
    """Codes: agency prefix, yymmdd received, and the sequence of that agency's day."""
    prefixes = pl.DataFrame(
        {"agency": [a.code for a in agencies], "prefix": [a.prefix for a in agencies]}
    )
    return (
        frame.with_row_index("_order")
        .join(prefixes, on="agency", how="left")
        .sort(["agency", "received_at", "_order"])
        .with_columns(
            pl.concat_str(
                pl.col("prefix"),
                pl.lit("-"),
                pl.col("received_at").dt.strftime("%y%m%d"),
                pl.lit("-"),
                (pl.int_range(pl.len()).over("agency", pl.col("received_at").dt.date()) + 1)
                .cast(pl.String)
                .str.zfill(4),
            ).alias("code")
        )
        .sort("_order")
        .drop("_order", "prefix")
        .select("code", pl.exclude("code"))
    )


# The second half of 2023 comes as the national sync record (domain.md section 11), with the
# facts only that layout carries: statuses, supplementation, dossiers never received. None of it
# touches the first half of 2023 (every such dossier is received from 1/7/2023 on, or never), so
# the directive's table stays exact on both bases whatever the supplementation rule does.
LAYOUT_SECTION_9, LAYOUT_SYNC = "section9", "sync"
SUPPLEMENTED_SHARE = 0.03  # finished dossiers that had a supplementation request
WAITING = 40  # December 2023 dossiers still waiting for the applicant's documents
NEVER_RECEIVED = 120  # filed online but never received (status 1) or refused (status 3)


def _one_stop_facts(frame: pl.DataFrame, *, seed: int) -> pl.DataFrame:
    """Add status, supplementation and layout columns; a generator of its own keeps every
    earlier draw (and so every other dossier) as it was."""
    rng = np.random.default_rng(seed + 1)
    n = frame.height
    sync = (frame["segment"] == SEGMENT_H2).to_numpy()
    received = frame["received_at"].to_numpy().astype("datetime64[s]")
    finished = frame["finished_at"].to_numpy().astype("datetime64[s]")
    apologised = frame["apology_issued_at"].is_not_null().to_numpy()

    # Statuses: returned or processed; a few withdrawn (7) or stopped (8), with no result.
    u = rng.random(n)
    status = np.select([u < 0.01, u < 0.02, u < 0.15], [7, 8, 9], default=10).astype(np.int16)
    e_result = frame["e_result"].to_numpy() & ~np.isin(status, (7, 8))

    # Supplementation of finished dossiers: asked part-way, completed before the end.
    requests = np.zeros(n, dtype=np.int16)
    requested = np.full(n, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    completed = np.full(n, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    span = (finished - received).astype(np.int64)
    candidates = np.flatnonzero(sync & (span >= 2 * 86_400))
    chosen = candidates[rng.random(len(candidates)) < SUPPLEMENTED_SHARE]
    asked = (
        received[chosen]
        + (span[chosen] * rng.uniform(0.15, 0.45, len(chosen))).astype(np.int64) * SECOND
    )
    rest = (finished[chosen] - asked).astype(np.int64)
    requested[chosen] = asked
    completed[chosen] = (
        asked + (rest * rng.uniform(0.1, 0.6, len(chosen))).astype(np.int64) * SECOND
    )
    requests[chosen] = np.where(rng.random(len(chosen)) < 0.2, 2, 1)

    # Still with the applicant at the end of the demo: open, status 5, no completion.
    december = np.flatnonzero(
        sync & ~apologised & (received >= np.datetime64("2023-12-01T00:00:00")) & (requests == 0)
    )
    waiting = np.sort(rng.choice(december, size=min(WAITING, len(december)), replace=False))
    due = frame["due_at"].to_numpy().astype("datetime64[s]")
    requested[waiting] = (
        received[waiting] + ((due - received)[waiting].astype(np.int64) // 3) * SECOND
    )
    requests[waiting] = 1
    status[waiting] = 5
    finished[waiting] = np.datetime64("NaT", "s")
    e_result[waiting] = False
    status[~sync] = 0  # section 9's layout has no status

    frame = frame.with_columns(
        finished_at=pl.Series(finished.astype("datetime64[us]")),
        e_result=pl.Series(e_result),
        status=pl.Series(status).replace(0, None),
        supplement_requests=pl.Series(requests),
        supplement_requested_at=pl.Series(requested.astype("datetime64[us]")),
        supplement_completed_at=pl.Series(completed.astype("datetime64[us]")),
        layout=pl.Series(np.where(sync, LAYOUT_SYNC, LAYOUT_SECTION_9)),
    )
    return pl.concat([frame, _never_received(frame, rng)])


def _never_received(frame: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Dossiers filed online that the one-stop office never received (status 1) or refused
    (status 3): stored with no received or due date, counted nowhere."""
    sync = frame.filter(pl.col("layout") == LAYOUT_SYNC)
    picked = sync[np.sort(rng.choice(sync.height, size=NEVER_RECEIVED, replace=False)).tolist()]
    status = np.where(rng.random(NEVER_RECEIVED) < 0.5, 1, 3).astype(np.int16)
    empty = pl.lit(None, pl.Datetime("us"))
    return picked.with_columns(
        code=pl.col("code") + pl.Series(np.where(status == 1, "-DK", "-TC")),
        channel=pl.lit("truc_tuyen"),
        received_at=empty,
        due_at=empty,
        finished_at=empty,
        components_digitized=pl.lit(0, pl.Int64),
        components_total=pl.lit(1, pl.Int64),
        e_result=pl.lit(False),
        fee=pl.lit(0, pl.Int64),
        paid_online=pl.lit(False),
        apology_issued_at=empty,
        apology_new_due_at=empty,
        apology_reason=pl.lit(None, pl.String),
        status=pl.Series(status),
        supplement_requests=pl.lit(0, pl.Int16),
        supplement_requested_at=empty,
        supplement_completed_at=empty,
    )


def _frame(cat: _Catalogue, rows: dict, segments: np.ndarray) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "segment": segments,
            "agency": cat.agency_codes[rows["agency"]],
            "procedure": cat.proc_codes[rows["procedure"]],
            "channel": rows["channel"],
            "received_at": rows["received"].astype("datetime64[us]"),
            "due_at": rows["due"].astype("datetime64[us]"),
            "finished_at": rows["finished"].astype("datetime64[us]"),
            "components_total": rows["components"],
            "components_digitized": rows["digitized"],
            "e_result": rows["e_result"],
            "fee": rows["fee"],
            "paid_online": rows["paid_online"],
            "apology_issued_at": rows["apology_issued"].astype("datetime64[us]"),
            "apology_new_due_at": rows["apology_new_due"].astype("datetime64[us]"),
            "apology_reason": pl.Series(rows["apology_reason"].tolist(), dtype=pl.String),
        }
    )


# The organisation changed twice after 2023 (dossiers/demo/reference.py): each window draws
# from the units that existed throughout it.
# The slice starts with the two-tier government on 1/7/2025 (issue 17's "post-reform slice"):
# 2024 and the first half of 2025 stay periods without dossiers, which the portal says it cannot
# rank (issue 14: 2025-H1 in the demo ranks nobody).
TWO_TIER_WINDOWS = ((dt.date(2025, 7, 1), None),)  # to yesterday


def _two_tier_slice(*, seed: int, today: dt.date) -> list[pl.DataFrame]:
    """Dossiers from 1/7/2025 to yesterday, a window per organisation. Its own random generator, so
    that 2022 and 2023 are drawn exactly as before. A window's dossiers finish within it (its
    units end with it); in the last one, whatever would finish after today is still open."""
    rng = np.random.default_rng(seed + 2025)
    era = ERAS["two_tier"]
    yesterday = today - dt.timedelta(days=1)
    now = np.datetime64(today.isoformat()).astype("datetime64[s]")
    frames = []
    for first, last in TWO_TIER_WINDOWS:
        last = min(last or yesterday, yesterday)
        if last < first:
            continue
        days = _working_days(first.isoformat(), last.isoformat())
        if len(days) == 0:
            continue
        cat = _Catalogue([a for a in demo_agencies() if a.exists_on(first) and a.exists_on(last)])
        weights = _month_factor(days, era)
        rows = _draw(
            rng, cat, _days_for(rng, days, weights, int(TWO_TIER_PER_DAY * weights.sum())), era
        )
        window_end = np.datetime64(f"{last.isoformat()}T17:30:00")
        closes = last < yesterday
        if closes:
            _clamp_finish(rng, rows, window_end)
        _init_flags(rows)
        _random_flags(rng, cat, rows, era, overdue_latest=window_end if closes else None)
        if not closes:
            later = rows["finished"] >= now
            rows["finished"] = np.where(later, np.datetime64("NaT", "s"), rows["finished"])
            unsent = rows["apology_issued"] >= now
            rows["apology_issued"][unsent] = np.datetime64("NaT", "s")
            rows["apology_new_due"][unsent] = np.datetime64("NaT", "s")
            rows["apology_reason"][unsent] = None
        frames.append(
            _frame(cat, rows, np.full(len(rows["agency"]), SEGMENT_TWO_TIER, dtype=np.int8))
        )
    return frames
