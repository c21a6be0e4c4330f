"""Reading staff postings with their flags (the rules are in `agencies.postings`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, StaffPosting
from agencies.postings import (
    AgencyFacts,
    Finding,
    Flag,
    PostingFacts,
    effective_end,
    expected_agencies,
    is_serving,
    length_in_months_and_days,
    posting_findings,
    unstaffed_agencies,
)

FLAG_LABELS = {
    Flag.TOO_SHORT: _("Dưới 6 tháng"),
    Flag.TOO_LONG: _("Quá 24 tháng"),
    Flag.ENDING_SOON: _("Kết thúc trong 30 ngày"),
    Flag.MERGED_TOO_LONG: _("Quá 4 tháng (đơn vị hợp nhất)"),
    Flag.ROTATION: _("Sai lượt luân phiên"),
    Flag.FORMER_UNIT_MISSING: _("Thiếu đơn vị cũ"),
}
# The filter's extra choice: the agencies with nobody posted on the day.
UNSTAFFED = "unstaffed"


@dataclass
class PostingRow:
    posting: StaffPosting
    findings: list[Finding]
    serving: bool
    months: int
    days: int
    labels: list[tuple[str, str]] = field(default_factory=list)  # (flag code, label)


@dataclass
class PostingsOverview:
    on: dt.date
    rows: list[PostingRow]
    unstaffed: list[Agency]
    flag_counts: list[tuple[str, str, int]]  # (flag, label, postings with it), all flags
    serving_count: int
    expected_count: int


def _agency_facts() -> dict[int, AgencyFacts]:
    formers: dict[int, list[int]] = {}
    merged_into: dict[int, list[int]] = {}
    for merged, former in Agency.merged_from.through.objects.order_by(
        "to_agency__code"
    ).values_list("from_agency_id", "to_agency_id"):
        formers.setdefault(merged, []).append(former)
        merged_into.setdefault(former, []).append(merged)
    return {
        pk: AgencyFacts(
            id=pk,
            level=level,
            valid_from=valid_from,
            valid_to=valid_to,
            former_unit_ids=tuple(formers.get(pk, ())),
            merged_into_ids=tuple(merged_into.get(pk, ())),
        )
        for pk, level, valid_from, valid_to in Agency.objects.values_list(
            "pk", "level", "valid_from", "valid_to"
        )
    }


def posting_facts(posting: StaffPosting) -> PostingFacts:
    return PostingFacts(
        id=posting.pk,
        agency_id=posting.agency_id,
        start=posting.start_on,
        planned_end=posting.planned_end_on,
        actual_end=posting.actual_end_on,
        former_unit_id=posting.former_unit_id,
    )


def postings_overview(
    *, scope: Agency | None, on: dt.date, agency: Agency | None = None, flag: str = ""
) -> PostingsOverview:
    """Postings of `scope`'s subtree (every agency when None) with their flags on `on`, and the
    expected agencies there with nobody serving that day.

    `agency` narrows the rows to that agency's subtree; `flag` to the postings with that flag
    (or, with UNSTAFFED, to no posting at all: only the list of unstaffed agencies matters).
    Flags are worked out over all postings, since a merged agency's rotation depends on its
    whole history.
    """
    agencies = _agency_facts()
    postings = list(
        StaffPosting.objects.select_related("agency", "former_unit").order_by(
            "agency__path", "start_on", "pk"
        )
    )
    facts = [posting_facts(p) for p in postings]
    findings = posting_findings(facts, agencies, on=on)
    names = dict(Agency.objects.values_list("pk", "name"))
    within = (agency or scope).path if (agency or scope) else "/"
    rows = []
    for posting, fact in zip(postings, facts, strict=True):
        if not posting.agency.path.startswith(within):
            continue
        found = findings[posting.pk]
        months, days = length_in_months_and_days(fact.start, effective_end(fact))
        rows.append(
            PostingRow(
                posting=posting,
                findings=found,
                serving=is_serving(fact, on),
                months=months,
                days=days,
                labels=[(f.flag.value, _label(f, names)) for f in found],
            )
        )
    serving_count = sum(1 for r in rows if r.serving)
    counts = [
        (code.value, str(label), sum(1 for r in rows if any(f.flag == code for f in r.findings)))
        for code, label in FLAG_LABELS.items()
    ]
    if flag == UNSTAFFED:
        rows = []
    elif flag:
        rows = [r for r in rows if any(f.flag == flag for f in r.findings)]
    by_pk = {a.pk: a for a in Agency.objects.filter(path__startswith=within)}
    in_scope = [a for pk, a in agencies.items() if pk in by_pk]
    missing = unstaffed_agencies(in_scope, facts, on=on)
    unstaffed = sorted((by_pk[a.id] for a in missing), key=lambda a: a.path)
    return PostingsOverview(
        on=on,
        rows=rows,
        unstaffed=unstaffed,
        flag_counts=counts,
        serving_count=serving_count,
        expected_count=len(expected_agencies(in_scope, on=on)),
    )


def _label(finding: Finding, names: dict[int, str]) -> str:
    if finding.flag == Flag.ROTATION and finding.skipped_unit_ids:
        skipped = ", ".join(names.get(pk, "?") for pk in finding.skipped_unit_ids)
        return gettext("Sai lượt luân phiên: chưa đến lượt %(units)s") % {"units": skipped}
    return str(FLAG_LABELS[finding.flag])
