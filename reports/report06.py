"""The standard result report, Biểu số 06 (Circular 01/2020/TT-VPCP; domain.md section 7).

Built from the KPI facts' counters (no dossier scan for a standard period):

    3  handled                     = 4 + 5 + 6
    4  received online in P        received_online
    5  received in person / post   received - received_online
    6  carried over                carried_over
    7  finished in P               = 8 + 9 + 10
    8  before the due date         finished_early (an earlier calendar day than due_at)
    9  on the due date             finished - finished_early - finished_late
    10 overdue                     finished_late
    11 open at the end of P        = 12 + 13 = handled - finished
    12 in time                     open - open_overdue
    13 overdue                     open_overdue

By agency, the rows are the agencies' *own* dossiers (a node's facts minus its children's nodes),
grouped Sở, ban, ngành / UBND cấp huyện / UBND cấp xã, so that every dossier is counted once;
each group's subtotal is its level group's facts and the grand total the province node's. By
domain, one row per domain of the province node (or of one agency's node).
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from agencies.models import Agency, AgencyLevel, Domain
from kpi_portal.periods import Period
from reports.models import KpiFact
from reports.selectors import (
    FACT_COUNTERS,
    Counters,
    kpi_counters_for_period,
    kpi_own_counters_from_dossiers,
    kpi_roll_up,
    zero_counters,
)

COLUMN_COUNT = 13
GROUPS: tuple[tuple[str, str, str], ...] = (
    (AgencyLevel.DEPARTMENT.value, "level:so", "Sở, ban, ngành"),
    (AgencyLevel.DISTRICT.value, "level:huyen", "UBND cấp huyện"),
    (AgencyLevel.COMMUNE.value, "level:xa", "UBND cấp xã"),
)

# The two header rows over columns 3–13: a group heading merged over its sub-columns.
REPORT06_HEADER: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Số hồ sơ nhận giải quyết",
        (
            "Tổng số",
            "Trong kỳ: trực tuyến",
            "Trong kỳ: trực tiếp, dịch vụ bưu chính",
            "Từ kỳ trước chuyển qua",
        ),
    ),
    ("Số hồ sơ đã giải quyết", ("Tổng số", "Trước hạn", "Đúng hạn", "Quá hạn")),
    ("Số hồ sơ đang giải quyết", ("Tổng số", "Trong hạn", "Quá hạn")),
)


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
    by: str  # "agency" or "domain"
    computed_at: datetime | None
    rows: list[Report06Row] = field(default_factory=list)

    @property
    def total(self) -> Report06Row:
        return self.rows[-1]


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
    rows.append(Report06Row("total", "", "Tổng cộng", total))
    return rows


def _domain_counters(period: Period, scope: str) -> dict[int, Counters]:
    if not period.is_standard:
        own = kpi_own_counters_from_dossiers(start=period.start, end=period.end)
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


def report06_build(*, period: Period, by: str = "agency", within: Agency | None = None) -> Report06:
    """The report's rows for the period: by agency (grouped, with subtotals) or by domain; the
    last row is the grand total. `within` restricts it to one agency's subtree."""
    counters, computed_at = kpi_counters_for_period(period=period)
    report = Report06(period=period, by=by, computed_at=computed_at)
    if by == "domain":
        top = within or Agency.objects.filter(parent__isnull=True).order_by("path").first()
        per_domain = _domain_counters(period, top.code) if top else {}
        names = dict(Domain.objects.filter(id__in=per_domain).values_list("id", "name"))
        ordered = sorted(per_domain, key=lambda domain_id: vietnamese_sort_key(names[domain_id]))
        report.rows = [
            Report06Row("row", str(i), names[d], report06_columns(per_domain[d]))
            for i, d in enumerate(ordered, start=1)
        ]
        total = counters.get(top.code) if top else None
        report.rows.append(
            Report06Row("total", "", "Tổng cộng", report06_columns(total or zero_counters()))
        )
        return report
    report.rows = _by_agency(period, counters, within)
    return report
