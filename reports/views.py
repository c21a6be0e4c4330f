"""Pages of the portal: the province overview, an agency's page, the domains page, the targets
page, and the KPI API. One view and one template serve a page and its HTMX swap.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from agencies.access import (
    ALL_AGENCY_ROLES,
    agency_for_user_or_404,
    membership_for,
    require_role,
    sees_every_agency,
    visible_agencies,
)
from agencies.models import Domain, Role
from agencies.selectors import membership_for_user
from directives.selectors import deadlines_box
from dossiers.apologies import apology_counts, apology_may_act
from kpi_portal import clock
from kpi_portal.periods import Period, PeriodError, parse_period
from kpi_portal.query_params import row_id
from reports import overview_cache
from reports.exports import kpi_predecessors_as_dict, kpi_table_as_dict
from reports.forms import TargetForm
from reports.indicators import INDICATOR_CODES
from reports.pages.agency import agency_page_build, overdue_page
from reports.pages.domains import domains_page_build
from reports.pages.overview import overview_build
from reports.pages.targets import targets_overview
from reports.period_params import period_context, period_from_request
from reports.selectors import kpi_predecessors_before, kpi_table
from reports.services import target_set

logger = logging.getLogger(__name__)


@require_GET
@vary_on_headers("HX-Request")
@require_role()
def home(request: HttpRequest) -> HttpResponse:
    """The province overview; an agency head lands on their own agency's page instead.

    The `#content` fragment is cached per process under a key holding the request's choices, the
    language and the data version (reports/overview_cache.py): a request that hits it makes one
    query besides the session, the user, the membership and, on the full page, the deadlines box.
    """
    membership = membership_for(request)
    if not request.user.is_superuser and membership.role not in ALL_AGENCY_ROLES:
        url = reverse("agency_detail", args=[membership.agency.code])
        query = request.GET.urlencode()
        return redirect(f"{url}?{query}" if query else url)
    version = _overview_version()
    if request.GET.get("period", "").strip() or version is None:
        period, error = period_from_request(request)
    else:  # the default period is a query; it only changes with the data (or the day)
        period, error = overview_cache.cached(
            overview_cache.cache_key(
                "default-period",
                request.GET.get("basis", ""),
                get_language(),  # a wrong basis comes back with a message in this language
                clock.today(),
                version,
            ),
            lambda: period_from_request(request),
        )
    sort = request.GET.get("sort")
    sort = sort if sort in INDICATOR_CODES else None
    descending = sort is not None and request.GET.get("dir") == "desc"
    by = "shortfall" if sort is not None and request.GET.get("by") == "shortfall" else "rate"
    key = None
    if error is None and version is not None:
        key = overview_cache.cache_key(
            "content",
            period.code,
            period.basis.value,
            sort or "",
            by,
            "desc" if descending else "asc",
            get_language(),
            "province",  # who sees it: every agency (agency heads were sent away above)
            version,
        )
    content = overview_cache.cached(
        key, lambda: _overview_content(request, period, error, sort, descending, by)
    )
    # A period that cannot be shown: the default one with the reason, answered 400 (issue 15).
    status = 400 if error else 200
    if request.htmx:
        return HttpResponse(content, status=status)
    context = {
        "content": mark_safe(content),  # rendered by the template engine, escaped there
        # The directive's deadlines (directives/selectors.py): four queries, full page only.
        "deadlines": deadlines_box(scope=None, show_missing=True),
        "period": period,
    }
    return render(request, "reports/overview.html", context, status=status)


@require_GET
@require_role()
def ping(request: HttpRequest) -> JsonResponse:
    """The trivial signed-in view: the access check every page makes (session, user and
    membership: three queries), then {"status": "ok"} and nothing about the portal's data.

    bench/bench_pages.py and bench/bench_load.py time it beside the pages: it is the fixed cost
    every signed-in page pays, which /healthz (no session, no database) does not. Deny by
    default like every page: anonymous visitors go to sign in, a user with no role gets 403.
    """
    return JsonResponse({"status": "ok"})


def _overview_version() -> str | None:
    """The overview's data version, or None (no caching) when it cannot be read."""
    try:
        return overview_cache.data_version()
    except DatabaseError:
        # Render without the cache; if the database is really gone, the page's own queries fail
        # as they would have anyway.
        logger.warning("overview data version unavailable; rendering uncached", exc_info=True)
        return None


def _overview_content(
    request: HttpRequest,
    period: Period,
    error: str | None,
    sort: str | None,
    descending: bool,
    by: str,
) -> str:
    overview = overview_build(period=period, sort=sort, descending=descending, by=by)
    context = {"overview": overview, **period_context(period, error)}
    return str(render_to_string("reports/overview.html#content", context, request=request))


