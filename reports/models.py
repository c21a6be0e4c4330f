"""Indicators, targets and KPI facts (built by the KPI engine, see reports/services.py).

The engine keeps three tables of its own:

* `KpiCell`: the dossiers squeezed into small groups that share everything a period needs to
  know (agency, domain, half-month buckets of receipt, finish, "overdue from" and apology, the
  way a finish was judged) with additive counters. One GROUP BY pass over the dossiers fills it.
* `KpiFact`: per scope (an agency node with its subtree, or a level group), domain (or all
  domains), basis and standard period, the counters every indicator and the standard report need.
* `KpiPeriod`: which periods are computed and when (the "data as of" of each period).

Pages, exports and the API read `KpiFact` and `KpiPeriod` only.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyLevel, Domain
from kpi_portal.periods import Basis, PeriodKind


class Indicator(models.Model):
    """One of the six indicators of domain.md section 5: a numerator over a denominator.

    The definitions (which dossiers count) are the engine's SQL; this row holds the names, the
    wording shown to people and the order of display. Seeded by a data migration.
    """

    code = models.SlugField(_("mã chỉ tiêu"), max_length=32, unique=True)
    name = models.CharField(_("tên chỉ tiêu"), max_length=255)
    numerator_label = models.CharField(_("tử số"), max_length=255)
    denominator_label = models.CharField(_("mẫu số"), max_length=255)
    definition = models.TextField(_("định nghĩa"), blank=True)
    higher_is_better = models.BooleanField(_("càng cao càng tốt"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("thứ tự"), default=0)

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class TargetLevel(models.TextChoices):
    """Which agencies a target applies to. ALL is the fallback for every level."""

    ALL = "", _("Mọi cấp")
    PROVINCE = AgencyLevel.PROVINCE.value, AgencyLevel.PROVINCE.label
    DEPARTMENT = AgencyLevel.DEPARTMENT.value, AgencyLevel.DEPARTMENT.label
    DISTRICT = AgencyLevel.DISTRICT.value, AgencyLevel.DISTRICT.label
    COMMUNE = AgencyLevel.COMMUNE.value, AgencyLevel.COMMUNE.label


class Target(models.Model):
    """The target of an indicator, as a fraction of 1 (0.3 = 30%).

    A target may be set for one year or for every year (year empty), and for one level or every
    level. The most specific one wins: (year, level), (year, every level), (every year, level),
    (every year, every level). Changes go through `reports.services.target_set`, which keeps the
    history in `TargetChange`.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(
        _("năm"), null=True, blank=True, help_text=_("Để trống: áp dụng cho mọi năm")
    )
    level = models.CharField(
        _("cấp"), max_length=8, choices=TargetLevel.choices, blank=True, default=TargetLevel.ALL
    )
    value = models.DecimalField(
        _("mục tiêu"), max_digits=6, decimal_places=4, help_text=_("Tỷ lệ, ví dụ 0,3 là 30%")
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("mục tiêu")
        verbose_name_plural = _("mục tiêu")
        ordering = ["indicator__sort_order", "year", "level"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "level"],
                condition=Q(year__isnull=True),
                name="target_unique_every_year",
            ),
            models.UniqueConstraint(
                fields=["indicator", "year", "level"],
                condition=Q(year__isnull=False),
                name="target_unique_per_year",
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) & Q(value__lte=1), name="target_value_is_a_rate"
            ),
        ]

    def __str__(self) -> str:
        year = self.year or _("mọi năm")
        return f"{self.indicator.code} {year} {self.get_level_display()}: {self.value}"

    def specificity(self) -> int:
        return (2 if self.year is not None else 0) + (1 if self.level else 0)


class ChangeRecord(models.Model):
    """Who changed a setting of the scoring or the targets, when, why, and from which day on.

    `valid_from` is the first day the new value applies: a ranking uses the values in force on
    its period's last day (domain.md section 6), so a change applies to the periods that end on
    or after that day and never to one that had already ended (docs/rankings.md, "Versions").
    Empty: from the beginning (the seeded values, data loaded for past years, and every change
    made before versions existed). For one setting the days never go back: a later change never
    applies from before an earlier one, so the history reads as one timeline.
    """

    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người thay đổi"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("thời điểm"), auto_now_add=True)
    valid_from = models.DateField(
        _("áp dụng từ ngày"), null=True, blank=True, help_text=_("Để trống: từ đầu")
    )
    note = models.CharField(_("ghi chú"), max_length=255, blank=True)

    class Meta:
        abstract = True


