"""The Service Center staff postings page (docs/postings.md).

The province office sees every posting with its flags, adds a posting, records when one ends,
and uploads a file of postings: an import batch of kind "postings" on the one import pipeline,
checked and written at once in the background (unless a dry run; all or nothing when asked).
The page the upload leads to shows the outcome and the rejected rows with row, column and
reason. An agency head sees their own agency's and its sub-units' postings, read-only; Home
Affairs sees every posting, read-only. Another agency named in the filter answers 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.access import membership_for, require_role, sees_every_agency, visible_agencies
from agencies.models import Role, StaffPosting
from agencies.posting_selectors import postings_overview
from agencies.posting_services import PostingError, posting_close, posting_create
from directives.posting_forms import (
    PostingCloseForm,
    PostingCreateForm,
    PostingFilterForm,
    PostingUploadForm,
)
from dossiers import import_selectors, services, uploads
from dossiers.models import ImportBatch, ImportKind
from kpi_portal import clock

READ_ROLES = (Role.PROVINCE_OFFICE, Role.AGENCY_HEAD, Role.HOME_AFFAIRS, Role.ADMINISTRATOR)
WRITE_ROLES = (Role.PROVINCE_OFFICE,)
ERRORS_SHOWN = 100  # rejected rows listed on the page after an upload


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
    batch: ImportBatch | None = None,
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
    }
    if batch is not None:
        context |= _batch_context(batch)
    if writes:
        context |= {
            "upload_form": upload_form or PostingUploadForm(),
            "create_form": create_form or PostingCreateForm(),
            "close_form": PostingCloseForm(),
            "imports": import_selectors.batch_history(kind=ImportKind.POSTINGS, limit=5),
        }
    template = "directives/postings.html"
    if request.htmx and request.htmx.target == "posting-results":
        template += "#results"
    return render(request, template, context, status=status)


@require_GET
@require_role(*READ_ROLES)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _batch_context(batch: ImportBatch) -> dict[str, object]:
    progress = import_selectors.batch_progress(batch)
    return {
        "batch": batch,
        "progress": progress,
        "delayed": import_selectors.batch_delayed(batch),
        "batch_errors": import_selectors.batch_errors(batch, limit=ERRORS_SHOWN),
        "batch_error_count": import_selectors.batch_error_count(batch),
    }


@require_POST
@require_role(*WRITE_ROLES)
@uploads.bounded_upload
def upload(request: HttpRequest) -> HttpResponse:
    form = PostingUploadForm(request.POST, request.FILES)
    if uploads.upload_too_large(request):
        uploads.refuse_too_large(request, form)
        return _page(request, upload_form=form, status=400)
    if not form.is_valid():
        return _page(request, upload_form=form, status=400)
    uploaded = form.cleaned_data["file"]
    batch = services.import_upload_start(
        kind=ImportKind.POSTINGS,
        uploaded_file=uploaded,
        original_name=uploaded.name,
        sheet=form.cleaned_data["sheet"],
        dry_run=form.cleaned_data["dry_run"],
        atomic=form.cleaned_data["atomic"],
        write_at_once=True,
        user=request.user,
    )
    return redirect("postings:import_result", batch_id=batch.pk)


@require_GET
@require_role(*WRITE_ROLES)
def import_result(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The page after an upload: the postings page with the upload's outcome on top; with
    HX-Request (its polling while the file is processed), the outcome card alone."""
    batch = import_selectors.batch_for_kind(batch_id, kind=ImportKind.POSTINGS)
    if batch is None:
        raise Http404("No such import")
    if request.htmx and request.htmx.target == "import-result":
        return render(request, "directives/postings.html#import_result", _batch_context(batch))
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
    batch = import_selectors.batch_for_kind(batch_id, kind=ImportKind.POSTINGS)
    if batch is None or not batch.file:
        raise Http404("No such import")
    response = FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.original_name or f"bietphai-{batch.pk}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
