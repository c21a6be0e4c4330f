"""The directive's pages: deadlines, the pilot picker, the compiled list and its export.

An agency head works on their own agency's pilot list only: another agency's list answers 404.
The province office sees every list, reopens a submitted one, exports the compiled list and
marks it submitted. The pilot's results are on their own page for the province office and Home
Affairs (read-only), and on each agency head's own list page. Refusals come back as a message on
the same page; nothing is changed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agencies.access import has_role, membership_for, require_role, sees_every_agency
from agencies.models import Agency, Procedure, Role
from directives import selectors
from directives.exports import pilot_compiled_xlsx
from directives.models import DirectiveTask
from directives.pilot_results import pilot_results
from directives.services import (
    DirectiveError,
    pilot_compilation_submit,
    pilot_nominate,
    pilot_reopen,
    pilot_submit,
    pilot_withdraw,
)
from kpi_portal import clock

PILOT_ROLES = (Role.PROVINCE_OFFICE, Role.AGENCY_HEAD, Role.ADMINISTRATOR)
COMPILING_ROLES = (Role.PROVINCE_OFFICE, Role.ADMINISTRATOR)
RESULT_ROLES = (*PILOT_ROLES, Role.HOME_AFFAIRS)


def _compiles(request: HttpRequest) -> bool:
    if request.user.is_superuser:
        return True
    membership = membership_for(request)
    return membership is not None and membership.role in COMPILING_ROLES


def _nomination_task_or_404() -> tuple[DirectiveTask, DirectiveTask | None]:
    nomination, compilation = selectors.pilot_tasks()
    if nomination is None:
        raise Http404("No pilot task")
    return nomination, compilation


@require_GET
@require_role()
def index(request: HttpRequest) -> HttpResponse:
    if sees_every_agency(request.user):
        box = selectors.deadlines_box(scope=None, show_missing=True)
    else:
        membership = membership_for(request)
        box = selectors.deadlines_box(scope=membership.agency, show_missing=True)
    context = {"deadlines": box, "nominates": has_role(request, *PILOT_ROLES)}
    return render(request, "directives/index.html", context)


@require_GET
@require_role(*PILOT_ROLES)
def pilot(request: HttpRequest) -> HttpResponse:
    """The compiled list for the province office; an agency head goes to their own list."""
    if not _compiles(request):
        return redirect("directives:pilot_agency", membership_for(request).agency.code)
    nomination, compilation = selectors.pilot_tasks()
    context = {"nomination": nomination, "compilation": compilation}
    if nomination is not None:
        context |= {
            "rows": selectors.pilot_compiled(task=nomination, submitted_only=True),
            "statuses": selectors.pilot_agency_statuses(task=nomination),
            "compilation_done": compilation is not None and compilation.completions.exists(),
        }
    return render(request, "directives/pilot_compiled.html", context)


def _pilot_agency(request: HttpRequest, code: str, task: DirectiveTask) -> Agency | None:
    """The agency whose list `code` names: the head's own agency only; any assigned agency for
    the province office. None for anything else (the view answers 404)."""
    if _compiles(request):
        agency = Agency.objects.filter(code=code).first()
    else:
        membership = membership_for(request)
        agency = membership.agency if membership and membership.agency.code == code else None
    if agency is None or not selectors.task_is_assigned_to(task=task, agency=agency):
        return None
    return agency


def _not_your_list(request: HttpRequest) -> HttpResponse:
    """404 with a message that says why, the same whether the list is another agency's or does
    not exist (so nothing is revealed); nothing has changed."""
    return render(request, "directives/pilot_not_found.html", status=404)


@require_http_methods(["GET", "POST"])
@require_role(*PILOT_ROLES)
def pilot_agency(request: HttpRequest, code: str) -> HttpResponse:
    nomination, _compilation = _nomination_task_or_404()
    agency = _pilot_agency(request, code, nomination)
    if agency is None:
        return _not_your_list(request)
    # Only the agency's own head edits its list; the province office looks and may reopen.
    editable_by_user = not _compiles(request) or request.user.is_superuser
    if request.method == "POST":
        if not editable_by_user:
            return _not_your_list(request)
        _pilot_action(request, task=nomination, agency=agency)
        return redirect("directives:pilot_agency", agency.code)
    submission = selectors.pilot_submission(task=nomination, agency=agency)
    nominated = set(
        nomination.nominations.filter(agency=agency).values_list("procedure_id", flat=True)
    )
    now = clock.now()
    candidates = list(selectors.pilot_candidates(agency=agency, now=now))
    results = pilot_results(task=nomination, agency=agency)
    context = {
        # the picker's window: the twelve months before the portal's today
        "window_start": timezone.localdate(selectors.twelve_months_before(now)),
        "window_end": timezone.localdate(now),
        "task": nomination,
        "agency": agency,
        "submission": submission,
        "submitted": submission is not None and not submission.is_open,
        "candidates": candidates,
        "nominated": nominated,
        "nominated_rows": [p for p in candidates if p.pk in nominated],
        "editable_by_user": editable_by_user,
        "compiles": _compiles(request),
        "results": results,
        "result": results.for_agency(agency),
    }
    return render(request, "directives/pilot_agency.html", context)


@require_GET
@require_role(*RESULT_ROLES)
def pilot_results_page(request: HttpRequest) -> HttpResponse:
    """Every agency's pilot result (province office, Home Affairs); a head goes to their list."""
    if not sees_every_agency(request.user):
        return redirect("directives:pilot_agency", membership_for(request).agency.code)
    nomination, _compilation = selectors.pilot_tasks()
    results = pilot_results(task=nomination) if nomination is not None else None
    return render(
        request,
        "directives/pilot_results.html",
        {"nomination": nomination, "results": results, "compiles": _compiles(request)},
    )


