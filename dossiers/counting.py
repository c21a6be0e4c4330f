"""How a dossier counts: the one statement of the on-time judgement (domain.md sections 5 and 11).

Every figure and every list of the portal that says "on time" or "overdue" follows this module:
the KPI engine (reports/services.py) and through it the indicators, custom ranges and Biểu 06,
the agency page's overdue list (reports), the apology work list (dossiers/apologies.py) and the
pilot picker (directives). The rule is written here three times, once per language the callers
speak, and tests/dossiers/test_counting.py checks the ORM and SQL forms against the Python one
on generated dossiers, on both databases:

* **Python**, `judge()`: the reference. Plain datetimes, read like the contract.
* **ORM**, `overdue_q()`, `handled_q()`, `due_soon_q()`: for lists of dossiers.
* **SQL**, `ClockSql`: per-dossier values the KPI engine groups into its cells.

The rule. A *window* is [start, until): a period P = [S, E] has start = S 00:00 and until = the
midnight after E ("by E" means before it), and a dossier still in progress at its end is judged
at E 23:59:59 (`Window.end`). The apology work list judges "now": no start, until = end = now.

* Dossiers that were never received (status 1, 3) count nowhere.
* A dossier is judged in a window when it was received before `until` and was not finished
  before `start`; it is then one of:
  - *finished* (finished before `until`): judged at finished_at, minus the pause
    (completed − requested) when the applicant completed a supplementation request by then;
  - *waiting* (not finished; a supplementation request before `until` not completed before it):
    the clock is stopped. Requested before `start`: the dossier is **not handled** in the window
    (it is with the applicant). Otherwise judged at the request, and overdue also when more than
    one request was made;
  - *open* (not finished, not waiting): judged at `end`, minus the pause when completed.
* On time when the judgement time ≤ due_at; overdue otherwise. Without supplementation fields
  this is section 5 as it always was.

Two readings of odd data, so that every dossier is judged (docs/decisions.md): a request dated
before the receipt counts from the receipt; a completion dated before the (last) request belongs
to an earlier request, so the last one is still waiting.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from django.db.models import DateTimeField, DurationField, ExpressionWrapper, F, Q, Value
from django.db.models.expressions import Combinable
from django.db.models.functions import TruncDate
from django.utils import timezone

from dossiers.models import ENDED_WITHOUT_RESULT_STATUSES, NEVER_RECEIVED_STATUSES, DossierStatus
from kpi_portal.local_days import (
    after_local_day,
    end_of_local_day,
    epoch_seconds_sql,
    local_midnight,
)

# --- Windows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Window:
    """Where a judgement is made: instants in [start, until); open dossiers are judged at end."""

    start: datetime | None
    until: datetime
    end: datetime

    @classmethod
    def of_days(cls, start: date, end: date) -> Window:
        """The period [start 00:00, end 23:59:59] of whole local days."""
        return cls(local_midnight(start), after_local_day(end), end_of_local_day(end))

    @classmethod
    def now(cls, moment: datetime) -> Window:
        """Everything up to `moment`, judged at it (the apology work list)."""
        return cls(None, moment, moment)


# --- Python: the reference ----------------------------------------------------------------------


class ClockFacts(Protocol):
    """What the judgement reads of a dossier (a Dossier, or any object with these attributes)."""

    status: int | None
    received_at: datetime | None
    due_at: datetime | None
    finished_at: datetime | None
    supplement_requests: int
    supplement_requested_at: datetime | None
    supplement_completed_at: datetime | None


class State(StrEnum):
    FINISHED = "finished"
    WAITING = "waiting"
    OPEN = "open"


@dataclass(frozen=True)
class Judgement:
    state: State
    judged_at: datetime
    overdue: bool
    due_at: datetime

    @property
    def on_time(self) -> bool:
        return not self.overdue

    @property
    def early(self) -> bool:
        """Biểu 06's "before the due date": on time, on an earlier local day than due_at."""
        return not self.overdue and (
            timezone.localdate(self.judged_at) < timezone.localdate(self.due_at)
        )


def counts(dossier: ClockFacts) -> bool:
    """Whether the dossier counts at all: it was received (status 1 and 3 never were)."""
    return dossier.status not in NEVER_RECEIVED_STATUSES and dossier.received_at is not None


def ended_without_result(dossier: ClockFacts) -> bool:
    """Withdrawn or stopped (7, 8): left out of e_result's denominator."""
    return dossier.status in ENDED_WITHOUT_RESULT_STATUSES


