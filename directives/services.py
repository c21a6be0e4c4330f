"""Writes: recording a task done, pilot nominations, submissions, reopening, the compilation.

Every refusal raises `DirectiveError` with a message for the user and changes nothing.
Authorisation (which agency the user answers for) is the view's business; these services check
the rules of the directive itself. Every pilot change (nominate, withdraw, submit, reopen, the
compiled list submitted) writes an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency, AuditAction, Procedure
from directives.deadlines import is_late
from directives.models import (
    DirectiveTask,
    PilotNomination,
    PilotSubmission,
    TaskCompletion,
    TaskKind,
)
from directives.selectors import task_is_assigned_to
from kpi_portal import clock


class DirectiveError(Exception):
    """A refused action; str(error) is the Vietnamese message to show."""


def task_complete(
    *,
    task: DirectiveTask,
    agency: Agency,
    user: AbstractBaseUser | None,
    done_at: dt.datetime | None = None,
    note: str = "",
) -> TaskCompletion:
    """Record that `agency` did `task` (once; a second record is refused)."""
    if not task_is_assigned_to(task=task, agency=agency):
        raise DirectiveError(_("Nhiệm vụ này không được giao cho đơn vị."))
    try:
        with transaction.atomic():
            return TaskCompletion.objects.create(
                task=task,
                agency=agency,
                done_at=done_at or clock.now(),
                done_by=user,
                note=note,
            )
    except IntegrityError:
        raise DirectiveError(_("Đơn vị đã được ghi nhận hoàn thành nhiệm vụ này.")) from None


def _nomination_task_check(task: DirectiveTask, agency: Agency) -> None:
    if task.kind != TaskKind.PILOT_NOMINATION:
        raise DirectiveError(_("Nhiệm vụ này không phải là đề xuất thí điểm."))
    if not task_is_assigned_to(task=task, agency=agency):
        raise DirectiveError(_("Nhiệm vụ này không được giao cho đơn vị."))


def _locked_submission(task: DirectiveTask, agency: Agency) -> PilotSubmission | None:
    """The agency's submission, locked for the transaction; None when never submitted."""
    return PilotSubmission.objects.select_for_update().filter(task=task, agency=agency).first()


def _refuse_when_submitted(task: DirectiveTask, agency: Agency) -> None:
    submission = _locked_submission(task, agency)
    if submission is not None and not submission.is_open:
        raise DirectiveError(
            _(
                "Danh sách đề xuất đã được gửi; muốn sửa, đề nghị Văn phòng UBND tỉnh "
                "mở lại danh sách."
            )
        )


@transaction.atomic
def pilot_nominate(
    *, task: DirectiveTask, agency: Agency, procedure: Procedure, user: AbstractBaseUser | None
) -> PilotNomination:
    """Add `procedure` to the agency's pilot list. Refused for a procedure not eligible for
    full-process online service, a procedure already on the list, or a submitted list."""
    _nomination_task_check(task, agency)
    if not procedure.full_process_eligible:
        raise DirectiveError(
            _(
                "Thủ tục %(code)s chưa đủ điều kiện cung cấp dịch vụ công trực tuyến toàn "
                "trình nên không thể đề xuất thí điểm."
            )
            % {"code": procedure.code}
        )
    _refuse_when_submitted(task, agency)
    if PilotNomination.objects.filter(task=task, agency=agency, procedure=procedure).exists():
        raise DirectiveError(
            _("Thủ tục %(code)s đã có trong danh sách đề xuất.") % {"code": procedure.code}
        )
    nomination = PilotNomination.objects.create(
        task=task, agency=agency, procedure=procedure, nominated_by=user
    )
    audit_record(
        actor=user,
        action=AuditAction.PILOT_NOMINATE,
        subject=nomination,
        agency=agency,
        summary=f"{agency.code}: đề xuất thí điểm {procedure.code}",
        after=snapshot(nomination),
    )
    return nomination