def _pilot_action(request: HttpRequest, *, task: DirectiveTask, agency: Agency) -> None:
    action = request.POST.get("action")
    try:
        if action in ("nominate", "withdraw"):
            procedure = Procedure.objects.filter(code=request.POST.get("procedure", "")).first()
            if procedure is None:
                raise DirectiveError(_("Không tìm thấy thủ tục trong danh mục."))
            if action == "nominate":
                pilot_nominate(task=task, agency=agency, procedure=procedure, user=request.user)
                messages.success(request, _("Đã thêm thủ tục %(code)s.") % {"code": procedure.code})
            else:
                pilot_withdraw(task=task, agency=agency, procedure=procedure, user=request.user)
                messages.success(request, _("Đã bỏ thủ tục %(code)s.") % {"code": procedure.code})
        elif action == "submit":
            submission = pilot_submit(task=task, agency=agency, user=request.user)
            if submission.late:
                messages.warning(request, _("Đã gửi danh sách đề xuất (quá hạn)."))
            else:
                messages.success(request, _("Đã gửi danh sách đề xuất."))
        else:
            raise DirectiveError(_("Thao tác không hợp lệ."))
    except DirectiveError as error:
        messages.error(request, str(error))


@require_POST
@require_role(*COMPILING_ROLES)
def pilot_agency_reopen(request: HttpRequest, code: str) -> HttpResponse:
    nomination, _compilation = _nomination_task_or_404()
    agency = _pilot_agency(request, code, nomination)
    if agency is None:
        return _not_your_list(request)
    try:
        pilot_reopen(task=nomination, agency=agency, user=request.user)
        messages.success(request, _("Đã mở lại danh sách của %(name)s.") % {"name": agency.name})
    except DirectiveError as error:
        messages.error(request, str(error))
    return redirect("directives:pilot")


@require_POST
@require_role(*COMPILING_ROLES)
def pilot_compiled_submit(request: HttpRequest) -> HttpResponse:
    _nomination, compilation = _nomination_task_or_404()
    if compilation is None:
        raise Http404("No compilation task")
    membership = membership_for(request)
    assignees = selectors.task_assignees(task=compilation)
    agency = (
        membership.agency
        if membership and membership.agency and assignees.filter(pk=membership.agency.pk).exists()
        else assignees.order_by("path").first()
    )
    if agency is None:
        raise Http404("Nobody is assigned the compilation")
    try:
        pilot_compilation_submit(task=compilation, agency=agency, user=request.user)
        messages.success(request, _("Đã đánh dấu danh sách tổng hợp là đã gửi."))
    except DirectiveError as error:
        messages.error(request, str(error))
    return redirect("directives:pilot")


@require_GET
@require_role(*COMPILING_ROLES)
def pilot_export(request: HttpRequest) -> HttpResponse:
    nomination, _compilation = _nomination_task_or_404()
    now = clock.now()
    rows = selectors.pilot_compiled(task=nomination, submitted_only=True, now=now)
    window = (timezone.localdate(selectors.twelve_months_before(now)), timezone.localdate(now))
    response = HttpResponse(
        pilot_compiled_xlsx(task=nomination, rows=rows, window=window),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    stamp = clock.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="de-xuat-thi-diem-{stamp}.xlsx"'
    return response