def requested_at(dossier: ClockFacts) -> datetime | None:
    """The last supplementation request, counted from the receipt at the earliest."""
    if dossier.supplement_requested_at is None or dossier.received_at is None:
        return None
    return max(dossier.supplement_requested_at, dossier.received_at)


def completed_at(dossier: ClockFacts) -> datetime | None:
    """When the applicant completed the last request (None: not completed)."""
    requested = requested_at(dossier)
    completed = dossier.supplement_completed_at
    if requested is None or completed is None or completed < requested:
        return None
    return completed


def judge(dossier: ClockFacts, window: Window) -> Judgement | None:
    """The dossier's judgement in the window, or None when it is not handled in it."""
    if not counts(dossier) or dossier.received_at >= window.until:
        return None
    due, finished = dossier.due_at, dossier.finished_at
    requested, completed = requested_at(dossier), completed_at(dossier)
    if finished is not None and finished < window.until:
        if window.start is not None and finished < window.start:
            return None
        judged = finished
        if completed is not None and completed <= finished:
            judged = finished - (completed - requested)
        return Judgement(State.FINISHED, judged, judged > due, due)
    waiting = requested is not None and requested < window.until
    if waiting and (completed is None or completed >= window.until):
        if window.start is not None and requested < window.start:
            return None
        late = requested > due or dossier.supplement_requests > 1
        return Judgement(State.WAITING, requested, late, due)
    judged = window.end
    if completed is not None and completed < window.until:
        judged = window.end - (completed - requested)
    return Judgement(State.OPEN, judged, judged > due, due)


def due_soon(dossier: ClockFacts, *, now: datetime, limit: datetime) -> bool:
    """Still open now, not overdue, and due (after any pause) before `limit`."""
    judgement = judge(dossier, Window.now(now))
    if judgement is None or judgement.state != State.OPEN or judgement.overdue:
        return False
    pause = now - judgement.judged_at
    return dossier.due_at + pause < limit


# --- ORM ----------------------------------------------------------------------------------------


