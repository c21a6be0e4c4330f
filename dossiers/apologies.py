"""Apologies for overdue dossiers (domain.md sections 3, 5 and 8): the work list and the service
that records apology slips from the portal.

Who may act: an agency head for their own agency's subtree, the province office (and superusers)
for every agency. Anyone else acts on nothing; a dossier outside the user's scope is treated as
not found, so the answer never confirms that it exists.

A dossier needs an apology when it is overdue (still open past its due date, or finished after
it) or about to be (still open and due by the end of the next working day: Monday to Friday, less
the public holidays kept as data in `PublicHoliday`), and has none yet. One apology per dossier,
hence one new appointment only. Each apology recorded here is written to the audit log in the same
transaction (docs/apologies.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_entry, audit_record_many
from agencies.models import Agency, AuditAction, AuditEntry, Role
from agencies.selectors import membership_for_user
from dossiers import counting
from dossiers.importing.apply import _months, record_touched_cells
from dossiers.models import (
    LATE_OR_OPEN,
    Apology,
    ApologyChannel,
    ApologySource,
    Dossier,
    PublicHoliday,
)
from dossiers.signals import dossiers_changed
from kpi_portal.local_days import after_local_day

ACTING_ROLES = frozenset({Role.AGENCY_HEAD, Role.PROVINCE_OFFICE})
SATURDAY = 5
# Days off are looked up this far ahead: longer than any run of days off (Tết is at most 9-10).
HOLIDAY_WINDOW = dt.timedelta(days=31)


# --- Scope and dates ----------------------------------------------------------------------------


def apology_acting_agencies(*, user: AbstractBaseUser | AnonymousUser) -> QuerySet[Agency]:
    """The agencies whose dossiers the user may apologise for (none for other roles)."""
    if not user.is_authenticated:
        return Agency.objects.none()
    if user.is_superuser:
        return Agency.objects.all()
    membership = membership_for_user(user=user)
    if membership is None or membership.role not in ACTING_ROLES:
        return Agency.objects.none()
    if membership.role == Role.PROVINCE_OFFICE:
        return Agency.objects.all()
    return Agency.objects.filter(path__startswith=membership.agency.path)


def apology_may_act(*, user: AbstractBaseUser | AnonymousUser) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    membership = membership_for_user(user=user)
    return membership is not None and membership.role in ACTING_ROLES


def public_holidays(*, after: dt.date) -> frozenset[dt.date]:
    """The public holidays recorded in the few weeks after `after` (one query)."""
    return frozenset(
        PublicHoliday.objects.filter(day__gt=after, day__lte=after + HOLIDAY_WINDOW).values_list(
            "day", flat=True
        )
    )


def is_working_day(day: dt.date, *, holidays: frozenset[dt.date] = frozenset()) -> bool:
    return day.weekday() < SATURDAY and day not in holidays


def next_working_day(day: dt.date, *, holidays: frozenset[dt.date] = frozenset()) -> dt.date:
    """The next day after `day` from Monday to Friday that is not one of `holidays`."""
    following = day + dt.timedelta(days=1)
    while not is_working_day(following, holidays=holidays):
        following += dt.timedelta(days=1)
    return following


def due_soon_limit(*, now: dt.datetime, holidays: frozenset[dt.date] | None = None) -> dt.datetime:
    """The first instant after the next working day: open dossiers due before it are 'due soon'.
    Without `holidays`, the recorded public holidays are read (one query)."""
    today = timezone.localdate(now)
    if holidays is None:
        holidays = public_holidays(after=today)
    return after_local_day(next_working_day(today, holidays=holidays))


def _overdue_q(now: dt.datetime) -> Q:
    return counting.overdue_q(counting.Window.now(now))


def _due_soon_q(now: dt.datetime, *, limit: dt.datetime | None = None) -> Q:
    return counting.due_soon_q(now=now, limit=limit or due_soon_limit(now=now))


# --- Selectors ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class WorkLine:
    dossier: Dossier
    days_overdue: int  # whole local days past the due date; 0 for a dossier not yet due
    still_open: bool


@dataclass(frozen=True)
class WorkList:
    overdue: list[WorkLine]
    due_soon: list[WorkLine]


def _pending(
    *,
    user: AbstractBaseUser | AnonymousUser,
    domain_id: int | None = None,
    unit: Agency | None = None,
) -> QuerySet[Dossier]:
    agencies = apology_acting_agencies(user=user)
    if unit is not None:
        agencies = agencies.filter(path__startswith=unit.path)
    # Overdue and due-soon dossiers are all open or finished late: LATE_OR_OPEN narrows the scan
    # to the partial index of those (a couple of percent of an agency's dossiers).
    queryset = Dossier.objects.filter(
        LATE_OR_OPEN, agency_id__in=agencies.values("id"), apology__isnull=True
    )
    if domain_id is not None:
        queryset = queryset.filter(procedure__domain_id=domain_id)
    return queryset


def apology_work_list(
    *,
    user: AbstractBaseUser | AnonymousUser,
    now: dt.datetime,
    domain_id: int | None = None,
    unit: Agency | None = None,
    limit: int | None = 500,
    overdue_offset: int = 0,
) -> WorkList:
    """Overdue dossiers without an apology (oldest due date first, with days overdue) and open
    dossiers due by the end of the next working day, in the user's scope. Three queries (the
    public holidays, then each list). Each list stops at `limit`; the overdue one starts at
    `overdue_offset` (its pages)."""
    pending = _pending(user=user, domain_id=domain_id, unit=unit).select_related(
        "agency", "procedure__domain"
    )
    window = counting.Window.now(now)

    def lines(queryset: QuerySet[Dossier], offset: int = 0) -> list[WorkLine]:
        rows = queryset.order_by("due_at", "id")
        rows = rows[offset : offset + limit] if limit else rows[offset:]
        result = []
        for dossier in rows:
            judgement = counting.judge(dossier, window)
            days = counting.judged_days_late(judgement) if judgement else 0
            still_open = judgement is None or judgement.state != counting.State.FINISHED
            result.append(WorkLine(dossier, days, still_open))
        return result

    return WorkList(
        overdue=lines(pending.filter(_overdue_q(now)), overdue_offset),
        due_soon=lines(pending.filter(_due_soon_q(now))),
    )


@dataclass(frozen=True)
class ApologyCounts:
    overdue: int
    due_soon: int


def apology_counts(
    *,
    user: AbstractBaseUser | AnonymousUser,
    now: dt.datetime,
    agency: Agency | None = None,
    domain_id: int | None = None,
) -> ApologyCounts:
    """How many dossiers (under `agency` when given) need an apology: two queries (the public
    holidays, then the counts)."""

    totals = _pending(user=user, domain_id=domain_id, unit=agency).aggregate(
        overdue=Count("id", filter=_overdue_q(now)),
        due_soon=Count("id", filter=_due_soon_q(now)),
    )
    return ApologyCounts(totals["overdue"], totals["due_soon"])


def apology_dossiers_for_user(
    *, user: AbstractBaseUser | AnonymousUser, codes: Iterable[str]
) -> QuerySet[Dossier]:
    """The dossiers with these codes that the user may act on (others are not found)."""
    return Dossier.objects.filter(
        code__in=list(codes), agency_id__in=apology_acting_agencies(user=user).values("id")
    ).select_related("agency__parent", "procedure__domain", "apology")


# --- Service ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ApologyOutcome:
    dossier_id: int
    code: str
    recorded: bool
    reason: str = ""  # why it was refused, in Vietnamese


def _refusal(
    dossier: Dossier | None,
    *,
    now: dt.datetime,
    soon_limit: dt.datetime,
    new_due_at: dt.datetime,
    has_apology: bool,
) -> str:
    if dossier is None:
        return _("Không tìm thấy hồ sơ.")
    if has_apology:
        return _("Hồ sơ đã có phiếu xin lỗi và hẹn lại một lần; không được hẹn lại lần thứ hai.")
    judgement = counting.judge(dossier, counting.Window.now(now))
    overdue = judgement is not None and judgement.overdue
    due_soon = counting.due_soon(dossier, now=now, limit=soon_limit)
    if not (overdue or due_soon):
        return _("Hồ sơ chưa quá hạn và chưa sắp đến hạn nên chưa cần xin lỗi.")
    if new_due_at <= dossier.due_at:
        return _("Ngày hẹn lại phải sau ngày hẹn trả ban đầu (%(due)s).") % {
            "due": timezone.localtime(dossier.due_at).strftime("%d/%m/%Y %H:%M")
        }
    if timezone.localdate(new_due_at) <= timezone.localdate(now):
        return _("Ngày hẹn lại phải sau ngày hôm nay.")
    return ""


def _touched_cells(dossiers: Iterable[Dossier], *, today: dt.date) -> set[tuple[int, dt.date]]:
    """The common month rule: every month from receipt to finish (or today), inclusive."""
    this_month = today.replace(day=1)
    cells = set()
    for dossier in dossiers:
        first = timezone.localdate(dossier.received_at).replace(day=1)
        last = (
            timezone.localdate(dossier.finished_at).replace(day=1)
            if dossier.finished_at
            else this_month
        )
        cells.update((dossier.agency_id, month) for month in _months(first, last))
    return cells


def apology_record(
    *,
    user: AbstractBaseUser,
    dossier_ids: Iterable[int],
    reason: str,
    new_due_at: dt.datetime,
    channel: str,
    signer_name: str,
    signer_title: str,
    now: dt.datetime,
) -> list[ApologyOutcome]:
    """Record an apology slip with a new appointment for each eligible dossier.

    Every valid dossier is written in one transaction, with one audit entry each; each refused
    one gets its reason. Then the touched KPI cells are recorded and `dossiers_changed` is sent,
    so the KPI refresh runs once the transaction commits.
    """
    if channel not in ApologyChannel.values:
        raise ValueError(f"unknown apology channel {channel!r}")
    ids = list(dict.fromkeys(int(i) for i in dossier_ids))
    outcomes: list[ApologyOutcome] = []
    soon_limit = due_soon_limit(now=now)
    with transaction.atomic():
        # Locked so two people recording at once cannot both pass the one-apology check.
        found = {
            d.id: d
            for d in Dossier.objects.select_for_update(of=("self",))
            .select_related("agency")
            .filter(
                id__in=ids,
                agency_id__in=list(apology_acting_agencies(user=user).values_list("id", flat=True)),
            )
            .order_by("id")
        }
        apologized = set(
            Apology.objects.filter(dossier_id__in=list(found)).values_list("dossier_id", flat=True)
        )
        to_write: list[Dossier] = []
        for dossier_id in ids:
            dossier = found.get(dossier_id)
            refusal = _refusal(
                dossier,
                now=now,
                soon_limit=soon_limit,
                new_due_at=new_due_at,
                has_apology=dossier_id in apologized,
            )
            code = dossier.code if dossier else ""
            if refusal:
                outcomes.append(ApologyOutcome(dossier_id, code, False, refusal))
            else:
                to_write.append(dossier)
                outcomes.append(ApologyOutcome(dossier_id, code, True))
        if to_write:
            written = Apology.objects.bulk_create(
                [
                    Apology(
                        dossier=dossier,
                        issued_at=now,
                        new_due_at=new_due_at,
                        reason=reason,
                        channel=channel,
                        signer_name=signer_name,
                        signer_title=signer_title,
                        source=ApologySource.PORTAL,
                        created_by=user,
                    )
                    for dossier in to_write
                ]
            )
            audit_record_many(_audit_entry(user=user, apology=apology) for apology in written)
            record_touched_cells(_touched_cells(to_write, today=timezone.localdate(now)))
            # The KPI engine defers its refresh to the commit of this transaction.
            dossiers_changed.send(sender=Apology, batch_id=None)
    return outcomes


def _audit_entry(*, user: AbstractBaseUser, apology: Apology) -> AuditEntry:
    dossier = apology.dossier
    return audit_entry(
        actor=user,
        action=AuditAction.APOLOGY_RECORD,
        subject=apology,
        agency=dossier.agency,
        summary=_("Ghi nhận phiếu xin lỗi, hẹn lại ngày %(date)s cho hồ sơ %(code)s")
        % {
            "date": timezone.localtime(apology.new_due_at).strftime("%d/%m/%Y"),
            "code": dossier.code,
        },
        before=None,
        after={
            "dossier": dossier.code,
            "issued_at": apology.issued_at,
            "original_due_at": dossier.due_at,
            "new_due_at": apology.new_due_at,
            "reason": apology.reason,
            "channel": apology.channel,
            "signer_name": apology.signer_name,
            "signer_title": apology.signer_title,
        },
    )
