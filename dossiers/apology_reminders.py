"""The daily apology reminders (a service; the beat task `dossiers.apology_reminders` calls it).

Each active agency head with an e-mail address gets the dossiers of their subtree that are
overdue without an apology and those due by the end of the next working day; the province
office gets a summary per agency. Nobody is mailed when there is nothing to do.

Known limit: a second run on the same day mails again (no claim row is kept; beat runs it once).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db.models import Count
from django.utils import timezone

from agencies.models import Role
from dossiers.apologies import (
    WorkLine,
    _due_soon_q,
    _overdue_q,
    apology_work_list,
    next_working_day,
)
from dossiers.models import Dossier


def _users(role: str):
    return (
        get_user_model()
        .objects.filter(is_active=True, membership__role=role)
        .exclude(email="")
        .select_related("membership__agency")
        .order_by("username")
    )


def _line(line: WorkLine) -> str:
    dossier = line.dossier
    due = timezone.localtime(dossier.due_at).strftime("%d/%m/%Y")
    text = f"- {dossier.code} · {dossier.procedure.name} · {dossier.agency.name} · hẹn trả {due}"
    return text + (f" · quá hạn {line.days_overdue} ngày" if line.days_overdue else "")


def _head_body(overdue: list[WorkLine], due_soon: list[WorkLine], deadline: dt.date) -> str:
    parts = [
        f"Hồ sơ quá hạn chưa có phiếu xin lỗi: {len(overdue)}",
        *(_line(line) for line in overdue),
        "",
        f"Hồ sơ đến hạn trả đến hết ngày {deadline:%d/%m/%Y}: {len(due_soon)}",
        *(_line(line) for line in due_soon),
        "",
        "Lập phiếu xin lỗi và hẹn lại tại trang «Xin lỗi» của cổng.",
    ]
    return "\n".join(parts)


def apology_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Mail today's reminders; returns the number of e-mails sent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    deadline = next_working_day(today)
    messages: list[EmailMessage] = []
    for user in _users(Role.AGENCY_HEAD):
        work = apology_work_list(user=user, now=now, limit=None)
        if not work.overdue and not work.due_soon:
            continue
        messages.append(
            EmailMessage(
                subject=(
                    f"[{user.membership.agency.name}] {len(work.overdue)} hồ sơ quá hạn chưa "
                    f"xin lỗi, {len(work.due_soon)} hồ sơ sắp đến hạn ({today:%d/%m/%Y})"
                ),
                body=_head_body(work.overdue, work.due_soon, deadline),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[user.email],
            )
        )
    summary = _province_summary(now)
    office = sorted(set(_users(Role.PROVINCE_OFFICE).values_list("email", flat=True)))
    if office and summary:
        total_overdue = sum(row["overdue"] for row in summary)
        total_due_soon = sum(row["due_soon"] for row in summary)
        lines = [
            f"- {row['agency__name']}: {row['overdue']} quá hạn chưa xin lỗi, "
            f"{row['due_soon']} sắp đến hạn"
            for row in summary
        ]
        messages.append(
            EmailMessage(
                subject=(
                    f"Toàn tỉnh: {total_overdue} hồ sơ quá hạn chưa xin lỗi, "
                    f"{total_due_soon} hồ sơ sắp đến hạn ({today:%d/%m/%Y})"
                ),
                body="\n".join(["Theo đơn vị tiếp nhận:", *lines]),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=office,
            )
        )
    for message in messages:
        message.send()
    return len(messages)


def _province_summary(now: dt.datetime) -> list[dict]:
    """Per receiving agency (tree order): overdue without apology and due soon, when any."""
    rows = (
        Dossier.objects.filter(apology__isnull=True)
        .values("agency__path", "agency__name")
        .annotate(
            overdue=Count("id", filter=_overdue_q(now)),
            due_soon=Count("id", filter=_due_soon_q(now)),
        )
        .order_by("agency__path")
    )
    return [row for row in rows if row["overdue"] or row["due_soon"]]
