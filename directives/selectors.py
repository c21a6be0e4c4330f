"""Reads for the directive pages and the deadlines panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, FilteredRelation, Q, QuerySet
from django.utils import timezone

from agencies.models import Agency, Procedure
from directives.deadlines import DeadlineStatus, deadline_status
from directives.models import (
    DirectiveTask,
    PilotNomination,
    PilotSubmission,
    TaskCompletion,
    TaskKind,
)
from dossiers import counting
from dossiers.models import Channel, Dossier
from kpi_portal import clock


def task_assignees(*, task: DirectiveTask) -> QuerySet[Agency]:
    """The agencies a task is assigned to: those of its levels and those it names, among the
    agencies that exist on its due date (a unit formed by a later merger owes nothing)."""
    return (
        Agency.objects.filter(Q(level__in=task.assigned_levels or []) | Q(directive_tasks=task))
        .existing_on(task.due_on)
        .distinct()
    )


def task_is_assigned_to(*, task: DirectiveTask, agency: Agency) -> bool:
    return task_assignees(task=task).filter(pk=agency.pk).exists()


@dataclass
class AssigneeStatus:
    agency: Agency
    status: DeadlineStatus
    done_at: dt.datetime | None


@dataclass
class TaskPanel:
    task: DirectiveTask
    status: DeadlineStatus  # of the task as a whole: done when every assignee is done
    assignees: list[AssigneeStatus] = field(default_factory=list)

    @property
    def not_done(self) -> list[AssigneeStatus]:
        return [a for a in self.assignees if not a.status.is_done]

    @property
    def done_count(self) -> int:
        return len(self.assignees) - len(self.not_done)

    @property
    def late_count(self) -> int:
        return sum(1 for a in self.assignees if a.status.is_late)


def deadlines_panel(
    *, scope: Agency | None = None, now: dt.datetime | None = None
) -> list[TaskPanel]:
    """Every task with an assignee in `scope`'s subtree (every agency when None), each assignee's
    status at `now`. Four queries whatever the number of tasks and agencies."""
    now = now or clock.now()
    tasks = list(
        DirectiveTask.objects.select_related("directive").prefetch_related("assigned_agencies")
    )
    if not tasks:
        return []
    levels = {level for task in tasks for level in task.assigned_levels or []}
    listed = {agency.pk for task in tasks for agency in task.assigned_agencies.all()}
    agencies = Agency.objects.filter(Q(level__in=levels) | Q(pk__in=listed))
    completions = TaskCompletion.objects.filter(task__in=[t.pk for t in tasks])
    if scope is not None:
        agencies = agencies.filter(path__startswith=scope.path)
        completions = completions.filter(agency__path__startswith=scope.path)
    agencies = list(
        agencies.order_by("-level", "sort_order", "path").only(
            "code", "name", "short_name", "level", "path", "sort_order", "valid_from", "valid_to"
        )
    )
    done = {
        (c.task_id, c.agency_id): c.done_at for c in completions.only("task", "agency", "done_at")
    }
    panels = []
    for task in tasks:
        task_listed = {agency.pk for agency in task.assigned_agencies.all()}
        task_levels = set(task.assigned_levels or [])
        rows = [
            AssigneeStatus(
                agency=agency,
                status=deadline_status(
                    due_on=task.due_on, done_at=done.get((task.pk, agency.pk)), now=now
                ),
                done_at=done.get((task.pk, agency.pk)),
            )
            for agency in agencies
            if (agency.level in task_levels or agency.pk in task_listed)
            and agency.exists_on(task.due_on)
        ]
        if not rows:
            continue
        undone = [row for row in rows if not row.status.is_done]
        if undone:
            overall = deadline_status(due_on=task.due_on, done_at=None, now=now)
        else:
            last = max(row.done_at for row in rows)
            overall = deadline_status(due_on=task.due_on, done_at=last, now=now)
        panels.append(TaskPanel(task=task, status=overall, assignees=rows))
    return panels


def pilot_tasks() -> tuple[DirectiveTask | None, DirectiveTask | None]:
    """The latest pilot nomination task and the compilation task of the same directive."""
    nomination = (
        DirectiveTask.objects.filter(kind=TaskKind.PILOT_NOMINATION)
        .select_related("directive")
        .order_by("-due_on", "-pk")
        .first()
    )
    if nomination is None:
        return None, None
    compilation = DirectiveTask.objects.filter(
        directive=nomination.directive, kind=TaskKind.PILOT_COMPILATION
    ).first()
    return nomination, compilation


def pilot_submission(*, task: DirectiveTask, agency: Agency) -> PilotSubmission | None:
    return PilotSubmission.objects.filter(task=task, agency=agency).first()


def twelve_months_before(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    try:
        return local.replace(year=local.year - 1)
    except ValueError:  # 29 February
        return local.replace(year=local.year - 1, day=28)


def pilot_candidates(*, agency: Agency, now: dt.datetime | None = None) -> QuerySet[Procedure]:
    """Procedures eligible for full-process online service, each with the agency's figures over
    the twelve months before `now` (the window W = [now − 12 months, now]):

    - `volume`: dossiers received in W; `online`: of those, submitted online;
    - `handled`: dossiers handled in W (received by its end, not finished before its start);
      `on_time`: of those, judged on time (dossiers.counting, with W as the period).

    One query whatever the number of procedures."""
    now = now or clock.now()
    since = twelve_months_before(now)
    window = counting.Window(since, now, now)
    # The join reads only the agency's dossiers that can be handled in the window (a plain
    # condition: an F() in a FilteredRelation's condition would join the dossiers a second
    # time); the judgement itself filters the counts.
    received = counting.counted_q("recent__") & Q(recent__received_at__gte=since)
    return (
        Procedure.objects.filter(full_process_eligible=True)
        .select_related("domain")
        .annotate(
            recent=FilteredRelation(
                "dossiers",
                condition=Q(dossiers__agency=agency, dossiers__received_at__lt=now)
                & (Q(dossiers__finished_at__isnull=True) | Q(dossiers__finished_at__gte=since)),
            )
        )
        .annotate(
            volume=Count("recent", filter=received),
            online=Count("recent", filter=received & Q(recent__channel=Channel.ONLINE)),
            handled=Count("recent", filter=counting.handled_q(window, prefix="recent__")),
            overdue=Count("recent", filter=counting.overdue_q(window, prefix="recent__")),
            on_time=F("handled") - F("overdue"),
        )
        .order_by("-volume", "code")
    )


@dataclass
class CompiledRow:
    agency: Agency
    procedure: Procedure
    volume: int
    submitted_at: dt.datetime | None
    late: bool


def pilot_compiled(
    *, task: DirectiveTask, now: dt.datetime | None = None, submitted_only: bool = False
) -> list[CompiledRow]:
    """Every agency's nominations for `task`, with the agency's 12-month volume of each procedure
    and when its list was submitted. Three queries."""
    since = twelve_months_before(now or clock.now())
    nominations = list(
        PilotNomination.objects.filter(task=task)
        .select_related("agency", "procedure__domain")
        .order_by("-agency__level", "agency__sort_order", "agency__path", "procedure__code")
    )
    submissions = {s.agency_id: s for s in PilotSubmission.objects.filter(task=task)}
    pairs = {(n.agency_id, n.procedure_id) for n in nominations}
    volumes: dict[tuple[int, int], int] = {}
    if pairs:
        counted = (
            Dossier.objects.filter(
                agency_id__in={a for a, _ in pairs},
                procedure_id__in={p for _, p in pairs},
                received_at__gte=since,
            )
            .values_list("agency_id", "procedure_id")
            .annotate(n=Count("pk"))
        )
        volumes = {(a, p): n for a, p, n in counted}
    rows = []
    for nomination in nominations:
        submission = submissions.get(nomination.agency_id)
        submitted = submission is not None and not submission.is_open
        if submitted_only and not submitted:
            continue
        rows.append(
            CompiledRow(
                agency=nomination.agency,
                procedure=nomination.procedure,
                volume=volumes.get((nomination.agency_id, nomination.procedure_id), 0),
                submitted_at=submission.submitted_at if submitted else None,
                late=submitted and submission.late,
            )
        )
    return rows


@dataclass
class DeadlinesBox:
    """The deadlines panel's context: the tasks, and whether to name who has not done them."""

    panels: list[TaskPanel]
    show_missing: bool


def deadlines_box(
    *, scope: Agency | None, show_missing: bool, now: dt.datetime | None = None
) -> DeadlinesBox:
    return DeadlinesBox(panels=deadlines_panel(scope=scope, now=now), show_missing=show_missing)


def pilot_agency_statuses(
    *, task: DirectiveTask
) -> list[tuple[Agency, PilotSubmission | None, int]]:
    """Each assigned agency with its submission (None when never submitted) and its number of
    nominated procedures. Three queries."""
    agencies = list(task_assignees(task=task).order_by("-level", "sort_order", "path"))
    submissions = {s.agency_id: s for s in PilotSubmission.objects.filter(task=task)}
    counts = dict(
        PilotNomination.objects.filter(task=task)
        .values_list("agency_id")
        .annotate(n=Count("pk"))
        .values_list("agency_id", "n")
    )
    return [(a, submissions.get(a.pk), counts.get(a.pk, 0)) for a in agencies]
