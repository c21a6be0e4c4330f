"""The daily apology reminders (a service; the beat task `dossiers.apology_reminders` calls it).

Each active agency head with an e-mail address gets the dossiers of their subtree that are
overdue without an apology and those due by the end of the next working day; the province
office gets a summary per agency. Nobody is mailed when there is nothing to do, nor on a day that
is not a working day (a weekend or a recorded public holiday).

Safe to run twice: each (kind, address, day) is claimed in `ReminderSend` before its e-mail goes
out, so a second run on the same day mails nobody again; a send that fails gives its claim back,
so a retry sends it. (A process killed between the claim and the send loses that day's e-mail:
at most once, never twice.)
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone

from agencies.models import Role
from dossiers.apologies import (
    WorkLine,
    _due_soon_q,
    _overdue_q,
    apology_work_list,
    due_soon_limit,
    is_working_day,
    next_working_day,
    public_holidays,
)
from dossiers.models import Dossier, ReminderSend
from kpi_portal import clock

HEAD_KIND = "apology.head"
PROVINCE_KIND = "apology.province"


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


def reminder_claim(*, kind: str, recipient: str, day: dt.date) -> bool:
    """Claim one e-mail for the day; False when it was already claimed (sent or being sent)."""
    try:
        with transaction.atomic():
            ReminderSend.objects.create(kind=kind, recipient=recipient, day=day)
    except IntegrityError:
        return False
    return True


def reminder_send_once(message: EmailMessage, *, kind: str, day: dt.date) -> bool:
    """Send `message` to those of its addressees not yet mailed this `kind` on `day`; True when
    it went to anyone. Any daily reminder job can use it with its own `kind`."""
    message.to = [
        address for address in message.to if reminder_claim(kind=kind, recipient=address, day=day)
    ]
    if not message.to:
        return False
    try:
        message.send()
    except Exception:
        ReminderSend.objects.filter(kind=kind, recipient__in=message.to, day=day).delete()
        raise
    return True


def apology_reminders_send(*, now: dt.datetime | None = None) -> int:
    """Mail today's reminders; returns the number of e-mails sent by this run."""
    now = now or clock.now()
    today = timezone.localdate(now)
    # From today on: today's own status and the next working day's, in one query.
    holidays = public_holidays(after=today - dt.timedelta(days=1))
    if not is_working_day(today, holidays=holidays):
        return 0
    deadline = next_working_day(today, holidays=holidays)
    soon_limit = due_soon_limit(now=now, holidays=holidays)
    messages: list[tuple[str, EmailMessage]] = []
    for user in _users(Role.AGENCY_HEAD):
        work = apology_work_list(user=user, now=now, limit=None)
        if not work.overdue and not work.due_soon:
            continue
        messages.append(
            (
                HEAD_KIND,
                EmailMessage(
                    subject=(
                        f"[{user.membership.agency.name}] {len(work.overdue)} hồ sơ quá hạn chưa "
                        f"xin lỗi, {len(work.due_soon)} hồ sơ sắp đến hạn ({today:%d/%m/%Y})"
                    ),
                    body=_head_body(work.overdue, work.due_soon, deadline),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[user.email],
                ),
            )
        )
    summary = _province_summary(now, soon_limit=soon_limit)
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
            (
                PROVINCE_KIND,
                EmailMessage(
                    subject=(
                        f"Toàn tỉnh: {total_overdue} hồ sơ quá hạn chưa xin lỗi, "
                        f"{total_due_soon} hồ sơ sắp đến hạn ({today:%d/%m/%Y})"
                    ),
                    body="\n".join(["Theo đơn vị tiếp nhận:", *lines]),
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=office,
                ),
            )
        )
    return sum(reminder_send_once(message, kind=kind, day=today) for kind, message in messages)


def _province_summary(now: dt.datetime, *, soon_limit: dt.datetime) -> list[dict]:
    """Per receiving agency (tree order): overdue without apology and due soon, when any."""
    rows = (
        Dossier.objects.filter(apology__isnull=True)
        .values("agency__path", "agency__name")
        .annotate(
            overdue=Count("id", filter=_overdue_q(now)),
            due_soon=Count("id", filter=_due_soon_q(now, limit=soon_limit)),
        )
        .order_by("agency__path")
    )
    return [row for row in rows if row["overdue"] or row["due_soon"]]