class TargetChange(ChangeRecord):
    """One change of a target: who, when, old and new value (None: created / deleted)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField(_("năm"), null=True, blank=True)
    level = models.CharField(_("cấp"), max_length=8, choices=TargetLevel.choices, blank=True)
    old_value = models.DecimalField(
        _("giá trị cũ"), max_digits=6, decimal_places=4, null=True, blank=True
    )
    new_value = models.DecimalField(
        _("giá trị mới"), max_digits=6, decimal_places=4, null=True, blank=True
    )

    class Meta:
        verbose_name = _("lịch sử thay đổi mục tiêu")
        verbose_name_plural = _("lịch sử thay đổi mục tiêu")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.year} {self.level}: {self.old_value} → {self.new_value}"


class KpiCell(models.Model):
    """A group of dossiers that every standard period treats alike.

    Buckets are half-month numbers (kpi_portal.periods.half_month_bucket) of local dates:

    * received_bucket: of received_at.
    * finished_bucket: of finished_at; NULL while unfinished.
    * finish_class: for finished dossiers, 0 finished on a day before the due day, 1 on the due
      day and not after due_at, 2 after due_at (late); NULL while unfinished.
    * overdue_from_bucket: of the first day D such that the end of D (23:59:59) is after due_at.
      A dossier still open at a period's end E, with no request by E, is overdue in it iff
      bucket(E) >= this. With a request, capped at requested_bucket (from there on it is
      waiting or paused, and the value no longer matters).
    * apology_bucket: of the apology's issue date; NULL without an apology.

    Supplementation (domain.md section 11; NULL for a dossier without a request, so such
    dossiers land in the same cells as before supplementation was read):

    * requested_bucket: of the last request (from the receipt at the earliest); NULL also when
      it falls in or after the finish's bucket (no period then sees the dossier open after it).
    * completed_bucket: of the applicant's completion of that request; NULL when not completed
      (or, likewise, completed in or after the finish's bucket).
    * waiting_late: 1 when a dossier waiting at a period's end is overdue there (more than one
      request, or requested after due_at), else 0; NULL without requested_bucket, or when the
      completion is in the request's bucket (never waiting at a bucket's end).
    * paused_overdue_from_bucket: overdue_from_bucket for the open dossier judged at E minus the
      pause: of the first day D whose end is after due_at + pause, at least completed_bucket;
      NULL without completed_bucket, or when it is not before the finish's bucket.

    Counters: dossiers, and among them submitted online, fully digitized, with a fee > 0 and a
    known payment, with a fee > 0 paid online, of a paper-result procedure that ended with a
    result (not status 7, 8) and a known e-result, of those with an e-result; and the dossiers
    lacking a fact (NULL: unknown, domain.md section 11): channel, components, fee or payment
    (fee unknown, or fee > 0 and payment unknown), e-result (among the paper-result ones that
    ended with a result).
    """

    # No foreign key constraints in the database (Django still cascades a deleted agency or
    # domain): cells are derived from dossiers whose own keys are checked, and PostgreSQL would
    # otherwise check every cell of a full rebuild one by one at commit (0.5 s of a 1,000,000
    # dossier recompute, docs/decisions.md). (agency, received_bucket) serves agency lookups.
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="+", db_constraint=False, db_index=False
    )
    received_bucket = models.IntegerField()
    finished_bucket = models.IntegerField(null=True)
    finish_class = models.SmallIntegerField(null=True)
    overdue_from_bucket = models.IntegerField()
    apology_bucket = models.IntegerField(null=True)
    requested_bucket = models.IntegerField(null=True)
    completed_bucket = models.IntegerField(null=True)
    waiting_late = models.SmallIntegerField(null=True)
    paused_overdue_from_bucket = models.IntegerField(null=True)
    dossiers = models.IntegerField()
    online = models.IntegerField()
    digitized = models.IntegerField()
    with_fee = models.IntegerField()
    paid_online = models.IntegerField()
    paper_result = models.IntegerField()
    paper_e_result = models.IntegerField()
    unknown_channel = models.IntegerField(default=0)
    unknown_components = models.IntegerField(default=0)
    unknown_payment = models.IntegerField(default=0)
    unknown_e_result = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["agency", "received_bucket"], name="kpicell_agency_rb")]

    def __str__(self) -> str:
        return f"{self.agency_id}/{self.domain_id} r{self.received_bucket}: {self.dossiers}"


# The counters a fact row carries. Every indicator and the standard report (Biểu 06) are
# functions of them; see INDICATOR_COUNTERS and reports.selectors.
FACT_COUNTERS = (
    "received",  # received in P
    "received_online",  # … submitted online
    "digitized",  # … with every component digitized
    "with_fee",  # … with a fee > 0 and a known payment
    "paid_online",  # … with a fee > 0, paid online
    "handled",  # received by E and not finished before S
    "carried_over",  # … received before S
    "finished",  # finished in P
    "finished_early",  # … on a day before the due day
    "finished_late",  # … after due_at
    "finished_paper",  # … of a paper-result procedure, ended with a result, e-result known
    "finished_paper_e",  # … of those, with an electronic result
    "open_overdue",  # not finished by E, and overdue at E (dossiers.counting)
    "apologized",  # overdue in P with an apology issued by E
    # Dossiers lacking a fact (unknown, domain.md section 11), left out of the indicators that
    # need it; pages and exports say how many.
    "unknown_channel",  # received in P, channel unknown (online_submission)
    "unknown_components",  # received in P, components unknown (digitization)
    "unknown_payment",  # received in P, fee unknown or fee > 0 and payment unknown
    "unknown_e_result",  # finished in P, paper result, ended with a result, e-result unknown
)


class KpiFact(models.Model):
    """Counters of one scope × domain × basis × standard period.

    `scope` is the code shown in exports: an agency code for an agency node (its whole subtree),
    or `level:so`, `level:huyen`, `level:xa` for a level group (the agencies of that level, by
    their own dossiers). `domain` NULL means every domain. A missing row means zero dossiers.
    """

    scope = models.CharField(max_length=40)
    # Derived rows, like KpiCell's: no foreign key constraints checked per row at commit, and
    # no index of their own: every reader looks facts up by basis, period, scope and domain
    # (the indexes below), and each index is written for every fact of every recompute (a full
    # recompute at 3,000,000 dossiers writes 50,000 facts). A deleted agency or domain still
    # cascades (a scan of the facts, for a rare operation).
    agency = models.ForeignKey(
        Agency,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    domain = models.ForeignKey(
        Domain,
        null=True,
        on_delete=models.CASCADE,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    basis = models.CharField(max_length=10, choices=[(b.value, b.value) for b in Basis])
    period = models.CharField(max_length=24)
    start_date = models.DateField()
    end_date = models.DateField()
    received = models.IntegerField(default=0)
    received_online = models.IntegerField(default=0)
    digitized = models.IntegerField(default=0)
    with_fee = models.IntegerField(default=0)
    paid_online = models.IntegerField(default=0)
    handled = models.IntegerField(default=0)
    carried_over = models.IntegerField(default=0)
    finished = models.IntegerField(default=0)
    finished_early = models.IntegerField(default=0)
    finished_late = models.IntegerField(default=0)
    finished_paper = models.IntegerField(default=0)
    finished_paper_e = models.IntegerField(default=0)
    open_overdue = models.IntegerField(default=0)
    apologized = models.IntegerField(default=0)
    unknown_channel = models.IntegerField(default=0)
    unknown_components = models.IntegerField(default=0)
    unknown_payment = models.IntegerField(default=0)
    unknown_e_result = models.IntegerField(default=0)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["basis", "period", "scope"],
                condition=Q(domain__isnull=True),
                name="kpifact_unique_all_domains",
            ),
            models.UniqueConstraint(
                fields=["basis", "period", "scope", "domain"],
                condition=Q(domain__isnull=False),
                name="kpifact_unique_per_domain",
            ),
        ]
        indexes = [models.Index(fields=["basis", "period", "domain"], name="kpifact_period")]

    def __str__(self) -> str:
        return f"{self.basis} {self.period} {self.scope} {self.domain_id or '*'}"

    @property
    def overdue(self) -> int:
        return self.finished_late + self.open_overdue

    @property
    def on_time(self) -> int:
        return self.handled - self.overdue


class KpiPeriod(models.Model):
    """A standard period whose facts are computed, and when: the "data as of" of that period."""

    basis = models.CharField(max_length=10, choices=[(b.value, b.value) for b in Basis])
    period = models.CharField(max_length=24)
    kind = models.CharField(max_length=12, choices=[(k.value, k.value) for k in PeriodKind])
    start_date = models.DateField()
    end_date = models.DateField()
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["basis", "period"], name="kpiperiod_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.basis} {self.period}"


class KpiRunKind(models.TextChoices):
    FULL_CELLS = "full_cells", _("Tính lại toàn bộ (nhóm hồ sơ)")
    PERIODS = "periods", _("Tính lại các kỳ")
    REFRESH = "refresh", _("Cập nhật theo dữ liệu mới nhập")


class KpiRun(models.Model):
    """One run of the engine, for operators: what ran, when, and how much it did."""

    kind = models.CharField(max_length=12, choices=KpiRunKind.choices)
    detail = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    cells = models.IntegerField(default=0)
    periods = models.IntegerField(default=0)
    facts = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("lượt tính chỉ tiêu")
        verbose_name_plural = _("lượt tính chỉ tiêu")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%d/%m/%Y %H:%M}"


DEFAULT_TARGETS: dict[str, Decimal] = {
    "digitization": Decimal("1"),
    "e_result": Decimal("1"),
    "on_time": Decimal("1"),
    "apology": Decimal("1"),
    "online_submission": Decimal("0.5"),
    "online_payment": Decimal("0.3"),
}


class ScoringWeight(models.Model):
    """The weight of an indicator in the Home Affairs score (domain.md section 6).

    The scored set is the indicators with a weight > 0 (default: the directive's four, weight 1,
    seeded by migration 0004). Changes go through `reports.ranking.scoring_weight_set`, which keeps
    the history in `ScoringWeightChange`.
    """

    indicator = models.OneToOneField(
        Indicator, verbose_name=_("chỉ tiêu"), on_delete=models.CASCADE, related_name="weight"
    )
    weight = models.DecimalField(
        _("trọng số"),
        max_digits=6,
        decimal_places=3,
        help_text=_("0: không tính vào điểm"),
    )
    updated_at = models.DateTimeField(_("cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("trọng số chấm điểm")
        verbose_name_plural = _("trọng số chấm điểm")
        ordering = ["indicator__sort_order"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="scoring_weight_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.weight}"


class ScoringWeightChange(ChangeRecord):
    """One change of a scoring weight: who, when, old and new weight (None: not scored)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    old_weight = models.DecimalField(
        _("trọng số cũ"), max_digits=6, decimal_places=3, null=True, blank=True
    )
    new_weight = models.DecimalField(
        _("trọng số mới"), max_digits=6, decimal_places=3, null=True, blank=True
    )

    class Meta:
        verbose_name = _("lịch sử thay đổi trọng số")
        verbose_name_plural = _("lịch sử thay đổi trọng số")
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.indicator_id}: {self.old_weight} → {self.new_weight}"


