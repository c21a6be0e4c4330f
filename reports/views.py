"""Pages of the portal."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from agencies.models import Agency, Domain, Role
from agencies.selectors import membership_for_user
from kpi_portal.access import ALL_AGENCY_ROLES
from kpi_portal.periods import PeriodError, parse_period
from reports.exports import kpi_table_as_dict
from reports.selectors import kpi_table, portal_summary


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = membership_for_user(user=request.user)
    if membership is None and not request.user.is_superuser:
        return render(request, "no_role.html", status=403)
    return render(request, "home.html", {"membership": membership, **portal_summary()})


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
        agency = get_object_or_404(Agency, code=request.GET["agency"])
        if within is not None and not agency.path.startswith(within.path):
            raise Http404
        within = agency
    table = kpi_table(period=period, domain=domain, within=within)
    return JsonResponse(kpi_table_as_dict(table), json_dumps_params={"ensure_ascii": False})
