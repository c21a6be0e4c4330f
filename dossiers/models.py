"""Dossiers (hồ sơ), their apologies, import batches and the KPI cells an import touched."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, Procedure


class Channel(models.TextChoices):
    ONLINE = "truc_tuyen", _("Trực tuyến")
    IN_PERSON = "truc_tiep", _("Trực tiếp")
    POSTAL = "buu_chinh", _("Bưu chính")


class DossierStatus(models.IntegerChoices):
    """TrangThaiHoSo of the national sync record (domain.md section 11)."""

    REGISTERED = 1, _("Mới đăng ký")
    ACCEPTED = 2, _("Được tiếp nhận")
    NOT_ACCEPTED = 3, _("Không được tiếp nhận")
    PROCESSING = 4, _("Đang xử lý")
    SUPPLEMENT_REQUESTED = 5, _("Yêu cầu bổ sung giấy tờ")
    FINANCIAL_OBLIGATION = 6, _("Yêu cầu thực hiện nghĩa vụ tài chính")
    WITHDRAWN = 7, _("Công dân yêu cầu rút hồ sơ")
    STOPPED = 8, _("Dừng xử lý")
    PROCESSED = 9, _("Đã xử lý xong")
    RETURNED = 10, _("Đã trả kết quả")


# Never received (1, 3): stored so nothing is lost, counted in no indicator and no report.
NEVER_RECEIVED_STATUSES = (DossierStatus.REGISTERED, DossierStatus.NOT_ACCEPTED)
# Ended without a result (7, 8): left out of e_result's denominator.
ENDED_WITHOUT_RESULT_STATUSES = (DossierStatus.WITHDRAWN, DossierStatus.STOPPED)
ENDED_STATUSES = (
    DossierStatus.WITHDRAWN,
    DossierStatus.STOPPED,
    DossierStatus.PROCESSED,
    DossierStatus.RETURNED,
)
NEVER_RECEIVED = Q(status__in=NEVER_RECEIVED_STATUSES)


# Still open, or finished after its due date: every dossier that is overdue in some period is one
# of these. A query that adds this condition lets PostgreSQL use the partial index below.
LATE_OR_OPEN = Q(finished_at__isnull=True) | Q(finished_at__gt=F("due_at"))


class Dossier(models.Model):
    """One dossier of the one-stop system, with every fact of domain.md section 3.

    The database holds the facts' rules itself (check constraints), so that no import path,
    admin edit or bug can store a dossier the KPI engine would misread.
    """

    code = models.CharField(_("mã hồ sơ"), max_length=64)
    # Indexes are few on purpose: each one costs every bulk import of a million rows (measured
    # in docs/benchmarks.md). The (agency, received_at) index serves the agency lookups too.
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    procedure = models.ForeignKey(
        Procedure,
        verbose_name=_("thủ tục"),
        on_delete=models.PROTECT,
        related_name="dossiers",
        db_index=False,
    )
    # A fact whose column a file lacks is unknown (NULL) for a new dossier (domain.md section 11):
    # the dossier then stays out of the indicators that need that fact.
    channel = models.CharField(
        _("kênh nộp"), max_length=12, choices=Channel.choices, null=True, blank=True
    )
    status = models.PositiveSmallIntegerField(
        _("trạng thái"), choices=DossierStatus.choices, null=True, blank=True
    )
    # Empty only for a dossier that was never received (status 1 or 3).
    received_at = models.DateTimeField(_("ngày tiếp nhận"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("ngày nộp hồ sơ"), null=True, blank=True)
    due_at = models.DateTimeField(_("ngày hẹn trả"), null=True, blank=True)
    finished_at = models.DateTimeField(_("ngày kết thúc xử lý"), null=True, blank=True)
    components_total = models.PositiveIntegerField(_("số thành phần hồ sơ"), null=True, blank=True)
    components_digitized = models.PositiveIntegerField(
        _("số thành phần đã số hóa"), null=True, blank=True
    )
    e_result = models.BooleanField(_("kết quả điện tử"), null=True, blank=True, default=False)
    fee = models.BigIntegerField(_("phí, lệ phí (đồng)"), null=True, blank=True, default=0)
    paid_online = models.BooleanField(
        _("thanh toán trực tuyến"), null=True, blank=True, default=False
    )
    # Supplementation (yêu cầu bổ sung): the clock stops while the applicant completes the
    # dossier (domain.md section 11). No request: 0 and both dates empty.
    supplement_requests = models.PositiveSmallIntegerField(
        _("số lần yêu cầu bổ sung"), default=0, db_default=0
    )
    supplement_requested_at = models.DateTimeField(_("ngày yêu cầu bổ sung"), null=True, blank=True)
    supplement_completed_at = models.DateTimeField(
        _("ngày hoàn thành bổ sung"), null=True, blank=True
    )
    # "Lý do quá hạn" given without an apology date: kept with the dossier (an apology row
    # needs its issue date).
    late_reason = models.TextField(_("lý do quá hạn"), blank=True, default="", db_default="")
    import_batch = models.ForeignKey(
        "ImportBatch",
        verbose_name=_("lần nhập gần nhất"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        # Only a pointer to the last batch that wrote the row: no database check, which would
        # cost a deferred trigger per row of every million-row import (docs/benchmarks.md).
        db_constraint=False,
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ")
        verbose_name_plural = _("hồ sơ")
        indexes = [
            models.Index(fields=["agency", "received_at"], name="dossier_agency_received"),
            # The few dossiers that can be overdue (a couple of percent): the overdue lists and
            # the apology counts of an agency page read only these (queries add LATE_OR_OPEN).
            models.Index(
                fields=["agency", "due_at"], condition=LATE_OR_OPEN, name="dossier_late_or_open"
            ),
            # The same rows in the order of the agency page's overdue list (oldest due first): its
            # page of 25 is read by walking this index, not by sorting every open dossier of the
            # subtree (issue 16: 0.86 s at 1M, 6% of them open for years; docs/benchmarks.md).
            models.Index(
                fields=["due_at", "id"], condition=LATE_OR_OPEN, name="dossier_late_or_open_due"
            ),
            # The few never-received dossiers (1, 3), which are in no KPI cell: a full KPI
            # recompute reads which periods exist from the cells and these, not from every
            # dossier (reports.services._kpi_universe_from_cells).
            models.Index(
                fields=["received_at"],
                condition=Q(status__in=NEVER_RECEIVED_STATUSES),
                name="dossier_never_received",
            ),
        ]
        constraints = [
            # A UniqueConstraint rather than unique=True: PostgreSQL then builds no second,
            # pattern-matching index on the code, which no query uses.
            models.UniqueConstraint(fields=["code"], name="dossier_code_unique"),
            models.CheckConstraint(
                condition=(Q(received_at__isnull=False) & Q(due_at__isnull=False))
                | Q(status__in=NEVER_RECEIVED_STATUSES),
                name="dossier_received_and_due_unless_never_received",
            ),
            models.CheckConstraint(
                condition=Q(status__isnull=True) | Q(status__gte=1, status__lte=10),
                name="dossier_status_known",
            ),
            models.CheckConstraint(
                condition=Q(components_total__isnull=True, components_digitized__isnull=True)
                | Q(components_total__isnull=False, components_digitized__isnull=False),
                name="dossier_components_known_together",
            ),
            models.CheckConstraint(
                condition=Q(components_total__isnull=True) | Q(components_total__gte=1),
                name="dossier_components_total_positive",
            ),
            models.CheckConstraint(
                condition=Q(components_digitized__isnull=True)
                | (
                    Q(components_digitized__gte=0)
                    & Q(components_digitized__lte=F("components_total"))
                ),
                name="dossier_digitized_within_total",
            ),
            models.CheckConstraint(
                condition=Q(fee__isnull=True) | Q(fee__gte=0), name="dossier_fee_not_negative"
            ),
            models.CheckConstraint(
                # Paid online with an unknown fee (a file with a payment column and no fee
                # column) is allowed: the dossier has no known fee and stays out of the rate.
                condition=Q(paid_online=False)
                | Q(paid_online__isnull=True)
                | Q(fee__isnull=True)
                | Q(fee__gt=0),
                name="dossier_paid_online_needs_fee",
            ),
            models.CheckConstraint(
                condition=Q(due_at__isnull=True)
                | Q(received_at__isnull=True)
                | Q(due_at__gte=F("received_at")),
                name="dossier_due_after_received",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(received_at__isnull=True)
                | Q(finished_at__gte=F("received_at")),
                name="dossier_finished_after_received",
            ),
            models.CheckConstraint(
                condition=Q(channel__isnull=True) | Q(channel__in=Channel.values),
                name="dossier_channel_known",
            ),
            models.CheckConstraint(
                condition=Q(supplement_requests__gt=0) | Q(supplement_requested_at__isnull=True),
                name="dossier_supplement_request_counted",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def fully_digitized(self) -> bool | None:
        if self.components_total is None:
            return None
        return self.components_digitized == self.components_total


class ApologyChannel(models.TextChoices):
    IN_PERSON = "truc_tiep", _("Trực tiếp")
    EMAIL = "email", _("Thư điện tử")
    SMS = "sms", _("Tin nhắn SMS")
    ZALO = "zalo", _("Zalo")
    POST = "buu_chinh", _("Bưu chính")
    UNKNOWN = "", _("Không rõ")


class ApologySource(models.TextChoices):
    IMPORT = "import", _("Nhập từ tệp")
    PORTAL = "portal", _("Ghi nhận trên cổng")


class Apology(models.Model):
    """The apology slip for an overdue dossier (phiếu xin lỗi và hẹn lại ngày trả kết quả).

    One per dossier, and so one new appointment only: the one-to-one key enforces both.
    """

    dossier = models.OneToOneField(
        Dossier, verbose_name=_("hồ sơ"), on_delete=models.CASCADE, related_name="apology"
    )
    issued_at = models.DateTimeField(_("ngày xin lỗi"))
    new_due_at = models.DateTimeField(_("ngày hẹn lại"), null=True, blank=True)
    reason = models.TextField(_("lý do quá hạn"), blank=True)
    channel = models.CharField(
        _("hình thức gửi"), max_length=12, choices=ApologyChannel.choices, blank=True
    )
    signer_name = models.CharField(_("người ký"), max_length=255, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=255, blank=True)
    source = models.CharField(
        _("nguồn"), max_length=8, choices=ApologySource.choices, default=ApologySource.IMPORT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("ghi nhận lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiếu xin lỗi")
        verbose_name_plural = _("phiếu xin lỗi")
        indexes = [models.Index(fields=["issued_at"], name="apology_issued")]

    def __str__(self) -> str:
        # People read it in the audit log and the admin: the dossier's code, not its id.
        return _("hồ sơ %(code)s, xin lỗi ngày %(day)s") % {
            "code": self.dossier.code,
            "day": timezone.localtime(self.issued_at).strftime("%d/%m/%Y"),
        }


class ImportKind(models.TextChoices):
    AGENCIES = "agencies", _("Đơn vị")
    PROCEDURES = "procedures", _("Thủ tục hành chính")
    DOSSIERS = "dossiers", _("Hồ sơ")
    POSTINGS = "postings", _("Cán bộ biệt phái")


class ImportStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xử lý")
    VALIDATING = "validating", _("Đang kiểm tra")
    VALIDATED = "validated", _("Đã kiểm tra, chờ xác nhận")
    APPLYING = "applying", _("Đang ghi dữ liệu")
    APPLIED = "applied", _("Đã nhập")
    REFUSED = "refused", _("Bị từ chối")
    FAILED = "failed", _("Lỗi hệ thống")


def import_upload_path(batch: ImportBatch, filename: str) -> str:
    # The stored name never comes from the user: only the batch's checksum and its kind.
    return f"imports/{batch.kind}/{batch.sha256[:2]}/{batch.sha256}"


class ImportBatch(models.Model):
    """One file given to an importer, of any kind (agencies, procedures, dossiers, staff
    postings): the original kept as uploaded under its checksum, who gave it and how, where it
    stands (`status`) and what the import did to its rows, in the words the `import_*` commands
    print; every rejected row is an `ImportRowError`.

    The steps and their transitions are `dossiers.services`. A pending batch's next step is
    stored, never held in memory: validation when `confirmed_at` is empty, the write once the
    person confirmed it (or asked, as a staff-postings upload does, to write at once).
    `enqueue_failed_at` says the last hand-off of that step to the queue failed (Redis down), so
    a page can say the processing is delayed and the sweep sends it again.
    """

    kind = models.CharField(_("loại dữ liệu"), max_length=12, choices=ImportKind.choices)
    file = models.FileField(_("tệp gốc"), upload_to=import_upload_path, max_length=255)
    original_name = models.CharField(_("tên tệp"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.BigIntegerField(_("dung lượng (byte)"), default=0)
    sheet = models.CharField(_("trang tính"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("nguồn"), max_length=16, default="command")
    dry_run = models.BooleanField(_("chạy thử"), default=False)
    atomic = models.BooleanField(_("tất cả hoặc không"), default=False)
    status = models.CharField(
        _("trạng thái"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.PENDING
    )
    refusal = models.TextField(_("lý do từ chối"), blank=True)
    total_rows = models.PositiveIntegerField(_("số dòng"), default=0)
    processed_rows = models.PositiveIntegerField(_("đã xử lý"), default=0)
    created = models.PositiveIntegerField(_("thêm mới"), default=0)
    updated = models.PositiveIntegerField(_("cập nhật"), default=0)
    unchanged = models.PositiveIntegerField(_("không đổi"), default=0)
    rejected = models.PositiveIntegerField(_("bị loại"), default=0)
    created_at = models.DateTimeField(_("tải lên lúc"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("xác nhận ghi lúc"), null=True, blank=True)
    enqueue_failed_at = models.DateTimeField(
        _("chưa gửi được vào hàng đợi từ"), null=True, blank=True
    )
    started_at = models.DateTimeField(_("bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("kết thúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("lần nhập dữ liệu")
        verbose_name_plural = _("lần nhập dữ liệu")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.original_name} ({self.created_at:%d/%m/%Y %H:%M})"

    @property
    def summary(self) -> str:
        return (
            f"created {self.created}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


class ImportRowError(models.Model):
    """A rejected row: its number as the user sees it in the file, the column and the reason.

    With `is_warning`, a message about a row that was imported all the same (for instance its
    apology columns were set aside because the portal already holds an apology for the dossier).
    """

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(_("dòng"))
    column = models.CharField(_("cột"), max_length=255, blank=True)
    value = models.TextField(_("giá trị"), blank=True)
    message = models.TextField(_("lý do"))
    is_warning = models.BooleanField(_("chỉ cảnh báo"), default=False)

    class Meta:
        verbose_name = _("lỗi dòng")
        verbose_name_plural = _("lỗi dòng")
        ordering = ["batch", "row_number", "id"]

    def __str__(self) -> str:
        return f"dòng {self.row_number}, cột {self.column}: {self.message}"


class UnresolvedNameKind(models.TextChoices):
    AGENCY = "agency", _("Đơn vị")
    PROCEDURE = "procedure", _("Thủ tục")


class ImportUnresolvedName(models.Model):
    """A name a dossier file gives for an agency (or procedure) that matches none, or several
    (domain.md section 11, "Agency by name"). Its rows are rejected; on the web the import stops
    at a mapping step where the province office maps each such name once (an alias)."""

    batch = models.ForeignKey(
        ImportBatch, on_delete=models.CASCADE, related_name="unresolved_names"
    )
    kind = models.CharField(_("loại"), max_length=12, choices=UnresolvedNameKind.choices)
    name = models.CharField(_("tên trong tệp"), max_length=500)
    normalised = models.CharField(max_length=500)
    rows = models.PositiveIntegerField(_("số dòng"))
    # The codes of the agencies (procedures) sharing the name, when it is ambiguous.
    candidates = models.TextField(_("trùng tên với"), blank=True)

    class Meta:
        verbose_name = _("tên chưa xác định")
        verbose_name_plural = _("tên chưa xác định")
        ordering = ["batch", "kind", "-rows", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "kind", "normalised"], name="unresolved_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.rows})"

    @property
    def ambiguous(self) -> bool:
        return bool(self.candidates)


class TouchedCell(models.Model):
    """An (agency, calendar month) whose KPI facts an import or an edit may have changed.

    `dossiers` writes these and never imports `reports`; the KPI engine drains them. A month here
    is the first day of a calendar month in local time; the engine widens it to every period, on
    either basis, that overlaps the month.
    """

    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["agency", "month"], name="touched_cell_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.month:%Y-%m}"


class PublicHoliday(models.Model):
    """A public holiday or compensatory day off (ngày nghỉ lễ, nghỉ bù) on a weekday.

    The government announces each year's days off (Tết moves with the lunar calendar), so they are
    data kept by the province office, not code. Working days are Monday to Friday minus these
    (dossiers/apologies.py `next_working_day`).
    """

    day = models.DateField(_("ngày"), unique=True)
    name = models.CharField(_("tên ngày nghỉ"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("ngày nghỉ lễ")
        verbose_name_plural = _("ngày nghỉ lễ")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}".strip()


class ReminderSend(models.Model):
    """One reminder e-mail sent (or being sent): claimed before sending, so that a second run of
    a daily job on the same day mails nobody twice (dossiers/apology_reminders.py)."""

    kind = models.CharField(max_length=32)
    recipient = models.CharField(max_length=254)
    day = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "day"], name="reminder_send_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.recipient} {self.day:%d/%m/%Y}"


class SlipBundleStatus(models.TextChoices):
    PENDING = "pending", _("Chờ xử lý")
    RUNNING = "running", _("Đang tạo")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Lỗi")


def slip_bundle_upload_path(bundle: SlipBundle, filename: str) -> str:
    return f"slips/{bundle.pk}.zip"


class SlipBundle(models.Model):
    """The apology slips of many dossiers in one ZIP, built by a background job
    (dossiers/slip_bundles.py): who asked, for which dossiers (by code, scope checked again when
    built), in which format, how far it is, and the file when done. Only the person who asked may
    see it; it is deleted with its file a day later. The id is random: it is in the page's URL.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    fmt = models.CharField(_("định dạng"), max_length=4, default="pdf")
    codes = models.JSONField(_("mã hồ sơ"), default=list)
    status = models.CharField(
        _("trạng thái"),
        max_length=8,
        choices=SlipBundleStatus.choices,
        default=SlipBundleStatus.PENDING,
    )
    total = models.PositiveIntegerField(_("số phiếu"), default=0)
    done = models.PositiveIntegerField(_("đã tạo"), default=0)
    file = models.FileField(upload_to=slip_bundle_upload_path, max_length=255, blank=True)
    error = models.TextField(_("lỗi"), blank=True)
    created_at = models.DateTimeField(_("yêu cầu lúc"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tệp phiếu xin lỗi")
        verbose_name_plural = _("tệp phiếu xin lỗi")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.pk} ({self.total} {self.fmt}, {self.status})"

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)
