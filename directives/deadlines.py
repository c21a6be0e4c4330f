"""Where an assigned agency stands on a dated task, at a given moment. Pure: no database.

A task due on a date may be done until the end of that day, 23:59:59 local time. Days are
counted in calendar days, local time: done on 21/7 for a 20/7 task is one day late; on 19/7 a
20/7 task has one day left, and on 20/7 none (due today).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")


class DeadlineState(StrEnum):
    DONE_ON_TIME = "done_on_time"
    DONE_LATE = "done_late"
    PENDING = "pending"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class DeadlineStatus:
    state: DeadlineState
    # Days late for DONE_LATE and OVERDUE, days left for PENDING, 0 for DONE_ON_TIME.
    days: int

    @property
    def is_done(self) -> bool:
        return self.state in (DeadlineState.DONE_ON_TIME, DeadlineState.DONE_LATE)

    @property
    def is_late(self) -> bool:
        return self.state in (DeadlineState.DONE_LATE, DeadlineState.OVERDUE)


def deadline_end(due_on: dt.date, *, tz: dt.tzinfo = LOCAL) -> dt.datetime:
    """The last moment a task due on `due_on` is on time: that day at 23:59:59 local time."""
    return dt.datetime.combine(due_on, dt.time(23, 59, 59), tzinfo=tz)


def is_late(*, due_on: dt.date, at: dt.datetime, tz: dt.tzinfo = LOCAL) -> bool:
    return at > deadline_end(due_on, tz=tz)


def deadline_status(
    *,
    due_on: dt.date,
    done_at: dt.datetime | None,
    now: dt.datetime,
    tz: dt.tzinfo = LOCAL,
) -> DeadlineStatus:
    """The status at `now` of a task due on `due_on`, done at `done_at` (None: not done)."""
    if done_at is not None:
        if is_late(due_on=due_on, at=done_at, tz=tz):
            return DeadlineStatus(DeadlineState.DONE_LATE, _days(due_on, done_at, tz))
        return DeadlineStatus(DeadlineState.DONE_ON_TIME, 0)
    if is_late(due_on=due_on, at=now, tz=tz):
        return DeadlineStatus(DeadlineState.OVERDUE, _days(due_on, now, tz))
    return DeadlineStatus(DeadlineState.PENDING, (due_on - now.astimezone(tz).date()).days)


def _days(due_on: dt.date, moment: dt.datetime, tz: dt.tzinfo) -> int:
    return (moment.astimezone(tz).date() - due_on).days
