"""The portal's "today": one helper for every question of the kind "as of now".

Deadlines and their countdowns, days overdue, the apology rules ("the new date must be after
today"), the pilot picker's twelve months, the default period, a posting's "on" date: each
asks `today()` or `now()` here, never `timezone.now()` directly. Timestamps of events (an import
started, facts computed, an apology recorded) are not questions about "today" and keep the
real clock.

`settings.PORTAL_TODAY` (env PORTAL_TODAY=YYYY-MM-DD) moves the date, not the data: a demo or a
training copy shows the directive's moment (`make run`: 25/7/2023) while its dossiers may run
past it. Unset, it is the real local date. The time of day is always the real one, so a
countdown still moves during the day.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone


def today() -> dt.date:
    """The portal's local date: settings.PORTAL_TODAY when set, else the real one."""
    fixed: dt.date | None = getattr(settings, "PORTAL_TODAY", None)
    return fixed or timezone.localdate()


def now() -> dt.datetime:
    """An aware moment on the portal's today, at the real local time of day."""
    real = timezone.now()
    fixed: dt.date | None = getattr(settings, "PORTAL_TODAY", None)
    if fixed is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=fixed.year, month=fixed.month, day=fixed.day)