class _Fields:
    """The dossier's fields as ORM references, under an optional relation prefix."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def name(self, field: str) -> str:
        return self.prefix + field

    def f(self, field: str) -> F:
        return F(self.prefix + field)

    def q(self, **lookups: object) -> Q:
        return Q(**{self.prefix + key: value for key, value in lookups.items()})


def _minus(moment: Combinable | datetime, pause: Combinable) -> ExpressionWrapper:
    left = Value(moment, output_field=DateTimeField()) if isinstance(moment, datetime) else moment
    return ExpressionWrapper(left - pause, output_field=DateTimeField())


def _pause(d: _Fields, *, from_receipt: bool) -> ExpressionWrapper:
    """completed − requested, with the request at the receipt when `from_receipt`."""
    start = d.f("received_at") if from_receipt else d.f("supplement_requested_at")
    return ExpressionWrapper(d.f("supplement_completed_at") - start, output_field=DurationField())


def _request_cases(d: _Fields) -> tuple[tuple[Q, bool], ...]:
    """The request is the recorded one, or the receipt when it was recorded before it."""
    return (
        (Q(**{d.name("supplement_requested_at") + "__gte": d.f("received_at")}), False),
        (Q(**{d.name("supplement_requested_at") + "__lt": d.f("received_at")}), True),
    )


def _completed(d: _Fields) -> Q:
    """A request was made and completed, not before it (nor before the receipt)."""
    return (
        d.q(supplement_requested_at__isnull=False, supplement_completed_at__isnull=False)
        & d.q(supplement_completed_at__gte=d.f("supplement_requested_at"))
        & d.q(supplement_completed_at__gte=d.f("received_at"))
    )


def _not_completed(d: _Fields) -> Q:
    return (
        d.q(supplement_completed_at__isnull=True)
        | d.q(supplement_completed_at__lt=d.f("supplement_requested_at"))
        | d.q(supplement_completed_at__lt=d.f("received_at"))
    )


def counted_q(prefix: str = "") -> Q:
    """Dossiers that count at all (not never-received)."""
    d = _Fields(prefix)
    counted = [s for s in DossierStatus.values if s not in NEVER_RECEIVED_STATUSES]
    return d.q(status__isnull=True) | d.q(status__in=counted)


def _finished_by(d: _Fields, window: Window) -> Q:
    return d.q(finished_at__isnull=False, finished_at__lt=window.until)


def _open_at_end(d: _Fields, window: Window) -> Q:
    return d.q(finished_at__isnull=True) | d.q(finished_at__gte=window.until)


def _waiting(d: _Fields, window: Window) -> Q:
    return d.q(supplement_requested_at__lt=window.until) & (
        _not_completed(d) | d.q(supplement_completed_at__gte=window.until)
    )


def _paused(d: _Fields, window: Window) -> Q:
    """Not waiting at the end, with a completed request (a pause) before it."""
    return _completed(d) & d.q(supplement_completed_at__lt=window.until)


def _plain(d: _Fields, window: Window) -> Q:
    """No request before the end: the clock never stopped."""
    return d.q(supplement_requested_at__isnull=True) | d.q(
        supplement_requested_at__gte=window.until
    )


def handled_q(window: Window, *, prefix: str = "") -> Q:
    """Dossiers judged in the window (see `judge`)."""
    d = _Fields(prefix)
    received = counted_q(prefix) & d.q(received_at__lt=window.until)
    finished = _finished_by(d, window)
    if window.start is not None:
        finished &= d.q(finished_at__gte=window.start)
    open_ = _open_at_end(d, window) & (_plain(d, window) | _paused(d, window))
    waiting = _open_at_end(d, window) & _waiting(d, window)
    if window.start is not None:
        waiting &= d.q(supplement_requested_at__gte=window.start) | d.q(
            received_at__gte=window.start
        )
    return received & (finished | open_ | waiting)


def _late_finish(d: _Fields) -> Q:
    """Finished dossiers whose judgement time is after due_at."""
    unpaused = (
        _not_completed(d)
        | d.q(supplement_requested_at__isnull=True)
        | d.q(supplement_completed_at__gt=d.f("finished_at"))
    )
    late = unpaused & d.q(finished_at__gt=d.f("due_at"))
    paused = _completed(d) & d.q(supplement_completed_at__lte=d.f("finished_at"))
    for case, from_receipt in _request_cases(d):
        judged = _minus(d.f("finished_at"), _pause(d, from_receipt=from_receipt))
        late |= paused & case & d.q(due_at__lt=judged)
    return late


def _late_open(d: _Fields, window: Window) -> Q:
    """Open or waiting at the end of the window, and overdue there."""
    waiting_late = _waiting(d, window) & (
        d.q(supplement_requests__gt=1)
        | d.q(supplement_requested_at__gt=d.f("due_at"))
        | d.q(received_at__gt=d.f("due_at"))
    )
    plain_late = _plain(d, window) & d.q(due_at__lt=window.end)
    late = waiting_late | plain_late
    for case, from_receipt in _request_cases(d):
        judged = _minus(window.end, _pause(d, from_receipt=from_receipt))
        late |= _paused(d, window) & case & d.q(due_at__lt=judged)
    return late


def overdue_q(window: Window, *, prefix: str = "") -> Q:
    """Dossiers handled in the window and overdue in it (see `judge`)."""
    d = _Fields(prefix)
    finished = _finished_by(d, window) & _late_finish(d)
    open_ = _open_at_end(d, window) & _late_open(d, window)
    return handled_q(window, prefix=prefix) & (finished | open_)


def finished_late_q(window: Window, *, prefix: str = "") -> Q:
    """Finished in the window after their (paused) due time."""
    d = _Fields(prefix)
    return handled_q(window, prefix=prefix) & _finished_by(d, window) & _late_finish(d)


def finished_early_q(window: Window, *, prefix: str = "") -> Q:
    """Finished in the window on time, on an earlier local day than due_at (Biểu 06)."""
    d = _Fields(prefix)
    unpaused = (
        _not_completed(d)
        | d.q(supplement_requested_at__isnull=True)
        | d.q(supplement_completed_at__gt=d.f("finished_at"))
    )
    early = unpaused & d.q(
        finished_at__lte=d.f("due_at"), **{"due_at__date__gt": TruncDate(d.f("finished_at"))}
    )
    paused = _completed(d) & d.q(supplement_completed_at__lte=d.f("finished_at"))
    for case, from_receipt in _request_cases(d):
        judged = _minus(d.f("finished_at"), _pause(d, from_receipt=from_receipt))
        early |= paused & case & d.q(due_at__gte=judged, **{"due_at__date__gt": TruncDate(judged)})
    return handled_q(window, prefix=prefix) & _finished_by(d, window) & early


def open_overdue_q(window: Window, *, prefix: str = "") -> Q:
    """Handled in the window, not finished by its end, and overdue at it."""
    d = _Fields(prefix)
    return handled_q(window, prefix=prefix) & _open_at_end(d, window) & _late_open(d, window)


def due_soon_q(*, now: datetime, limit: datetime, prefix: str = "") -> Q:
    """Open now, not overdue, and due (after any pause) before `limit` (see `due_soon`)."""
    d = _Fields(prefix)
    window = Window.now(now)
    plain = _plain(d, window) & d.q(due_at__gte=now, due_at__lt=limit)
    soon = plain
    for case, from_receipt in _request_cases(d):
        pause = _pause(d, from_receipt=from_receipt)
        soon |= (
            _paused(d, window)
            & case
            & d.q(due_at__gte=_minus(now, pause), due_at__lt=_minus(limit, pause))
        )
    return counted_q(prefix) & d.q(received_at__lt=now) & _open_at_end(d, window) & soon


# --- SQL ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockSql:
    """SQL expressions of the judgement over a dossier row aliased `alias`, for the KPI engine.

    Times are whole epoch seconds (kpi_portal.local_days.epoch_seconds_sql), which the engine
    turns into local day numbers. Build with `clock_sql(alias)`.
    """

    counted: str  # the dossier counts at all
    due_seconds: str  # due_at
    requested: str  # the request, from the receipt at the earliest (NULL: none)
    completed: str  # the completion of that request (NULL: not completed)
    pause: str  # completed − requested in seconds (NULL when not completed)
    finish_judged: str  # the judgement time of a finished dossier
    finish_late: str  # a finished dossier is overdue (its judgement time is after due_at)
    waiting_late: str  # a dossier waiting at a window's end is overdue there
    ended_without_result: str


def clock_sql(alias: str) -> ClockSql:
    def s(field: str) -> str:
        return epoch_seconds_sql(f"{alias}.{field}")

    never = ", ".join(str(int(s_)) for s_ in NEVER_RECEIVED_STATUSES)
    without = ", ".join(str(int(s_)) for s_ in ENDED_WITHOUT_RESULT_STATUSES)
    received, requested_raw = s("received_at"), s("supplement_requested_at")
    requested = (
        f"(CASE WHEN {alias}.supplement_requested_at IS NULL THEN NULL"
        f" WHEN {alias}.supplement_requested_at < {alias}.received_at THEN {received}"
        f" ELSE {requested_raw} END)"
    )
    completed = (
        f"(CASE WHEN {alias}.supplement_requested_at IS NULL"
        f" OR {alias}.supplement_completed_at IS NULL"
        f" OR {alias}.supplement_completed_at < {alias}.supplement_requested_at"
        f" OR {alias}.supplement_completed_at < {alias}.received_at THEN NULL"
        f" ELSE {s('supplement_completed_at')} END)"
    )
    pause = f"({completed} - {requested})"
    paused_at_finish = (
        f"({completed} IS NOT NULL AND {alias}.supplement_completed_at <= {alias}.finished_at)"
    )
    finish_judged = (
        f"(CASE WHEN {paused_at_finish} THEN {s('finished_at')} - {pause}"
        f" ELSE {s('finished_at')} END)"
    )
    # Without a pause, compare the stored values themselves: exact to the microsecond.
    finish_late = (
        f"(CASE WHEN {paused_at_finish} THEN {s('finished_at')} - {pause} > {s('due_at')}"
        f" ELSE {alias}.finished_at > {alias}.due_at END)"
    )
    waiting_late = f"({alias}.supplement_requests > 1 OR {requested} > {s('due_at')})"
    return ClockSql(
        counted=f"({alias}.status IS NULL OR {alias}.status NOT IN ({never}))",
        due_seconds=s("due_at"),
        requested=requested,
        completed=completed,
        pause=pause,
        finish_judged=finish_judged,
        finish_late=finish_late,
        waiting_late=waiting_late,
        ended_without_result=f"({alias}.status IS NOT NULL AND {alias}.status IN ({without}))",
    )


def judged_days_late(judgement: Judgement) -> int:
    """Whole local days from the due date to the judgement (0 when on time)."""
    days = (timezone.localdate(judgement.judged_at) - timezone.localdate(judgement.due_at)).days
    return max(days, 0)
