"""The organisation: the agency tree, domains, the procedure catalogue and who holds which role."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.names import normalise_name

PROCEDURE_CODE_PATTERN = r"^\d\.\d{6}$"

# The safe alphabet of agency codes (docs/decisions.md, "Agency and procedure codes"): ASCII
# letters, digits, ".", "-" and "_", starting with a letter or digit, as real codes are (H48.30,
# 000.00.30.H48, HL-TT). The tree's `path` and the pages' URLs are built from codes, so a "/"
# would put a unit inside another's subtree (issue 15 item 2). `$` also matches before a final
# newline in Python, so the Python checks use \Z and the database one forbids newlines.
AGENCY_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
AGENCY_CODE_MESSAGE = _(
    "Mã đơn vị chỉ gồm chữ cái không dấu, chữ số và các dấu . - _, bắt đầu bằng chữ hoặc số "
    "(ví dụ H48.30, 000.00.30.H48, HL-TT)."
)


class AgencyLevel(models.TextChoices):
    PROVINCE = "tinh", _("Tỉnh")
    DEPARTMENT = "so", _("Sở, ban, ngành")
    DISTRICT = "huyen", _("Cấp huyện")
    COMMUNE = "xa", _("Cấp xã")


# Which level may sit under which: the province on top, departments and districts under it,
# communes under a district or, since the two-tier government of 1/7/2025, under the province.
ALLOWED_PARENT_LEVELS: dict[str, set[str | None]] = {
    AgencyLevel.PROVINCE: {None},
    AgencyLevel.DEPARTMENT: {AgencyLevel.PROVINCE},
    AgencyLevel.DISTRICT: {AgencyLevel.PROVINCE},
    AgencyLevel.COMMUNE: {AgencyLevel.DISTRICT, AgencyLevel.PROVINCE},
}


def validity_note(
    *, valid_from: dt.date | None, valid_to: dt.date | None, start: dt.date, end: dt.date
) -> str:
    """How a page marks a unit that existed for only part of a period [start, end]: "từ
    1/7/2025" (formed during it), "đến 30/6/2025" (ended during it), both, or "" (the whole
    period)."""
    parts = []
    if valid_from is not None and valid_from > start:
        parts.append(gettext("từ %(day)s") % {"day": _short_date(valid_from)})
    if valid_to is not None and valid_to < end:
        parts.append(gettext("đến %(day)s") % {"day": _short_date(valid_to)})
    return ", ".join(parts)


def _short_date(day: dt.date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


class AgencyQuerySet(models.QuerySet):
    def existing_during(self, start: dt.date, end: dt.date) -> AgencyQuerySet:
        """Agencies that existed on at least one day of [start, end] (validity dates, open at
        either end): the units a period's tables, rankings and tasks may name."""
        return self.filter(
            (Q(valid_from__isnull=True) | Q(valid_from__lte=end))
            & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        )

    def existing_on(self, day: dt.date) -> AgencyQuerySet:
        return self.existing_during(day, day)


