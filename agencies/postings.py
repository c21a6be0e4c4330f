"""The rules for staff posted to the Public Administration Service Center (Decree 61/2018/NĐ-CP,
Article 11, as the directive states it). Pure: no database, no Django; docs/postings.md explains.

Month arithmetic. A posting's dates are inclusive: a person posted from 01/01/2023 to 30/06/2023
served exactly 6 months. `months_last_day(start, n)` is the last day of an n-month posting:
`add_months(start, n) − 1 day`, where `add_months` keeps the day of the month and clamps it to the
month's last day (31/08/2023 + 6 months = 29/02/2024). So a posting "lasts at least n months"
when its end ≥ months_last_day(start, n), and "lasts more than n months" when its end >
months_last_day(start, n).

The rules:
* every posting lasts at least 6 months (`too_short`) and at most 24 months (`too_long`), judged
  on its planned end and, once closed, on its actual end;
* a posting from an agency formed by a merger (one that names the units it was merged from) lasts
  at most 4 months (`merged_too_long`), and the agency's former units take turns
  (`rotation`): a former unit may not be sent again while another former unit has not had a turn
  since its last one. The 6-month minimum does not apply to such postings (a 4-month rotation
  could never meet it), and a posting that names no former unit is flagged (`former_unit_missing`);
* on a given day: a posting whose end (actual, else planned) falls within the next 30 days is
  `ending_soon`; an expected agency with nobody serving is unstaffed (`unstaffed_agencies`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

MIN_MONTHS = 6
MAX_MONTHS = 24
MERGED_MONTHS = 4
ENDING_SOON_DAYS = 30
# Agencies that must have someone posted: provincial agencies and district-level committees.
EXPECTED_LEVELS = frozenset({"so", "huyen"})


class Flag(StrEnum):
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    ENDING_SOON = "ending_soon"
    MERGED_TOO_LONG = "merged_too_long"
    ROTATION = "rotation"
    FORMER_UNIT_MISSING = "former_unit_missing"


@dataclass(frozen=True)
class PostingFacts:
    """What the rules need of one posting."""

    id: int
    agency_id: int
    start: dt.date
    planned_end: dt.date
    actual_end: dt.date | None = None
    former_unit_id: int | None = None


@dataclass(frozen=True)
class AgencyFacts:
    """What the rules need of one agency: its level, validity and, after a merger, its former units
    (in a stable order), plus the agencies it was merged into."""

    id: int
    level: str
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    former_unit_ids: tuple[int, ...] = ()
    merged_into_ids: tuple[int, ...] = ()

    @property
    def is_merged(self) -> bool:
        return bool(self.former_unit_ids)

    def valid_on(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


@dataclass(frozen=True)
class Finding:
    flag: Flag
    # For ROTATION: the former units that were due a turn before this one came back.
    skipped_unit_ids: tuple[int, ...] = field(default=())


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later, clamped to that month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_last_day(start: dt.date, months: int) -> dt.date:
    """The last day of a posting of exactly `months` months that starts on `start`."""
    return add_months(start, months) - dt.timedelta(days=1)


def length_in_months_and_days(start: dt.date, end: dt.date) -> tuple[int, int]:
    """Whole months served from `start` to `end` (inclusive), then the days left over.

    01/01/2023–30/06/2023 is (6, 0); 01/01/2023–29/06/2023 is (5, 29).
    """
    if end < start:
        return (0, 0)
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 0 and months_last_day(start, months) > end:
        months -= 1
    covered_until = months_last_day(start, months) if months else start - dt.timedelta(days=1)
    return months, (end - covered_until).days


def ends(posting: PostingFacts) -> list[dt.date]:
    """The ends a length rule judges: the planned one, and the actual one once closed."""
    return [posting.planned_end, *([posting.actual_end] if posting.actual_end else [])]


def effective_end(posting: PostingFacts) -> dt.date:
    """When the posting ends, as best the record knows: the actual end, else the planned one."""
    return posting.actual_end or posting.planned_end


def is_serving(posting: PostingFacts, day: dt.date) -> bool:
    """The person is at the Service Center on `day`: started, and not past the effective end."""
    return posting.start <= day <= effective_end(posting)


def length_findings(posting: PostingFacts, *, merged: bool) -> list[Finding]:
    """The flags a posting earns on its own: its length against 6/24 months, or 4 for a merged
    agency, and a merged agency's posting without its former unit."""
    found: list[Finding] = []
    if merged:
        if any(end > months_last_day(posting.start, MERGED_MONTHS) for end in ends(posting)):
            found.append(Finding(Flag.MERGED_TOO_LONG))
        if posting.former_unit_id is None:
            found.append(Finding(Flag.FORMER_UNIT_MISSING))
    elif any(end < months_last_day(posting.start, MIN_MONTHS) for end in ends(posting)):
        found.append(Finding(Flag.TOO_SHORT))
    if any(end > months_last_day(posting.start, MAX_MONTHS) for end in ends(posting)):
        found.append(Finding(Flag.TOO_LONG))
    return found


