"""The apology pages (agency heads for their own subtree, the province office for every agency):
the work list, the slip form for one or several dossiers, the outcome, and the slips as PDF or
DOCX (one, or a ZIP for a selection).

Home Affairs, administrators without superuser rights and users with no role get 403 pages;
another agency's dossier answers 404.
"""

from __future__ import annotations

from urllib.parse import urlencode
from uuid import UUID

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from agencies.access import require_role
from agencies.models import Domain, Role
from dossiers import apologies, slip_bundles
from dossiers import apology_slip as slips
from dossiers.forms import ApologyForm
from dossiers.models import Dossier
from kpi_portal import clock
from kpi_portal.local_days import end_of_local_day
from kpi_portal.query_params import row_id

apology_access = require_role(Role.AGENCY_HEAD, Role.PROVINCE_OFFICE)
WORK_PAGE_SIZE = 50


def _dossiers_or_404(request: HttpRequest, codes: list[str]) -> list[Dossier]:
    """Every requested dossier, or 404 when one is missing or outside the user's scope."""
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes:
        raise Http404("No dossier selected")
    dossiers = list(
        apologies.apology_dossiers_for_user(user=request.user, codes=codes).order_by("due_at", "id")
    )
    if len(dossiers) != len(codes):
        raise Http404("No such dossier")
    return dossiers


@require_GET
@vary_on_headers("HX-Request")
@apology_access
def apology_list(request: HttpRequest) -> HttpResponse:
    domain_id = row_id(request.GET.get("domain"), what=_("lĩnh vực"))
    units = list(
        apologies.apology_acting_agencies(user=request.user)
        .order_by("path")
        .only("code", "name", "path", "level")
    )
    unit_code = request.GET.get("unit") or ""
    unit = next((a for a in units if a.code == unit_code), None) if unit_code else None
    now = clock.now()
    counts = apologies.apology_counts(user=request.user, now=now, agency=unit, domain_id=domain_id)
    # The overdue list in pages of 50, so the action stays within reach; the counts are whole.
    pages = Paginator(range(counts.overdue), WORK_PAGE_SIZE, allow_empty_first_page=True)
    page = pages.get_page(request.GET.get("page"))
    work = apologies.apology_work_list(
        user=request.user,
        now=now,
        domain_id=domain_id,
        unit=unit,
        limit=WORK_PAGE_SIZE,
        overdue_offset=page.start_index() - 1 if counts.overdue else 0,
    )
    filters = {"domain": domain_id or "", "unit": unit.code if unit else ""}
    context = {
        "work": work,
        "counts": counts,
        "page": page,
        "filter_query": urlencode({k: v for k, v in filters.items() if v}),
        "domains": Domain.objects.order_by("name"),
        "units": units,
        "selected_domain": domain_id,
        "selected_unit": unit.code if unit else "",
    }
    template = "dossiers/apology_list.html"
    if request.htmx:
        template += "#lists"
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
@apology_access
def apology_new(request: HttpRequest) -> HttpResponse:
    source = request.POST if request.method == "POST" else request.GET
    dossiers = _dossiers_or_404(request, source.getlist("dossier"))
    # The new date must come after today and after every original due date (told on the form).
    after = max([clock.today(), *(timezone.localdate(d.due_at) for d in dossiers)])
    if request.method == "POST":
        form = ApologyForm(request.POST, after=after)
        if form.is_valid():
            data = form.cleaned_data
            outcomes = apologies.apology_record(
                user=request.user,
                dossier_ids=[d.id for d in dossiers],
                reason=data["reason"],
                new_due_at=end_of_local_day(data["new_due_date"]),
                channel=data["channel"],
                signer_name=data["signer_name"],
                signer_title=data["signer_title"],
                now=clock.now(),
            )
            recorded = [o.code for o in outcomes if o.recorded]
            context = {
                "outcomes": outcomes,
                "recorded_count": len(recorded),
                "refused_count": len(outcomes) - len(recorded),
                "recorded_codes": recorded,
                "recorded_query": urlencode([("dossier", code) for code in recorded]),
                "slips_sync_limit": slip_bundles.SYNC_LIMIT,
            }
            return render(request, "dossiers/apology_result.html", context)
        status = 400
    else:
        membership = getattr(request.user, "membership", None)
        form = ApologyForm(
            initial={
                "signer_name": request.user.get_full_name(),
                "signer_title": getattr(membership, "title", ""),
            },
            after=after,
        )
        status = 200
    context = {"form": form, "dossiers": dossiers}
    return render(request, "dossiers/apology_form.html", context, status=status)


