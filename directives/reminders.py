"""The daily deadline reminders (a service; the beat task calls it).

Each agency head whose agency has a task not done that is due within 7 days or overdue gets one
e-mail listing those tasks; the province office gets one summary naming, per such task, the
agencies that have not done it. Nothing is sent when nothing is due, and nobody is mailed the
same kind of reminder twice on one day however often the job runs (the claim of
`dossiers.apology_reminders.reminder_send_once`).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.utils import timezone

from agencies.models import Role
from directives.deadlines import DeadlineState, DeadlineStatus
from directives.selectors import deadlines_panel
from dossiers.apology_reminders import reminder_send_once
from kpi_portal import clock

REMIND_DAYS_BEFORE = 7


def _wants_reminder(status: DeadlineStatus) -> bool:
    if status.state == DeadlineState.OVERDUE:
        return True
    return status.state == DeadlineState.PENDING and status.days <= REMIND_DAYS_BEFORE


def status_text(status: DeadlineStatus) -> str:
    if status.state == DeadlineState.OVERDUE:
        return f"quá hạn {status.days} ngày"
    if status.days == 0:
        return "hết hạn hôm nay"
    return f"còn {status.days} ngày"


def deadline_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Mail today's reminders; returns the number of e-mails sent by this run."""
    now = now or clock.now()
    today = timezone.localdate(now)
    panels = deadlines_panel(now=now)
    # agency id -> lines for its head
    by_agency: dict[int, list[str]] = {}
    summary: list[str] = []
    for panel in panels:
        late = [row for row in panel.assignees if _wants_reminder(row.status)]
        for row in late:
            by_agency.setdefault(row.agency.pk, []).append(
                f"- {panel.task.title} (hạn {panel.task.due_on:%d/%m/%Y}): "
                f"{status_text(row.status)}"
            )
        if late:
            names = ", ".join(row.agency.name for row in late)
            summary.append(
                f"- {panel.task.title} (hạn {panel.task.due_on:%d/%m/%Y}): "
                f"{len(late)}/{len(panel.assignees)} đơn vị chưa hoàn thành: {names}"
            )
    users = (
        get_user_model()
        .objects.filter(is_active=True, membership__isnull=False)
        .exclude(email="")
        .select_related("membership__agency")
        .order_by("username")
    )
    messages: list[tuple[str, EmailMessage]] = []
    for user in users:
        membership = user.membership
        if membership.role != Role.AGENCY_HEAD or membership.agency_id not in by_agency:
            continue
        lines = by_agency[membership.agency_id]
        head_message = EmailMessage(
            subject=(
                f"[{membership.agency.name}] {len(lines)} nhiệm vụ sắp đến hạn hoặc "
                f"quá hạn ({today:%d/%m/%Y})"
            ),
            body="\n".join(["Các nhiệm vụ theo chỉ thị đơn vị chưa hoàn thành:", *lines]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
        )
        messages.append(("directive.head", head_message))
    office = sorted({u.email for u in users if u.membership.role == Role.PROVINCE_OFFICE})
    if office and summary:
        summary_message = EmailMessage(
            subject=f"Toàn tỉnh: {len(summary)} nhiệm vụ còn đơn vị chưa hoàn thành "
            f"({today:%d/%m/%Y})",
            body="\n".join(["Nhiệm vụ sắp đến hạn hoặc quá hạn:", *summary]),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=office,
        )
        messages.append(("directive.province", summary_message))
    return sum(reminder_send_once(message, kind=kind, day=today) for kind, message in messages)
