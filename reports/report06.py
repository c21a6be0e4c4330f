"""The standard result report, Biểu số 06/VPCP/KSTT (Circular 01/2020/TT-VPCP; domain.md section 7).

Built from the KPI facts' counters (no dossier scan for a standard period):

    3  handled                     = 4 + 5 + 6
    4  received online in P        received_online
    5  received in person / post   received - received_online
    6  carried over                carried_over (received before S, handled in P)
    7  finished in P               = 8 + 9 + 10
    8  before the due date         finished_early (an earlier calendar day than due_at)
    9  on the due date             finished - finished_early - finished_late
    10 overdue                     finished_late
    11 open at the end of P        = 12 + 13 = handled - finished
    12 in time                     open - open_overdue
    13 overdue                     open_overdue

Three ways to lay the rows out (`by`):

- `level-domain` (the form as filed, the default): column (2) is "the domains handled at each
  level": a group per level (Sở, ban, ngành / UBND cấp huyện / UBND cấp xã) with its subtotal,
  and within it one row per domain, from the level group's facts per domain (each agency's own
  dossiers, so every dossier is counted once); the grand total is the province node's.
- `agency`: the agencies' *own* dossiers (a node's facts minus its children's nodes), grouped
  the same way, each group's subtotal its level group's facts.
- `domain`: one row per domain of the province node (or of one agency's node).

`within` restricts any layout to one agency's subtree (an agency head's own report).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_noop

from agencies.models import Agency, AgencyLevel, Domain
from kpi_portal.periods import Period
from reports.models import KpiFact
from reports.selectors import (
    FACT_COUNTERS,
    Counters,
    kpi_counters_for_period,
    kpi_own_counters_for_range,
    kpi_roll_up,
    zero_counters,
)

COLUMN_COUNT = 13
LAYOUTS = ("level-domain", "agency", "domain")
DEFAULT_LAYOUT = "level-domain"
GROUPS: tuple[tuple[str, str, str], ...] = (
    (AgencyLevel.DEPARTMENT.value, "level:so", gettext_noop("Sở, ban, ngành")),
    (AgencyLevel.DISTRICT.value, "level:huyen", gettext_noop("UBND cấp huyện")),
    (AgencyLevel.COMMUNE.value, "level:xa", gettext_noop("UBND cấp xã")),
)

# The form's own words. The filed XLSX, PDF and CSV print them as they are; the page passes them
# through gettext (marked here with gettext_noop), so its English version translates them.
FORM_NUMBER = "Biểu số 06/VPCP/KSTT"
FORM_CIRCULAR = "Ban hành kèm theo Thông tư số 01/2020/TT-VPCP"
FORM_TITLE = gettext_noop(
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT TTHC"
)
FORM_UNIT = gettext_noop("Đơn vị tính: Số hồ sơ TTHC")
GOVERNMENT_OFFICE = "Văn phòng Chính phủ"
ROW_HEADINGS = {
    "level-domain": gettext_noop("Lĩnh vực, công việc giải quyết theo cấp"),
    "agency": gettext_noop("Cơ quan, đơn vị giải quyết"),
    "domain": gettext_noop("Lĩnh vực, công việc giải quyết"),
}
TOTAL_LABEL = gettext_noop("Tổng cộng")


@dataclass(frozen=True)
class Heading:
    """One cell of the form's three heading rows, placed on a 3 × 13 grid (0-based)."""

    text: str
    row: int
    column: int
    rowspan: int = 1
    colspan: int = 1


def report06_headings(by: str = DEFAULT_LAYOUT) -> tuple[Heading, ...]:
    """The three heading rows of the form, as filed: column (2)'s heading follows the layout."""
    return (
        Heading(gettext_noop("STT"), 0, 0, rowspan=3),
        Heading(ROW_HEADINGS.get(by, ROW_HEADINGS[DEFAULT_LAYOUT]), 0, 1, rowspan=3),
        Heading(gettext_noop("Số hồ sơ nhận giải quyết"), 0, 2, colspan=4),
        Heading(gettext_noop("Số hồ sơ đã giải quyết"), 0, 6, colspan=4),
        Heading(gettext_noop("Số hồ sơ đang giải quyết"), 0, 10, colspan=3),
        Heading(gettext_noop("Tổng số"), 1, 2, rowspan=2),
        Heading(gettext_noop("Trong đó"), 1, 3, colspan=2),
        Heading(gettext_noop("Từ kỳ trước"), 1, 5, rowspan=2),
        Heading(gettext_noop("Tổng số"), 1, 6, rowspan=2),
        Heading(gettext_noop("Trước hạn"), 1, 7, rowspan=2),
        Heading(gettext_noop("Đúng hạn"), 1, 8, rowspan=2),
        Heading(gettext_noop("Quá hạn"), 1, 9, rowspan=2),
        Heading(gettext_noop("Tổng số"), 1, 10, rowspan=2),
        Heading(gettext_noop("Trong hạn"), 1, 11, rowspan=2),
        Heading(gettext_noop("Quá hạn"), 1, 12, rowspan=2),
        Heading(gettext_noop("Trực tuyến"), 2, 3),
        Heading(gettext_noop("Trực tiếp, dịch vụ bưu chính"), 2, 4),
    )


