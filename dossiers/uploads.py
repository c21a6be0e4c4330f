"""Receiving an import file on the web, bounded in size before it is stored.

Used by every page that takes an import file (the imports page, the staff postings page): at
most IMPORT_MAX_UPLOAD_BYTES of the file are stored (`BoundedUploadHandler` first among the
upload handlers), and the page says "too large" rather than "choose a file" when it was cut.
"""

from __future__ import annotations

from functools import wraps

from django import forms
from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class BoundedUploadHandler(FileUploadHandler):
    """First of the upload handlers of the import form: stops storing an uploaded file once it
    passes `limit` bytes (the rest of the request is read and dropped, never written to disk)
    and marks the request `import_upload_too_large`, so the page can say why."""

    def __init__(self, limit: int, request=None) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            self.request.import_upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def bounded_upload(view):
    """For a view that receives an import file: at most IMPORT_MAX_UPLOAD_BYTES of the file are
    stored (BoundedUploadHandler first), and the CSRF token is checked only once that handler is
    in place, since the middleware's check would parse the whole upload first. The view then
    calls `refuse_too_large` when the request says the file was cut."""
    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        request.upload_handlers.insert(0, BoundedUploadHandler(limit, request))
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def upload_too_large(request) -> bool:
    return getattr(request, "import_upload_too_large", False)


def refuse_too_large(request, form) -> None:
    """The upload was stopped at the limit: the form's file error says so, rather than "choose
    a file"."""
    form.is_valid()
    form.errors.pop("file", None)
    size = int(request.META.get("CONTENT_LENGTH") or 0)
    form.add_error(
        "file",
        forms.ValidationError(
            gettext("Tệp quá lớn (%(size)s); chỉ nhận tệp tối đa %(limit)s.")
            % {
                "size": filesizeformat(size),
                "limit": filesizeformat(settings.IMPORT_MAX_UPLOAD_BYTES),
            },
            code="too_large",
        ),
    )