@require_GET
@vary_on_headers("HX-Request", "HX-Target")
@require_role()
def agency_detail(request: HttpRequest, code: str) -> HttpResponse:
    agency = agency_for_user_or_404(request, code)
    period, error = period_from_request(request)
    domain_id = row_id(request.GET.get("domain"), what=_("lĩnh vực"))
    unit_code = request.GET.get("unit") or ""
    page_data = None
    if not (request.htmx and request.htmx.target == "overdue"):
        page_data = agency_page_build(agency=agency, period=period)
        subtree = page_data.subtree
    else:
        subtree = list(agency.subtree().order_by("path").only("code", "name", "path", "level"))
    unit = next((a for a in subtree if a.code == unit_code), None) if unit_code else None
    overdue_list, overdue_lines = overdue_page(
        agency=agency,
        period=period,
        page_number=request.GET.get("page"),
        domain_id=domain_id,
        unit=unit,
    )
    context = {
        "agency": agency,
        "page": page_data,
        "overdue_page": overdue_list,
        "overdue_lines": overdue_lines,
        "domains": Domain.objects.order_by("name"),
        "units": [a for a in subtree if a.id != agency.id],
        "selected_domain": domain_id,
        "selected_unit": unit.code if unit else "",
        "filter_query": urlencode(
            {"period": period.code, "basis": period.basis.value}
            | ({"domain": domain_id} if domain_id else {})
            | ({"unit": unit.code} if unit else {})
        ),
        "sees_province": sees_every_agency(request.user),
        "deadlines": None
        if request.htmx
        else deadlines_box(scope=agency, show_missing=sees_every_agency(request.user)),
        # One count query, for those who record apologies (dossiers/apologies.py), and only for
        # the whole page: the HTMX swaps (filters, the overdue list's pages) do not show it, and
        # it reads every open or late dossier of the scope.
        "apology_counts": apology_counts(user=request.user, now=clock.now(), agency=agency)
        if page_data is not None and not request.htmx and apology_may_act(user=request.user)
        else None,
        **period_context(period, error),
    }
    template = "reports/agency.html"
    if request.htmx:
        template += "#overdue" if request.htmx.target == "overdue" else "#content"
    return render(request, template, context, status=400 if error else 200)


@require_GET
@vary_on_headers("HX-Request")
@require_role(Role.PROVINCE_OFFICE, Role.HOME_AFFAIRS, Role.ADMINISTRATOR)
def domains(request: HttpRequest) -> HttpResponse:
    period, error = period_from_request(request)
    context = {
        "domains_page": domains_page_build(period=period),
        **period_context(period, error),
    }
    template = "reports/domains.html#content" if request.htmx else "reports/domains.html"
    return render(request, template, context, status=400 if error else 200)


@require_http_methods(["GET", "POST"])
@require_role(Role.PROVINCE_OFFICE)
def targets(request: HttpRequest) -> HttpResponse:
    status = 200
    if request.method == "POST":
        form = TargetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            target_set(
                indicator=data["indicator"],
                year=data["year"],
                level=data["level"] or "",
                value=form.value,
                user=request.user,
                note=data["note"],
                # From today on: a ranking of a period that has ended keeps its targets.
                valid_from=clock.today(),
            )
            messages.success(request, _("Đã lưu mục tiêu."))
            return redirect("targets")
        status = 400
    else:
        form = TargetForm()
    return render(
        request,
        "reports/targets.html",
        {"form": form, **targets_overview()},
        status=status,
    )


def _query(request: HttpRequest, *, keep: tuple[str, ...]) -> str:
    query = request.GET.copy()
    for key in list(query):
        if key not in keep or not query.get(key):
            del query[key]
    return query.urlencode()


# --- API ----------------------------------------------------------------------------------------


def _json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse(
        {"error": message}, status=status, json_dumps_params={"ensure_ascii": False}
    )


@require_GET
@login_required
def kpis_api(request: HttpRequest) -> JsonResponse:
    """The export_kpis JSON for ?period=&basis=&agency=&domain=, limited to what the user sees.

    Province office, Home Affairs, administrators and superusers see every agency and the level
    groups; an agency head sees their own agency's subtree only (another agency answers 404); a
    user with no role gets 403. With agency=CODE the rows are that agency's subtree.
    """
    membership = membership_for_user(user=request.user)
    sees_all = request.user.is_superuser or (
        membership is not None and membership.role in ALL_AGENCY_ROLES
    )
    if not sees_all and (membership is None or membership.role != Role.AGENCY_HEAD):
        return _json_error(_("Tài khoản chưa được phân quyền xem số liệu."), 403)
    try:
        period = parse_period(request.GET.get("period", ""), request.GET.get("basis") or None)
    except PeriodError as exc:
        return _json_error(str(exc), 400)
    domain = None
    if request.GET.get("domain"):
        domain = Domain.objects.filter(name=request.GET["domain"]).first()
        if domain is None:
            return _json_error(_("Không có lĩnh vực này."), 400)
    within = None if sees_all else membership.agency
    if request.GET.get("agency"):
        # Another agency answers 404 (its own subtree and, for a merged unit, its predecessors'
        # are the head's), whether it exists or not.
        agency = get_object_or_404(visible_agencies(request.user), code=request.GET["agency"])
        within = agency
    table = kpi_table(period=period, domain=domain, within=within)
    data = kpi_table_as_dict(table)
    if within is not None:
        predecessors = kpi_predecessors_before(agency=within, period=period)
        if predecessors:
            data["predecessors"] = kpi_predecessors_as_dict(
                agency=within, predecessors=predecessors, table=table
            )
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})