def report06_column_names(by: str = DEFAULT_LAYOUT) -> list[str]:
    """Each column's headings joined, (1) to (13): for a one-line header (CSV)."""
    headings = report06_headings(by)
    names = []
    for column in range(COLUMN_COUNT):
        parts = [
            h.text
            for h in sorted(headings, key=lambda h: h.row)
            if h.column <= column < h.column + h.colspan
        ]
        names.append(": ".join(parts))
    return names


def vietnamese_sort_key(text: str) -> tuple[str, str]:
    """Alphabetical order as a Vietnamese reader expects (Đ after D, before E), then exact."""
    lowered = text.lower().replace("đ", "d\uffff")
    decomposed = unicodedata.normalize("NFD", lowered)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)), text


def report06_columns(counters: Mapping[str, int]) -> list[int]:
    """Columns 3–13 of the report from one set of counters."""
    received_online = counters["received_online"]
    in_person = counters["received"] - received_online
    carried = counters["carried_over"]
    finished = counters["finished"]
    early = counters["finished_early"]
    late = counters["finished_late"]
    open_total = counters["handled"] - finished
    open_overdue = counters["open_overdue"]
    return [
        counters["handled"],
        received_online,
        in_person,
        carried,
        finished,
        early,
        finished - early - late,
        late,
        open_total,
        open_total - open_overdue,
        open_overdue,
    ]


@dataclass
class Report06Row:
    kind: str  # "row", "group" (a group's heading with its subtotal) or "total"
    number: str  # column 1 (STT): "1", "2", … for rows, "I", "II", … for groups, "" for total
    label: str  # column 2
    values: list[int]  # columns 3–13
    code: str = ""


@dataclass
class Report06:
    period: Period
    by: str  # "level-domain", "agency" or "domain"
    computed_at: datetime | None
    rows: list[Report06Row] = field(default_factory=list)
    reporting_unit: str = ""  # Đơn vị báo cáo: the province, or the agency of `within`
    receiving_unit: str = ""  # Đơn vị nhận báo cáo

    @property
    def total(self) -> Report06Row:
        return self.rows[-1]

    @property
    def has_data(self) -> bool:
        """Whether any dossier was handled in the period (column 3 of the grand total)."""
        return bool(self.rows) and self.total.values[0] > 0

    @property
    def headings(self) -> tuple[Heading, ...]:
        return report06_headings(self.by)

    @property
    def column_names(self) -> list[str]:
        return report06_column_names(self.by)


_ROMAN = ("I", "II", "III", "IV", "V")


def _subtract(total: Counters, parts: list[Counters]) -> Counters:
    return {name: total[name] - sum(part[name] for part in parts) for name in FACT_COUNTERS}