@transaction.atomic
def pilot_withdraw(
    *,
    task: DirectiveTask,
    agency: Agency,
    procedure: Procedure,
    user: AbstractBaseUser | None = None,
) -> None:
    """Take `procedure` off the agency's list (not once the list is submitted)."""
    _nomination_task_check(task, agency)
    _refuse_when_submitted(task, agency)
    nomination = PilotNomination.objects.filter(
        task=task, agency=agency, procedure=procedure
    ).first()
    if nomination is None:
        raise DirectiveError(
            _("Thủ tục %(code)s không có trong danh sách đề xuất.") % {"code": procedure.code}
        )
    before = snapshot(nomination)
    audit_record(
        actor=user,
        action=AuditAction.PILOT_WITHDRAW,
        subject=nomination,
        agency=agency,
        summary=f"{agency.code}: bỏ thủ tục {procedure.code} khỏi danh sách thí điểm",
        before=before,
    )
    nomination.delete()


@transaction.atomic
def pilot_submit(
    *,
    task: DirectiveTask,
    agency: Agency,
    user: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> PilotSubmission:
    """Submit the agency's list: records the time, late after the due date (still accepted),
    and marks the task done. A second submission is refused unless the list was reopened."""
    _nomination_task_check(task, agency)
    now = now or clock.now()
    if not PilotNomination.objects.filter(task=task, agency=agency).exists():
        raise DirectiveError(_("Chưa có thủ tục nào trong danh sách đề xuất."))
    submission = _locked_submission(task, agency)
    if submission is not None and not submission.is_open:
        raise DirectiveError(
            _("Danh sách đề xuất đã được gửi lúc %(at)s; không gửi lại được.")
            % {"at": timezone.localtime(submission.submitted_at).strftime("%H:%M %d/%m/%Y")}
        )
    late = is_late(due_on=task.due_on, at=now)
    before = snapshot(submission) if submission is not None else None
    if submission is None:
        submission = PilotSubmission(task=task, agency=agency)
    submission.submitted_at = now
    submission.submitted_by = user
    submission.late = late
    submission.save()
    TaskCompletion.objects.update_or_create(
        task=task, agency=agency, defaults={"done_at": now, "done_by": user}
    )
    codes = sorted(
        PilotNomination.objects.filter(task=task, agency=agency).values_list(
            "procedure__code", flat=True
        )
    )
    audit_record(
        actor=user,
        action=AuditAction.PILOT_SUBMIT,
        subject=submission,
        agency=agency,
        summary=f"{agency.code}: gửi danh sách thí điểm ({len(codes)} thủ tục)"
        + (" — muộn" if late else ""),
        before=before,
        after=snapshot(submission) | {"procedures": codes},
    )
    return submission


@transaction.atomic
def pilot_reopen(
    *,
    task: DirectiveTask,
    agency: Agency,
    user: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> PilotSubmission:
    """The province office reopens a submitted list: the agency may edit and submit it again;
    until then its task counts as not done."""
    submission = _locked_submission(task, agency)
    if submission is None or submission.is_open:
        raise DirectiveError(_("Danh sách đề xuất của đơn vị chưa được gửi."))
    before = snapshot(submission)
    submission.reopened_at = now or clock.now()
    submission.reopened_by = user
    submission.save(update_fields=["reopened_at", "reopened_by"])
    TaskCompletion.objects.filter(task=task, agency=agency).delete()
    audit_record(
        actor=user,
        action=AuditAction.PILOT_REOPEN,
        subject=submission,
        agency=agency,
        summary=f"{agency.code}: mở lại danh sách thí điểm",
        before=before,
        after=snapshot(submission),
    )
    return submission


@transaction.atomic
def pilot_compilation_submit(
    *,
    task: DirectiveTask,
    agency: Agency,
    user: AbstractBaseUser | None,
    now: dt.datetime | None = None,
) -> TaskCompletion:
    """The province office marks the compiled list submitted (the compilation task done)."""
    if task.kind != TaskKind.PILOT_COMPILATION:
        raise DirectiveError(_("Nhiệm vụ này không phải là tổng hợp danh sách thí điểm."))
    try:
        completion = task_complete(task=task, agency=agency, user=user, done_at=now)
    except DirectiveError:
        if TaskCompletion.objects.filter(task=task, agency=agency).exists():
            raise DirectiveError(_("Danh sách tổng hợp đã được đánh dấu là đã gửi.")) from None
        raise
    audit_record(
        actor=user,
        action=AuditAction.PILOT_COMPILED_SUBMIT,
        subject=completion,
        agency=agency,
        summary=f"{agency.code}: gửi danh sách tổng hợp thí điểm",
        after=snapshot(completion),
    )
    return completion
