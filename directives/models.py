"""The directive's own tasks: who must do what by when, and the full-process online pilot.

A task is assigned to every agency of some levels, to a list of agencies, or to one agency (a
list of one); the assignees are the union. Doing the task is recorded as one `TaskCompletion`
per (task, agency); its status (on time, late, not yet due, overdue) is worked out from the due
date by `directives.deadlines`, never stored.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Procedure


class Directive(models.Model):
    number = models.CharField(_("số hiệu"), max_length=64, unique=True)
    issued_on = models.DateField(_("ngày ban hành"))
    title = models.CharField(_("trích yếu"), max_length=500)
    issuer = models.CharField(_("cơ quan ban hành"), max_length=255)

    class Meta:
        verbose_name = _("chỉ thị")
        verbose_name_plural = _("chỉ thị")
        ordering = ["-issued_on", "number"]

    def __str__(self) -> str:
        return self.number


# An agency whose pilot result is at least this share is marked for priority (docs/pilot.md).
DEFAULT_PILOT_PRIORITY_THRESHOLD = Decimal("0.5")


class TaskKind(models.TextChoices):
    # Done when the agency submits its pilot nominations.
    PILOT_NOMINATION = "pilot_nomination", _("Đề xuất thí điểm dịch vụ toàn trình")
    # Done when the province office marks the compiled list submitted.
    PILOT_COMPILATION = "pilot_compilation", _("Tổng hợp danh sách thí điểm")
    # Done when someone records it by hand.
    MANUAL = "manual", _("Ghi nhận thủ công")


class DirectiveTask(models.Model):
    directive = models.ForeignKey(
        Directive, verbose_name=_("chỉ thị"), on_delete=models.CASCADE, related_name="tasks"
    )
    title = models.CharField(_("nhiệm vụ"), max_length=500)
    due_on = models.DateField(_("hạn hoàn thành"))
    kind = models.CharField(_("cách ghi nhận"), max_length=20, choices=TaskKind.choices)
    # Agency levels ("so", "huyen") every agency of which is assigned.
    assigned_levels = models.JSONField(_("giao cho các cấp"), default=list, blank=True)
    assigned_agencies = models.ManyToManyField(
        Agency, verbose_name=_("giao cho đơn vị"), blank=True, related_name="directive_tasks"
    )
    # The pilot a nomination task sets up (only meaningful for PILOT_NOMINATION tasks): from which
    # day the nominated procedures' dossiers count towards the pilot result, and the result at or
    # above which Home Affairs marks an agency for priority (docs/pilot.md).
    pilot_starts_on = models.DateField(_("ngày bắt đầu thí điểm"), null=True, blank=True)
    pilot_priority_threshold = models.DecimalField(
        _("ngưỡng kết quả thí điểm được ưu tiên"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_PILOT_PRIORITY_THRESHOLD,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1))],
        help_text=_("Tỷ lệ từ 0 đến 1; ví dụ 0,5 là 50%."),
    )

    class Meta:
        verbose_name = _("nhiệm vụ")
        verbose_name_plural = _("nhiệm vụ")
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class TaskCompletion(models.Model):
    task = models.ForeignKey(DirectiveTask, on_delete=models.CASCADE, related_name="completions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    done_at = models.DateTimeField(_("hoàn thành lúc"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(_("ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("kết quả thực hiện")
        verbose_name_plural = _("kết quả thực hiện")
        constraints = [
            models.UniqueConstraint(fields=["task", "agency"], name="task_completion_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task} — {self.agency}"


class PilotNomination(models.Model):
    """A procedure an agency proposes for the full-process online pilot."""

    task = models.ForeignKey(DirectiveTask, on_delete=models.CASCADE, related_name="nominations")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    procedure = models.ForeignKey(Procedure, on_delete=models.PROTECT, related_name="+")
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("đề xuất lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("thủ tục đề xuất thí điểm")
        verbose_name_plural = _("thủ tục đề xuất thí điểm")
        ordering = ["agency__path", "procedure__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "agency", "procedure"], name="pilot_nomination_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agency} — {self.procedure}"


class PilotSubmission(models.Model):
    """An agency's submitted nomination list. It is open again (editable, submittable) when the
    province office has reopened it after the last submission."""

    task = models.ForeignKey(DirectiveTask, on_delete=models.CASCADE, related_name="submissions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("gửi lúc"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    late = models.BooleanField(_("gửi muộn"), default=False)
    reopened_at = models.DateTimeField(_("mở lại lúc"), null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("danh sách đề xuất đã gửi")
        verbose_name_plural = _("danh sách đề xuất đã gửi")
        constraints = [
            models.UniqueConstraint(fields=["task", "agency"], name="pilot_submission_once"),
        ]

    def __str__(self) -> str:
        return f"{self.task} — {self.agency}"

    @property
    def is_open(self) -> bool:
        return self.reopened_at is not None and self.reopened_at >= self.submitted_at