def is_ending_soon(posting: PostingFacts, day: dt.date) -> bool:
    """Serving on `day` and leaving within the next 30 days (`day` itself included)."""
    end = effective_end(posting)
    return is_serving(posting, day) and end <= day + dt.timedelta(days=ENDING_SOON_DAYS)


def rotation_findings(
    postings: Sequence[PostingFacts], *, former_unit_ids: Sequence[int]
) -> dict[int, Finding]:
    """The postings of one merged agency that break the turn order of its former units.

    Postings are taken in order of start date (then id). With k former units, a unit must not
    come back while one of the others has not been sent since that unit's last turn: A, B, C, A
    is fine; A, B, A skips C, so the second A is flagged, naming C. With two units this is simply
    "two consecutive postings from the same unit". Postings without a former unit, or naming a
    unit that is not one of the agency's, are left to other checks and do not take a turn.
    """
    units = list(former_unit_ids)
    flagged: dict[int, Finding] = {}
    last_turn: dict[int, int] = {}  # unit -> index of its latest posting in `sequence`
    sequence = sorted(
        (p for p in postings if p.former_unit_id in units), key=lambda p: (p.start, p.id)
    )
    for index, posting in enumerate(sequence):
        unit = posting.former_unit_id
        if unit in last_turn:
            previous = last_turn[unit]
            sent_since = {p.former_unit_id for p in sequence[previous + 1 : index]}
            skipped = tuple(u for u in units if u != unit and u not in sent_since)
            if skipped:
                flagged[posting.id] = Finding(Flag.ROTATION, skipped_unit_ids=skipped)
        last_turn[unit] = index
    return flagged


def posting_findings(
    postings: Sequence[PostingFacts], agencies: dict[int, AgencyFacts], *, on: dt.date
) -> dict[int, list[Finding]]:
    """Every posting's flags on day `on` (only `ending_soon` depends on the day)."""
    result: dict[int, list[Finding]] = {}
    for posting in postings:
        agency = agencies.get(posting.agency_id)
        found = length_findings(posting, merged=agency is not None and agency.is_merged)
        if is_ending_soon(posting, on):
            found.append(Finding(Flag.ENDING_SOON))
        result[posting.id] = found
    by_agency: dict[int, list[PostingFacts]] = {}
    for posting in postings:
        by_agency.setdefault(posting.agency_id, []).append(posting)
    for agency_id, own in by_agency.items():
        agency = agencies.get(agency_id)
        if agency is None or not agency.is_merged:
            continue
        for posting_id, finding in rotation_findings(
            own, former_unit_ids=agency.former_unit_ids
        ).items():
            result[posting_id].append(finding)
    return result


def expected_agencies(agencies: Iterable[AgencyFacts], *, on: dt.date) -> list[AgencyFacts]:
    """The agencies that must have someone posted on `on`: provincial agencies and districts valid
    that day, except a unit already merged into an agency valid that day (its staff are sent by
    the merged agency)."""
    agencies = list(agencies)
    valid = {a.id for a in agencies if a.valid_on(on)}
    return [
        agency
        for agency in agencies
        if agency.level in EXPECTED_LEVELS
        and agency.id in valid
        and not any(target in valid for target in agency.merged_into_ids)
    ]


def unstaffed_agencies(
    agencies: Iterable[AgencyFacts], postings: Iterable[PostingFacts], *, on: dt.date
) -> list[AgencyFacts]:
    """The expected agencies with nobody serving on `on`. A posting covers its home agency and,
    for a merged agency, the former unit the person comes from."""
    covered: set[int] = set()
    for posting in postings:
        if is_serving(posting, on):
            covered.add(posting.agency_id)
            if posting.former_unit_id is not None:
                covered.add(posting.former_unit_id)
    return [agency for agency in expected_agencies(agencies, on=on) if agency.id not in covered]