class RateBand(models.Model):
    """How a rate is coloured against its target: met, close or far (thresholds as data).

    A rate falls in the first band, by ascending `max_gap_points`, whose gap allows it: the gap is
    how many percentage points the rate is below its target (0 or less: the target is met).
    The band without a maximum takes everything else. Seeded: met (gap ≤ 0), close (≤ 5 points),
    far (the rest); the province office may change them in the admin.
    """

    code = models.SlugField(_("mã"), max_length=16, unique=True)
    label = models.CharField(_("tên"), max_length=64)
    max_gap_points = models.DecimalField(
        _("cách mục tiêu tối đa (điểm phần trăm)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Để trống: mọi khoảng cách còn lại"),
    )

    class Meta:
        verbose_name = _("mức tô màu tỷ lệ")
        verbose_name_plural = _("mức tô màu tỷ lệ")
        ordering = [models.F("max_gap_points").asc(nulls_last=True)]

    def __str__(self) -> str:
        return self.label


class RankingMailing(models.Model):
    """The monthly e-mail of a month's rankings to Home Affairs: one row per month sent, claimed
    before sending, so a duplicate beat tick or a retry does not mail the same month twice."""

    period = models.CharField(max_length=24, unique=True)
    recipients = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("thư xếp hạng hằng tháng")
        verbose_name_plural = _("thư xếp hạng hằng tháng")

    def __str__(self) -> str:
        return f"{self.period}: {self.recipients}"
