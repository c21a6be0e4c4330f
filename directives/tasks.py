from __future__ import annotations

from celery import shared_task


@shared_task(name="directives.deadline_reminders")
def deadline_reminders_task() -> int:
    """Mail each agency head their tasks due within 7 days or overdue, and the office a summary."""
    from directives.reminders import deadline_reminders_send

    return deadline_reminders_send()
