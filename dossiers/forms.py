"""The upload form of the Imports page."""

from __future__ import annotations

from pathlib import Path

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from dossiers.models import ApologyChannel, ImportKind

ACCEPTED_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json")


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Loại dữ liệu"),
        choices=[
            (ImportKind.DOSSIERS, _("Hồ sơ")),
            (ImportKind.AGENCIES, _("Đơn vị")),
            (ImportKind.PROCEDURES, _("Thủ tục hành chính")),
        ],
        initial=ImportKind.DOSSIERS,
    )
    file = forms.FileField(
        label=_("Tệp CSV hoặc Excel (.xlsx), hoặc JSON"),
        error_messages={
            "required": _("Hãy chọn một tệp để tải lên."),
            "empty": _("Tệp tải lên trống."),
        },
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ACCEPTED_SUFFIXES)}),
    )
    sheet = forms.CharField(
        label=_("Trang tính (chỉ với tệp Excel, bỏ trống để lấy trang đầu)"),
        required=False,
        max_length=255,
    )

    def clean_file(self) -> UploadedFile:
        uploaded: UploadedFile = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        if uploaded.size is not None and uploaded.size > limit:
            raise forms.ValidationError(
                _("Tệp quá lớn (%(size)s); chỉ nhận tệp tối đa %(limit)s."),
                code="too_large",
                params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
            )
        if Path(uploaded.name or "").suffix.lower() not in ACCEPTED_SUFFIXES:
            raise forms.ValidationError(
                _("Chỉ nhận tệp CSV (.csv) hoặc Excel (.xlsx), hoặc JSON (.json)."),
                code="file_type",
            )
        return uploaded


class ApologyForm(forms.Form):
    """The apology slip's fields for one or several selected dossiers."""

    reason = forms.CharField(
        label=_("Lý do quá hạn"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    new_due_date = forms.DateField(
        label=_("Ngày hẹn lại"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Chỉ được hẹn lại một lần, sau ngày hẹn trả ban đầu."),
    )
    channel = forms.ChoiceField(
        label=_("Hình thức gửi"),
        choices=[(c.value, c.label) for c in ApologyChannel if c.value],
    )
    signer_name = forms.CharField(label=_("Người ký"), max_length=255)
    signer_title = forms.CharField(label=_("Chức vụ người ký"), max_length=255)
