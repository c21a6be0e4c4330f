"""The full-process online pilot's results (domain.md section 6; decisions in docs/pilot.md).

For a nomination task whose pilot starts on day D and a moment T ("as of"):

- a nominated procedure's **denominator** is the agency's own dossiers of that procedure received
  from D 00:00 to T that count (not never-received, status 1 or 3; not withdrawn or stopped, 7
  or 8, which end without any result) and whose channel is known (a list export gives none);
  its **numerator**, those of them submitted online and returned by T (`channel = truc_tuyen`,
  `finished_at ≤ T`) and, where the procedure's result is a paper document, returned with an
  electronic result (`e_result`): the national rule for online dossiers (issue 12, item 7;
  docs/pilot.md). A paper-result dossier whose e-result is unknown counts in neither;
- an agency's **pilot result** is Σnum / Σden over the procedures of its submitted list (never an
  average of rates); undefined (None, "no data") without a submitted list, before D, or when no
  dossier was received;
- the agency is marked for **priority** when its result is at least the task's threshold
  (`DirectiveTask.pilot_priority_threshold`, 50% by default); None when the result is undefined.

Only submitted lists count (a draft or a reopened list not yet sent again is not part of the
pilot). Four queries whatever the number of agencies and procedures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from agencies.models import Agency, Procedure
from directives.deadlines import LOCAL
from directives.models import DirectiveTask, PilotNomination, PilotSubmission
from directives.selectors import pilot_tasks, task_assignees
from dossiers.counting import counted_q
from dossiers.models import ENDED_WITHOUT_RESULT_STATUSES, Channel, Dossier
from kpi_portal import clock


def _returned_online(as_of: dt.datetime) -> Q:
    """Submitted online and returned by `as_of`; with an electronic result where the procedure's
    result is a paper document."""
    return Q(channel=Channel.ONLINE, finished_at__lte=as_of) & (
        Q(procedure__paper_result=False) | Q(e_result=True)
    )


@dataclass(frozen=True)
class PilotProcedureResult:
    procedure: Procedure
    received: int  # denominator: dossiers received since the start
    online_e_result: int  # numerator: submitted online and returned with an electronic result

    @property
    def rate(self) -> float | None:
        return self.online_e_result / self.received if self.received else None


@dataclass
class PilotAgencyResult:
    agency: Agency
    threshold: Decimal
    submitted: bool = False
    started: bool = False
    procedures: list[PilotProcedureResult] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(p.received for p in self.procedures)

    @property
    def online_e_result(self) -> int:
        return sum(p.online_e_result for p in self.procedures)

    @property
    def rate(self) -> float | None:
        """Σnum / Σden over the nominated procedures; None without data."""
        if not self.started or not self.received:
            return None
        return self.online_e_result / self.received

    @property
    def priority(self) -> bool | None:
        """Marked for priority: result ≥ threshold, compared exactly; None without data."""
        if self.rate is None:
            return None
        return Decimal(self.online_e_result) >= self.threshold * self.received


@dataclass
class PilotResults:
    task: DirectiveTask
    as_of: dt.datetime
    agencies: list[PilotAgencyResult]

    @property
    def starts_on(self) -> dt.date | None:
        return self.task.pilot_starts_on

    @property
    def threshold(self) -> Decimal:
        return self.task.pilot_priority_threshold

    @property
    def started(self) -> bool:
        return pilot_start(self.task) is not None and pilot_start(self.task) <= self.as_of

    @property
    def received(self) -> int:
        return sum(a.received for a in self.agencies)

    @property
    def online_e_result(self) -> int:
        return sum(a.online_e_result for a in self.agencies)

    def for_agency(self, agency: Agency) -> PilotAgencyResult | None:
        return next((a for a in self.agencies if a.agency.pk == agency.pk), None)


def pilot_start(task: DirectiveTask) -> dt.datetime | None:
    """The first moment of the pilot: its start day at 00:00 local time."""
    if task.pilot_starts_on is None:
        return None
    return dt.datetime.combine(task.pilot_starts_on, dt.time(0, 0), tzinfo=LOCAL)


def pilot_results(
    *,
    task: DirectiveTask,
    as_of: dt.datetime | None = None,
    agency: Agency | None = None,
) -> PilotResults:
    """Every agency assigned `task` (only `agency` when given), with its pilot result at
    `as_of` (now by default)."""
    as_of = as_of or clock.now()
    start = pilot_start(task)
    started = start is not None and start <= as_of
    assignees = task_assignees(task=task)
    if agency is not None:
        assignees = assignees.filter(pk=agency.pk)
    agencies = list(assignees.order_by("-level", "sort_order", "path"))
    submitted = {
        s.agency_id
        for s in PilotSubmission.objects.filter(task=task, agency__in=[a.pk for a in agencies])
        if not s.is_open
    }
    nominations = list(
        PilotNomination.objects.filter(task=task, agency_id__in=submitted)
        .select_related("procedure__domain")
        .order_by("procedure__code")
    )
    counts: dict[tuple[int, int], tuple[int, int]] = {}
    if started and nominations:
        rows = (
            Dossier.objects.filter(
                counted_q(),
                agency_id__in={n.agency_id for n in nominations},
                procedure_id__in={n.procedure_id for n in nominations},
                received_at__gte=start,
                received_at__lte=as_of,
                channel__isnull=False,
            )
            .exclude(status__in=ENDED_WITHOUT_RESULT_STATUSES)
            .exclude(procedure__paper_result=True, e_result__isnull=True)
            .values_list("agency_id", "procedure_id")
            .annotate(
                received=Count("pk"),
                online_e_result=Count("pk", filter=_returned_online(as_of)),
            )
        )
        counts = {(a, p): (den, num) for a, p, den, num in rows}
    results = {
        a.pk: PilotAgencyResult(
            agency=a,
            threshold=task.pilot_priority_threshold,
            submitted=a.pk in submitted,
            started=started,
        )
        for a in agencies
    }
    for nomination in nominations:
        den, num = counts.get((nomination.agency_id, nomination.procedure_id), (0, 0))
        results[nomination.agency_id].procedures.append(
            PilotProcedureResult(procedure=nomination.procedure, received=den, online_e_result=num)
        )
    return PilotResults(task=task, as_of=as_of, agencies=list(results.values()))


def pilot_priorities(*, as_of: dt.datetime) -> dict[str, bool | None]:
    """Each agency's pilot priority (by code) at `as_of`, for the latest pilot; empty (so every
    agency has no data) when there is no pilot. Used by the Home Affairs ranking."""
    task, _compilation = pilot_tasks()
    if task is None:
        return {}
    return {r.agency.code: r.priority for r in pilot_results(task=task, as_of=as_of).agencies}