def _by_agency(period: Period, counters: Mapping[str, Counters], within: Agency | None) -> list:
    agencies = list(Agency.objects.order_by("path").only("code", "name", "level", "path", "parent"))
    children: dict[int | None, list[Agency]] = defaultdict(list)
    for agency in agencies:
        children[agency.parent_id].append(agency)

    def own(agency: Agency) -> Counters:
        node = counters.get(agency.code) or zero_counters()
        return _subtract(
            node, [counters.get(c.code) or zero_counters() for c in children[agency.id]]
        )

    shown = [a for a in agencies if within is None or a.path.startswith(within.path)]
    valid = set(
        Agency.objects.existing_during(period.start, period.end).values_list("id", flat=True)
    )
    rows: list[Report06Row] = []
    group_number = 0
    for level, scope, label in GROUPS:
        members = [a for a in shown if a.level == level]
        member_rows = []
        for agency in members:
            values = report06_columns(own(agency))
            if agency.id not in valid and not any(values):
                continue
            member_rows.append((agency, values))
        if not member_rows:
            continue
        group_number += 1
        if within is None:
            subtotal = report06_columns(counters.get(scope) or zero_counters())
        else:
            subtotal = [sum(column) for column in zip(*(v for _, v in member_rows), strict=True)]
        rows.append(Report06Row("group", _ROMAN[group_number - 1], label, subtotal))
        rows += [
            Report06Row("row", str(i), agency.name, values, agency.code)
            for i, (agency, values) in enumerate(member_rows, start=1)
        ]
    # Dossiers the province (or `within`, when it is not one of the levels above) handled itself.
    top = within or next((a for a in agencies if a.parent_id is None), None)
    if top is not None and top.level == AgencyLevel.PROVINCE:
        values = report06_columns(own(top))
        if any(values):
            group_number += 1
            rows.append(Report06Row("group", _ROMAN[group_number - 1], top.name, values))
            rows.append(Report06Row("row", "1", top.name, values, top.code))
    if top is not None:
        total = report06_columns(counters.get(top.code) or zero_counters())
    else:
        total = [0] * (COLUMN_COUNT - 2)
    rows.append(Report06Row("total", "", TOTAL_LABEL, total))
    return rows


def _domain_counters(period: Period, scope: str) -> dict[int, Counters]:
    if not period.is_standard:
        own, _ = kpi_own_counters_for_range(period)
        rolled = kpi_roll_up(own=own, agencies=Agency.objects.only("id", "code", "path", "level"))
        return {
            domain_id: counters
            for (code, domain_id), counters in rolled.items()
            if code == scope and domain_id is not None
        }
    facts = KpiFact.objects.filter(
        basis=period.basis.value, period=period.code, scope=scope, domain__isnull=False
    )
    return {
        row["domain_id"]: {name: row[name] for name in FACT_COUNTERS}
        for row in facts.values("domain_id", *FACT_COUNTERS)
    }


def _add(totals: Counters, counters: Mapping[str, int]) -> None:
    for name in FACT_COUNTERS:
        totals[name] += counters[name]


def _level_domain_counters(
    period: Period, top: Agency, within: Agency | None
) -> dict[str, dict[int, Counters]]:
    """Per level ("so", "huyen", "xa", and "tinh" for the province's own dossiers), per domain:
    the counters of the dossiers the agencies of that level handled themselves.

    The whole province on a standard period reads the level groups' facts per domain (and the
    province node's, for what it handled itself). One agency's subtree, or a custom range, sums
    each agency's own dossiers: its node's facts minus its children's nodes (or, for a custom
    range, the dossiers grouped by agency and domain)."""
    levels: dict[str, dict[int, Counters]] = defaultdict(lambda: defaultdict(zero_counters))
    if within is None and period.is_standard:
        scopes = [scope for _level, scope, _label in GROUPS]
        facts = KpiFact.objects.filter(
            basis=period.basis.value,
            period=period.code,
            scope__in=[*scopes, top.code],
            domain__isnull=False,
        ).values("scope", "domain_id", *FACT_COUNTERS)
        level_of = {scope: level for level, scope, _label in GROUPS}
        for fact in facts:
            counters = {name: fact[name] for name in FACT_COUNTERS}
            if fact["scope"] in level_of:
                _add(levels[level_of[fact["scope"]]][fact["domain_id"]], counters)
            else:  # the province node: what is left after the levels is its own
                _add(levels[AgencyLevel.PROVINCE.value][fact["domain_id"]], counters)
        own_province = levels.get(AgencyLevel.PROVINCE.value, {})
        for level, _scope, _label in GROUPS:
            for domain_id, counters in levels.get(level, {}).items():
                remaining = own_province[domain_id]
                for name in FACT_COUNTERS:
                    remaining[name] -= counters[name]
        return levels
    agencies = list(
        Agency.objects.filter(path__startswith=top.path)
        .order_by("path")
        .only("id", "code", "level", "path", "parent")
    )
    if not period.is_standard:
        own, _ = kpi_own_counters_for_range(period)
        level_by_id = {a.id: a.level for a in agencies}
        for (agency_id, domain_id), counters in own.items():
            if agency_id in level_by_id:
                _add(levels[level_by_id[agency_id]][domain_id], counters)
        return levels
    facts = KpiFact.objects.filter(
        basis=period.basis.value,
        period=period.code,
        scope__in=[a.code for a in agencies],
        domain__isnull=False,
    ).values("scope", "domain_id", *FACT_COUNTERS)
    node: dict[tuple[str, int], Counters] = {
        (f["scope"], f["domain_id"]): {name: f[name] for name in FACT_COUNTERS} for f in facts
    }
    by_id = {a.id: a for a in agencies}
    domains = {domain_id for _scope, domain_id in node}
    for agency in agencies:
        parent = by_id.get(agency.parent_id)
        for domain_id in domains:
            counters = node.get((agency.code, domain_id))
            if counters is None:
                continue
            _add(levels[agency.level][domain_id], counters)
            if parent is not None:  # the parent's own = its node minus its children's nodes
                parent_own = levels[parent.level][domain_id]
                for name in FACT_COUNTERS:
                    parent_own[name] -= counters[name]
    return levels