def _slip_format(value: str | None) -> str:
    return value if value in slips.FORMATS else "pdf"


@require_GET
@apology_access
def apology_slip_file(request: HttpRequest, code: str, fmt: str = "pdf") -> HttpResponse:
    """One dossier's slip, as a PDF (shown in the browser) or a DOCX (downloaded)."""
    (dossier,) = _dossiers_or_404(request, [code])
    if getattr(dossier, "apology", None) is None:
        raise Http404("No apology for this dossier")
    fmt = _slip_format(fmt)
    response = HttpResponse(
        slips.apology_slip(dossier=dossier, fmt=fmt), content_type=slips.CONTENT_TYPES[fmt]
    )
    disposition = "inline" if fmt == "pdf" else "attachment"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{slips.slip_file_name(dossier, fmt)}"'
    )
    return response


@require_GET
@apology_access
def apology_slips_zip(request: HttpRequest) -> HttpResponse:
    """The slips of a selection in one ZIP (?format=docx for Word files; PDF by default).

    Up to `slip_bundles.SYNC_LIMIT` slips are built here; for more, a page offers to build them
    in the background (a GET changes nothing: the page's button posts to `apology_slips_start`).
    """
    dossiers = _dossiers_or_404(request, request.GET.getlist("dossier"))
    fmt = _slip_format(request.GET.get("format"))
    if len(dossiers) > slip_bundles.SYNC_LIMIT:
        context = {"codes": [d.code for d in dossiers], "fmt": fmt, "count": len(dossiers)}
        return render(request, "dossiers/apology_slips_start.html", context)
    response = HttpResponse(
        slips.apology_slips_zip(dossiers=dossiers, fmt=fmt), content_type="application/zip"
    )
    name = "phieu-xin-loi.zip" if fmt == "pdf" else "phieu-xin-loi-docx.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_POST
@apology_access
def apology_slips_start(request: HttpRequest) -> HttpResponse:
    """Ask for the slips of many dossiers as a ZIP built in the background; go to its page."""
    dossiers = _dossiers_or_404(request, request.POST.getlist("dossier"))
    bundle = slip_bundles.slip_bundle_start(
        user=request.user, dossiers=dossiers, fmt=_slip_format(request.POST.get("format"))
    )
    return redirect("apologies:slips_bundle", bundle_id=bundle.pk)


@require_GET
@vary_on_headers("HX-Request")
@apology_access
def apology_slips_bundle(request: HttpRequest, bundle_id: UUID) -> HttpResponse:
    """The bundle's progress (polled by HTMX while it is built) and, when done, the download."""
    bundle = slip_bundles.slip_bundle_for_user(user=request.user, bundle_id=bundle_id)
    if bundle is None:
        raise Http404("No such bundle")
    context = {"bundle": bundle, "delayed": slip_bundles.slip_bundle_delayed(bundle)}
    template = "dossiers/apology_slips_bundle.html"
    return render(request, template + "#progress" if request.htmx else template, context)


@require_GET
@apology_access
def apology_slips_bundle_file(request: HttpRequest, bundle_id: UUID) -> FileResponse:
    bundle = slip_bundles.slip_bundle_for_user(user=request.user, bundle_id=bundle_id)
    if bundle is None or bundle.status != "done" or not bundle.file:
        raise Http404("No such file")
    name = "phieu-xin-loi.zip" if bundle.fmt == "pdf" else "phieu-xin-loi-docx.zip"
    return FileResponse(
        bundle.file.open("rb"), as_attachment=True, filename=name, content_type="application/zip"
    )
