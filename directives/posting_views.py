"""The Service Center staff postings page (docs/postings.md).

The province office sees every posting with its flags, uploads a file of postings (checked and
written at once; rejected rows listed with row, column and reason), adds a posting and records
when one ends. An agency head sees their own agency's and its sub-units' postings, read-only;
Home Affairs sees every posting, read-only. Another agency named in the filter answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.access import membership_for, require_role, sees_every_agency, visible_agencies
from agencies.models import PostingImport, Role, StaffPosting
from agencies.posting_selectors import posting_imports_recent, postings_overview
from agencies.posting_services import PostingError, posting_close, posting_create
from directives.posting_forms import (
    PostingCloseForm,
    PostingCreateForm,
    PostingFilterForm,
    PostingUploadForm,
)
from dossiers import web_imports
from dossiers.importing.postings import postings_import
from kpi_portal import clock

READ_ROLES = (Role.PROVINCE_OFFICE, Role.AGENCY_HEAD, Role.HOME_AFFAIRS, Role.ADMINISTRATOR)
WRITE_ROLES = (Role.PROVINCE_OFFICE,)


def _writes(request: HttpRequest) -> bool:
    if request.user.is_superuser:
        return True
    membership = membership_for(request)
    return membership is not None and membership.role in WRITE_ROLES


def _page(
    request: HttpRequest,
    *,
    upload_form: PostingUploadForm | None = None,
    create_form: PostingCreateForm | None = None,
    batch: PostingImport | None = None,
    status: int = 200,
) -> HttpResponse:
    agencies = visible_agencies(request.user).order_by("path")
    filters = PostingFilterForm(
        request.GET or None, agencies=agencies, initial={"on": clock.today()}
    )
    # An agency the user may not see is "no such agency", not an empty list.
    code = request.GET.get("agency", "")
    if code and not agencies.filter(code=code).exists():
        raise Http404("No such agency")
    cleaned = filters.cleaned_data if filters.is_bound and filters.is_valid() else {}
    on = cleaned.get("on") or clock.today()
    scope = None if sees_every_agency(request.user) else membership_for(request).agency
    overview = postings_overview(
        scope=scope, on=on, agency=cleaned.get("agency"), flag=cleaned.get("flag") or ""
    )
    writes = _writes(request)
    context = {
        "filters": filters,
        "overview": overview,
        "writes": writes,
        "scope": scope,
        "batch": batch,
    }
    if writes:
        context |= {
            "upload_form": upload_form or PostingUploadForm(),
            "create_form": create_form or PostingCreateForm(),
            "close_form": PostingCloseForm(),
            "imports": posting_imports_recent(),
        }
    template = "directives/postings.html"
    if request.htmx and request.htmx.target == "posting-results":
        template += "#results"
    return render(request, template, context, status=status)


@require_GET
@require_role(*READ_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@require_role(*WRITE_ROLES)
@web_imports.bounded_upload
def upload(request: HttpRequest) -> HttpResponse:
    form = PostingUploadForm(request.POST, request.FILES)
    if web_imports.upload_too_large(request):
        web_imports.refuse_too_large(request, form)
        return _page(request, upload_form=form, status=400)
    if not form.is_valid():
        return _page(request, upload_form=form, status=400)
    uploaded = form.cleaned_data["file"]
    batch = postings_import(
        uploaded_file=uploaded,
        original_name=uploaded.name,
        sheet=form.cleaned_data["sheet"] or None,
        dry_run=form.cleaned_data["dry_run"],
        user=request.user,
        source="web",
    )
    return _page(request, batch=batch)


@require_POST
@require_role(*WRITE_ROLES)
def create(request: HttpRequest) -> HttpResponse:
    form = PostingCreateForm(request.POST)
    if form.is_valid():
        try:
            posting = posting_create(**form.cleaned_data, user=request.user)
        except PostingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Đã thêm đợt biệt phái của %(name)s.") % {"name": posting.person_name},
            )
            return redirect("postings:index")
    return _page(request, create_form=form, status=400)


@require_POST
@require_role(*WRITE_ROLES)
def close(request: HttpRequest, posting_id: int) -> HttpResponse:
    posting = get_object_or_404(StaffPosting, pk=posting_id)
    form = PostingCloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("actual_end_on", [])))
        return redirect("postings:index")
    try:
        posting_close(
            posting=posting, actual_end_on=form.cleaned_data["actual_end_on"], user=request.user
        )
    except PostingError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Đã ghi ngày kết thúc biệt phái của %(name)s.") % {"name": posting.person_name},
        )
    return redirect("postings:index")


@require_GET
@require_role(*WRITE_ROLES)
def import_original(request: HttpRequest, batch_id: int) -> FileResponse:
    """The file as uploaded, as a download of opaque bytes (as the dossiers' imports page)."""
    batch = get_object_or_404(PostingImport, pk=batch_id)
    response = FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.original_name or f"bietphai-{batch.pk}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