class Agency(models.Model):
    """A node of the organisation tree (đơn vị).

    `path` is the materialised path of codes from the root ("/QT/HL/HL-TT/"), kept by `save()`,
    so that a subtree is one `path LIKE 'prefix%'` in SQL. An agency that existed only for a
    while has validity dates; one formed by a merger names the units it was merged from, and the
    dossiers those units handled stay attributed to them.
    """

    code = models.CharField(
        _("mã đơn vị"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(AGENCY_CODE_PATTERN.replace("$", r"\Z"), AGENCY_CODE_MESSAGE)],
    )
    name = models.CharField(_("tên đơn vị"), max_length=255)
    short_name = models.CharField(_("tên ngắn"), max_length=100, blank=True)
    level = models.CharField(_("cấp"), max_length=8, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("đơn vị cấp trên"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=512, editable=False, db_index=True)
    sort_order = models.PositiveIntegerField(_("thứ tự"), default=0)
    valid_from = models.DateField(_("hiệu lực từ"), null=True, blank=True)
    valid_to = models.DateField(_("hiệu lực đến"), null=True, blank=True)
    merged_from = models.ManyToManyField(
        "self",
        verbose_name=_("hợp nhất từ"),
        symmetrical=False,
        blank=True,
        related_name="merged_into",
    )

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("đơn vị")
        verbose_name_plural = _("đơn vị")
        ordering = ["path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=F("valid_from")),
                name="agency_valid_to_after_valid_from",
            ),
            models.CheckConstraint(
                condition=Q(level=AgencyLevel.PROVINCE, parent__isnull=True)
                | (~Q(level=AgencyLevel.PROVINCE) & Q(parent__isnull=False)),
                name="agency_only_province_is_root",
            ),
            models.CheckConstraint(
                condition=Q(code__regex=AGENCY_CODE_PATTERN) & ~Q(code__contains="\n"),
                name="agency_code_safe_alphabet",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.path = self.compute_path()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        """The admin's checks: the parent's level may hold this level (a commune sits under a
        district or the province), and a unit ends no earlier than it starts."""
        from django.core.exceptions import ValidationError

        parent_level = self.parent.level if self.parent_id else None
        if self.level and parent_level not in ALLOWED_PARENT_LEVELS[self.level]:
            raise ValidationError(
                {
                    "parent": gettext("Đơn vị %(level)s không thể trực thuộc đơn vị %(parent)s.")
                    % {
                        "level": str(AgencyLevel(self.level).label).lower(),
                        "parent": str(AgencyLevel(parent_level).label).lower()
                        if parent_level
                        else gettext("không có cấp trên"),
                    }
                }
            )
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError(
                {"valid_to": gettext("Ngày hết hiệu lực phải sau ngày bắt đầu hiệu lực.")}
            )

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def subtree(self) -> models.QuerySet[Agency]:
        return Agency.objects.filter(path__startswith=self.path)

    def validity_note(self, start: dt.date, end: dt.date) -> str:
        return validity_note(
            valid_from=self.valid_from, valid_to=self.valid_to, start=start, end=end
        )

    def exists_on(self, day: dt.date) -> bool:
        """Whether the unit existed on `day` (its validity interval, open at either end)."""
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_to is None or day <= self.valid_to
        )


class Domain(models.Model):
    """A field of procedures (lĩnh vực): Đất đai, Hộ tịch, …"""

    name = models.CharField(_("tên lĩnh vực"), max_length=255, unique=True)

    class Meta:
        verbose_name = _("lĩnh vực")
        verbose_name_plural = _("lĩnh vực")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OnlineLevel(models.TextChoices):
    FULL = "toan_trinh", _("Toàn trình")
    PARTIAL = "mot_phan", _("Một phần")
    NONE = "khong", _("Không")


class Procedure(models.Model):
    """An administrative procedure of the national catalogue (thủ tục hành chính)."""

    code = models.CharField(
        _("mã thủ tục"),
        max_length=8,
        unique=True,
        validators=[
            RegexValidator(
                PROCEDURE_CODE_PATTERN.replace("$", r"\Z"), _("Mã thủ tục phải có dạng D.DDDDDD")
            )
        ],
    )
    name = models.CharField(_("tên thủ tục"), max_length=500)
    domain = models.ForeignKey(
        Domain, verbose_name=_("lĩnh vực"), on_delete=models.PROTECT, related_name="procedures"
    )
    online_level = models.CharField(
        _("mức độ trực tuyến"), max_length=12, choices=OnlineLevel.choices, default=OnlineLevel.NONE
    )
    full_process_eligible = models.BooleanField(_("đủ điều kiện toàn trình"), default=False)
    paper_result = models.BooleanField(_("kết quả bản giấy"), default=True)

    class Meta:
        verbose_name = _("thủ tục hành chính")
        verbose_name_plural = _("thủ tục hành chính")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=PROCEDURE_CODE_PATTERN) & ~Q(code__contains="\n"),
                name="procedure_code_format",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class NameAlias(models.Model):
    """Another name under which files name a record (domain.md section 11, "Agency by name"):
    set once by the province office when a file named it in a way the portal did not know, and
    applied to every later file. `normalised` (agencies.names.normalise_name) is the key: a name
    means one record only."""

    name = models.CharField(_("tên gọi khác"), max_length=500)
    normalised = models.CharField(max_length=500, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["normalised"]

    def save(self, *args, **kwargs) -> None:
        self.normalised = normalise_name(self.name)
        super().save(*args, **kwargs)


class AgencyAlias(NameAlias):
    """Another name of an agency."""

    agency = models.ForeignKey(
        Agency, verbose_name=_("đơn vị"), on_delete=models.CASCADE, related_name="aliases"
    )

    class Meta(NameAlias.Meta):
        verbose_name = _("tên gọi khác của đơn vị")
        verbose_name_plural = _("tên gọi khác của đơn vị")

    def __str__(self) -> str:
        return f"{self.name} → {self.agency_id}"


class ProcedureAlias(NameAlias):
    """Another name of a procedure."""

    procedure = models.ForeignKey(
        Procedure, verbose_name=_("thủ tục"), on_delete=models.CASCADE, related_name="aliases"
    )

    class Meta(NameAlias.Meta):
        verbose_name = _("tên gọi khác của thủ tục")
        verbose_name_plural = _("tên gọi khác của thủ tục")

    def __str__(self) -> str:
        return f"{self.name} → {self.procedure_id}"


class Role(models.TextChoices):
    PROVINCE_OFFICE = "province_office", _("Văn phòng UBND tỉnh")
    AGENCY_HEAD = "agency_head", _("Thủ trưởng đơn vị")
    HOME_AFFAIRS = "home_affairs", _("Sở Nội vụ")
    ADMINISTRATOR = "administrator", _("Quản trị hệ thống")


class Membership(models.Model):
    """The role a user holds in the portal, and for an agency head, the agency they answer for.

    A user with no membership has no role and sees nothing but a page saying so.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    role = models.CharField(_("vai trò"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency, verbose_name=_("đơn vị"), null=True, blank=True, on_delete=models.PROTECT
    )
    title = models.CharField(_("chức vụ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("vai trò người dùng")
        verbose_name_plural = _("vai trò người dùng")
        constraints = [
            models.CheckConstraint(
                condition=~Q(role=Role.AGENCY_HEAD) | Q(agency__isnull=False),
                name="membership_agency_head_has_agency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"


class AuditAction(models.TextChoices):
    """What a person did. Each state-changing action of the portal records one entry."""

    IMPORT_APPLY = "import.apply", _("Nhập dữ liệu")
    TARGET_CHANGE = "target.change", _("Đổi chỉ tiêu")
    WEIGHT_CHANGE = "weight.change", _("Đổi trọng số xếp hạng")
    APOLOGY_RECORD = "apology.record", _("Ghi nhận xin lỗi")
    PILOT_NOMINATE = "pilot.nominate", _("Đề xuất thủ tục thí điểm")
    PILOT_WITHDRAW = "pilot.withdraw", _("Rút thủ tục thí điểm")
    PILOT_SUBMIT = "pilot.submit", _("Gửi danh sách thí điểm")
    PILOT_REOPEN = "pilot.reopen", _("Mở lại danh sách thí điểm")
    PILOT_COMPILED_SUBMIT = "pilot.compiled_submit", _("Gửi danh sách tổng hợp thí điểm")
    POSTING_CREATE = "posting.create", _("Thêm biệt phái")
    POSTING_UPDATE = "posting.update", _("Sửa biệt phái")
    POSTING_IMPORT = "posting.import", _("Nhập danh sách biệt phái")
    AGENCY_ALIAS = "agency.alias", _("Gán tên gọi khác cho đơn vị")
    PROCEDURE_ALIAS = "procedure.alias", _("Gán tên gọi khác cho thủ tục")


class AuditEntry(models.Model):
    """Who did what, when, to which record, with the record's values before and after.

    Entries are only ever added (`agencies.audit.audit_record`). The actor's username is copied so
    the entry still says who it was after the account is removed. `agency` is the agency the change
    concerns, when there is one, so the log can be filtered by agency.
    """

    at = models.DateTimeField(_("thời điểm"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thực hiện"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_username = models.CharField(_("tài khoản"), max_length=150, blank=True)
    action = models.CharField(_("thao tác"), max_length=32, choices=AuditAction.choices)
    subject_type = models.CharField(_("loại bản ghi"), max_length=64)
    subject_id = models.CharField(_("mã bản ghi"), max_length=128, blank=True)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("đơn vị"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    summary = models.CharField(_("nội dung"), max_length=500, blank=True)
    before = models.JSONField(_("trước"), null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("sau"), null=True, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("nhật ký thao tác")
        verbose_name_plural = _("nhật ký thao tác")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["action", "-at"], name="audit_action_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username} {self.action} {self.subject_id}"


def posting_import_upload_path(batch, filename: str) -> str:
    """Where the staff postings' own import model (migrated into `dossiers.ImportBatch` of kind
    "postings") stored its files; kept only because migration 0003 refers to it."""
    return f"imports/postings/{batch.sha256[:2]}/{batch.sha256}"


class StaffPosting(models.Model):
    """A person sent by their home agency to work at the Public Administration Service Center
    (biệt phái), for a planned period; `actual_end_on` is empty while they serve.

    A re-import finds its posting by (staff code, start date) when the staff code is given, else by
    (home agency, name, start date): the two partial unique constraints below. For a home agency
    formed by a merger, `former_unit` is the unit (one of `agency.merged_from`) the person comes
    from. The rules (length, rotation, flags) are in `agencies.postings`.
    """

    person_name = models.CharField(_("họ và tên"), max_length=255)
    staff_code = models.CharField(_("mã cán bộ"), max_length=32, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("đơn vị cử"), on_delete=models.PROTECT, related_name="staff_postings"
    )
    former_unit = models.ForeignKey(
        Agency,
        verbose_name=_("đơn vị cũ (trước hợp nhất)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    start_on = models.DateField(_("ngày bắt đầu"))
    planned_end_on = models.DateField(_("ngày kết thúc dự kiến"))
    actual_end_on = models.DateField(_("ngày kết thúc thực tế"), null=True, blank=True)
    note = models.TextField(_("ghi chú"), blank=True)
    # The id of the import batch (`dossiers.ImportBatch`, kind "postings") that last wrote the
    # posting: a plain id, since this app knows no other (docs/architecture.md, layers).
    import_batch_id = models.BigIntegerField(
        _("lần nhập gần nhất"), null=True, blank=True, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tạo"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("tạo lúc"), auto_now_add=True)
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("biệt phái cán bộ")
        verbose_name_plural = _("biệt phái cán bộ")
        ordering = ["agency__path", "start_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=F("start_on")),
                name="posting_planned_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(actual_end_on__isnull=True) | Q(actual_end_on__gte=F("start_on")),
                name="posting_actual_end_after_start",
            ),
            models.CheckConstraint(condition=~Q(person_name=""), name="posting_person_name_given"),
            models.CheckConstraint(
                condition=Q(former_unit__isnull=True) | ~Q(former_unit=F("agency")),
                name="posting_former_unit_not_home_agency",
            ),
            models.UniqueConstraint(
                fields=["staff_code", "start_on"],
                condition=~Q(staff_code=""),
                name="posting_unique_staff_code_start",
            ),
            models.UniqueConstraint(
                fields=["agency", "person_name", "start_on"],
                condition=Q(staff_code=""),
                name="posting_unique_name_start_without_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_name} ({self.agency.code}, {self.start_on:%d/%m/%Y})"
