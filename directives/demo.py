"""The demo's directive: Quảng Trị's 2023 order on administrative procedures, with its two
dated tasks (pilot nominations by 20/7/2023, the compiled list by 30/7/2023).

The directive's number and issue date are illustrative (the demo does not claim the real ones).
Outcomes are deterministic, by each agency's place in the demo's order: of every five agencies,
three submit on time, one late, one not at all. The two agencies with demo sign-ins (STNMT, HL)
are left with nothing submitted, so that their users can try the picker; STNMT has a draft.
The province office's compilation is left undone. The pilot starts on 1/8/2023, after the
compiled list's due date, with the default priority threshold; the demo's dossiers of the second
half of 2023 give it results.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from agencies.models import Agency, AgencyLevel
from directives.deadlines import LOCAL
from directives.models import Directive, DirectiveTask, TaskKind
from directives.posting_demo import posting_demo_load, posting_demo_wipe
from directives.selectors import pilot_candidates
from directives.services import pilot_nominate, pilot_submit

DEMO_DIRECTIVE_NUMBER = "CT-2023/UBND (minh họa)"
PROVINCE_CODE = "QT"
# Agencies whose demo users act themselves.
LEFT_TO_USERS = {"STNMT", "HL"}
DRAFT_ONLY = {"STNMT"}
# Of every five agencies (demo order), when each submits: days after 20/7 (negative: before),
# None: never. Index 3 is late.
SCHEDULE: list[tuple[int, int] | None] = [(-2, 9), (0, 16), (-1, 10), (3, 8), None]
PILOT_STARTS_ON = dt.date(2023, 8, 1)


def _at(day_offset: int, hour: int) -> dt.datetime:
    return dt.datetime(2023, 7, 20, hour, tzinfo=LOCAL) + dt.timedelta(days=day_offset)


def directive_demo_wipe() -> None:
    Directive.objects.filter(number=DEMO_DIRECTIVE_NUMBER).delete()
    posting_demo_wipe()  # the Service Center staff postings (directives/posting_demo.py)


@transaction.atomic
def directive_demo_load() -> Directive | None:
    """(Re)create the demo directive, its tasks and the agencies' nominations."""
    directive_demo_wipe()
    province = Agency.objects.filter(code=PROVINCE_CODE).first()
    if province is None:
        return None
    directive = Directive.objects.create(
        number=DEMO_DIRECTIVE_NUMBER,
        issued_on=dt.date(2023, 7, 7),
        title=(
            "Chấn chỉnh, nâng cao chất lượng giải quyết thủ tục hành chính, "
            "cung cấp dịch vụ công trực tuyến"
        ),
        issuer="UBND tỉnh Quảng Trị",
    )
    nomination = DirectiveTask.objects.create(
        directive=directive,
        title="Rà soát, đề xuất dịch vụ công trực tuyến toàn trình thực hiện thí điểm",
        due_on=dt.date(2023, 7, 20),
        kind=TaskKind.PILOT_NOMINATION,
        assigned_levels=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT],
        pilot_starts_on=PILOT_STARTS_ON,
    )
    compilation = DirectiveTask.objects.create(
        directive=directive,
        title="Tổng hợp, trình danh sách dịch vụ công thực hiện thí điểm toàn trình",
        due_on=dt.date(2023, 7, 30),
        kind=TaskKind.PILOT_COMPILATION,
    )
    compilation.assigned_agencies.add(province)
    # The units of July 2023 (the demo's later units, formed in 2025, had no such task).
    agencies = (
        Agency.objects.filter(
            level__in=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT],
            path__startswith=province.path,
        )
        .existing_on(nomination.due_on)
        .order_by("sort_order", "code")
    )
    deadline = _at(0, 0)
    for index, agency in enumerate(agencies):
        when = None if agency.code in LEFT_TO_USERS else SCHEDULE[index % len(SCHEDULE)]
        if when is None and agency.code not in DRAFT_ONLY:
            continue
        # The two eligible procedures it handled most in the twelve months before 20/7/2023
        # (only those it handled at all, unless it handled none: then the first two listed).
        top = list(pilot_candidates(agency=agency, now=deadline)[:2])
        for procedure in [p for p in top if p.volume] or top:
            pilot_nominate(task=nomination, agency=agency, procedure=procedure, user=None)
        if when is not None and nomination.nominations.filter(agency=agency).exists():
            pilot_submit(task=nomination, agency=agency, user=None, now=_at(*when))
    posting_demo_load(province_code=PROVINCE_CODE)
    return directive