def _by_level_domain(
    period: Period, counters: Mapping[str, Counters], top: Agency, within: Agency | None
) -> list[Report06Row]:
    levels = _level_domain_counters(period, top, within)
    ids = {domain_id for per_domain in levels.values() for domain_id in per_domain}
    names = dict(Domain.objects.filter(id__in=ids).values_list("id", "name"))
    groups = [(level, label) for level, _scope, label in GROUPS]
    groups.append((AgencyLevel.PROVINCE.value, top.name if within else _province_label(top)))
    rows: list[Report06Row] = []
    group_number = 0
    for level, label in groups:
        lines = [
            (names[domain_id], report06_columns(per_domain))
            for domain_id, per_domain in levels.get(level, {}).items()
            if any(report06_columns(per_domain))
        ]
        if not lines:
            continue
        lines.sort(key=lambda line: vietnamese_sort_key(line[0]))
        subtotal = [sum(column) for column in zip(*(values for _n, values in lines), strict=True)]
        group_number += 1
        rows.append(Report06Row("group", _ROMAN[group_number - 1], label, subtotal))
        rows += [
            Report06Row("row", str(number), name, values)
            for number, (name, values) in enumerate(lines, start=1)
        ]
    total = counters.get(top.code) or zero_counters()
    rows.append(Report06Row("total", "", TOTAL_LABEL, report06_columns(total)))
    return rows


def _province_label(top: Agency) -> str:
    return f"{top.name} (trực tiếp giải quyết)"


def _receiving_unit(top: Agency, root: Agency | None) -> str:
    """A province files Biểu 06 with the Government Office; an agency with its province's office."""
    if root is None or top.pk == root.pk:
        return GOVERNMENT_OFFICE
    return f"Văn phòng {root.name}"


def report06_build(*, period: Period, by: str = "agency", within: Agency | None = None) -> Report06:
    """The report's rows for the period in one of the LAYOUTS (the last row is the grand total).
    `within` restricts it to one agency's subtree."""
    if by not in LAYOUTS:
        raise ValueError(f"by must be one of {LAYOUTS}, not {by!r}")
    counters, computed_at = kpi_counters_for_period(period=period)
    root = Agency.objects.filter(parent__isnull=True).order_by("path").first()
    top = within or root
    report = Report06(
        period=period,
        by=by,
        computed_at=computed_at,
        reporting_unit=top.name if top else "",
        receiving_unit=_receiving_unit(top, root) if top else GOVERNMENT_OFFICE,
    )
    if top is None:
        report.rows = [Report06Row("total", "", TOTAL_LABEL, [0] * (COLUMN_COUNT - 2))]
    elif by == "level-domain":
        report.rows = _by_level_domain(period, counters, top, within)
    elif by == "domain":
        per_domain = _domain_counters(period, top.code)
        names = dict(Domain.objects.filter(id__in=per_domain).values_list("id", "name"))
        ordered = sorted(per_domain, key=lambda domain_id: vietnamese_sort_key(names[domain_id]))
        report.rows = [
            Report06Row("row", str(i), names[d], report06_columns(per_domain[d]))
            for i, d in enumerate(ordered, start=1)
        ]
        total = counters.get(top.code) or zero_counters()
        report.rows.append(Report06Row("total", "", TOTAL_LABEL, report06_columns(total)))
    else:
        report.rows = _by_agency(period, counters, within)
    return report


def report06_layout(value: str | None) -> str:
    """The layout asked for (?by=, --by), the form's own when none or an unknown one."""
    return value if value in LAYOUTS else DEFAULT_LAYOUT
