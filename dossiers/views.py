"""The Imports pages (province office and superusers): upload, progress and preview, confirm,
error rows, history. Other roles get the no-permission page (403), see docs/decisions.md, Access.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from agencies.access import require_role
from agencies.models import Agency, Role
from dossiers import import_selectors as selectors
from dossiers import name_mapping, services, uploads
from dossiers.forms import ImportUploadForm
from dossiers.models import ImportBatch, ImportStatus

imports_access = require_role(Role.PROVINCE_OFFICE)

# Shown when the queue (Redis) does not answer: the file is kept and will be processed later.
DELAYED_UPLOAD = gettext_lazy(
    "Tệp đã được lưu, nhưng việc kiểm tra đang bị chậm vì hệ thống xử lý nền tạm thời không "
    "hoạt động. Tệp sẽ được kiểm tra tự động khi hệ thống hoạt động trở lại; không cần tải lên "
    "lại."
)
DELAYED_APPLY = gettext_lazy(
    "Đã ghi nhận xác nhận, nhưng việc ghi dữ liệu đang bị chậm vì hệ thống xử lý nền tạm thời "
    "không hoạt động. Dữ liệu sẽ được ghi tự động khi hệ thống hoạt động trở lại."
)


def _batch_or_404(batch_id: int) -> ImportBatch:
    return get_object_or_404(ImportBatch.objects.select_related("uploaded_by"), pk=batch_id)


@require_http_methods(["GET", "POST"])
@imports_access
@uploads.bounded_upload
def import_index(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if uploads.upload_too_large(request):
            uploads.refuse_too_large(request, form)
        elif form.is_valid():
            uploaded = form.cleaned_data["file"]
            batch = services.import_upload_start(
                kind=form.cleaned_data["kind"],
                uploaded_file=uploaded,
                original_name=uploaded.name,
                sheet=form.cleaned_data["sheet"],
                user=request.user,
            )
            if batch.enqueue_failed_at is not None:
                messages.warning(request, DELAYED_UPLOAD)
            return redirect("imports:detail", batch_id=batch.pk)
        status = 400
    else:
        form = ImportUploadForm()
        status = 200
    context = {"form": form, "batches": selectors.batch_history()}
    return render(request, "dossiers/import_index.html", context, status=status)


@require_GET
@vary_on_headers("HX-Request")
@imports_access
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(batch_id)
    template = "dossiers/import_detail.html"
    if request.htmx:
        template += "#status"
    return render(request, template, _detail_context(batch))


def _detail_context(batch: ImportBatch) -> dict[str, object]:
    progress = selectors.batch_progress(batch)
    context: dict[str, object] = {
        "batch": batch,
        "progress": progress,
        "delayed": selectors.batch_delayed(batch),
    }
    if progress.done:
        unresolved = name_mapping.batch_unresolved_names(batch)
        context |= {
            "unresolved": unresolved,
            "agencies": Agency.objects.order_by("path").only("pk", "code", "name", "path")
            if any(c.unresolved.kind == "agency" for c in unresolved)
            else [],
            "errors": selectors.batch_errors(batch),
            "error_count": selectors.batch_error_count(batch),
            "warning_count": selectors.batch_warning_count(batch),
            "error_limit": selectors.PREVIEW_ERROR_LIMIT,
            "can_confirm": batch.status == ImportStatus.VALIDATED and not batch.dry_run,
        }
    return context


@require_POST
@imports_access
def import_confirm(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(batch_id)
    if not services.import_batch_confirm(batch_id=batch.pk):
        batch.refresh_from_db()
        context = _detail_context(batch)
        context["confirm_refused"] = _(
            "Lần nhập này không còn chờ xác nhận nên không ghi lại được."
        )
        return render(request, "dossiers/import_detail.html", context, status=409)
    batch.refresh_from_db()
    if batch.enqueue_failed_at is not None:
        messages.warning(request, DELAYED_APPLY)
    return redirect("imports:detail", batch_id=batch.pk)


@require_POST
@imports_access
def import_map(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The mapping step: the office's agency (procedure) for each unresolved name of the batch,
    remembered for every later file; the batch is then checked again."""
    batch = _batch_or_404(batch_id)
    chosen = {key: value for key, value in request.POST.items() if key.startswith("name-")}
    try:
        mapped = name_mapping.import_names_map(batch=batch, chosen=chosen, user=request.user)
    except name_mapping.NameMappingError as exc:
        batch.refresh_from_db()
        context = _detail_context(batch)
        context["mapping_refused"] = str(exc)
        status = 400 if batch.status == ImportStatus.VALIDATED else 409
        return render(request, "dossiers/import_detail.html", context, status=status)
    messages.success(
        request,
        ngettext(
            "Đã ghi nhớ cách gán %(count)d tên; tệp đang được kiểm tra lại.",
            "Đã ghi nhớ cách gán %(count)d tên; tệp đang được kiểm tra lại.",
            mapped,
        )
        % {"count": mapped},
    )
    return redirect("imports:detail", batch_id=batch.pk)


@require_GET
@imports_access
def import_errors_csv(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = _batch_or_404(batch_id)
    response = HttpResponse(
        selectors.batch_errors_csv(batch=batch), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="loi-nhap-{batch.pk}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
@imports_access
def import_original(request: HttpRequest, batch_id: int) -> FileResponse:
    """The file as uploaded, always as a download of opaque bytes: never rendered by the browser
    (it is the uploader's content, and could be HTML under a .csv name)."""
    batch = _batch_or_404(batch_id)
    if not batch.file:
        raise Http404  # a refused oversized file is not kept
    response = FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=batch.original_name or f"nhap-{batch.pk}",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
