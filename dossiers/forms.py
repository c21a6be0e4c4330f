"""The upload form of the Imports page."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

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
    """The apology slip's fields for one or several selected dossiers.

    The new date is typed dd/mm/yyyy in a text field: a browser's own date field shows the format
    of the browser's language (mm/dd/yyyy in an English one), not the province's. Its rule (after
    today and after every selected dossier's original due date) is in its help text before
    anything is sent, checked as it is typed (static/js/date-field.js) and again here."""

    reason = forms.CharField(
        label=_("Lý do quá hạn"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    new_due_date = forms.DateField(
        label=_("Ngày hẹn lại"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.TextInput(
            attrs={
                "placeholder": "dd/mm/yyyy",
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": r"\d{1,2}/\d{1,2}/\d{4}",
                "maxlength": 10,
            }
        ),
        error_messages={"invalid": _("Hãy nhập ngày theo dạng ngày/tháng/năm, ví dụ 05/08/2023.")},
    )
    channel = forms.ChoiceField(
        label=_("Hình thức gửi"),
        choices=[(c.value, c.label) for c in ApologyChannel if c.value],
    )
    signer_name = forms.CharField(label=_("Người ký"), max_length=255)
    signer_title = forms.CharField(label=_("Chức vụ người ký"), max_length=255)

    def __init__(self, *args: Any, after: dt.date | None = None, **kwargs: Any) -> None:
        """`after`: the new date must be later than this day (today, or the latest original due
        date of the selected dossiers when that is later)."""
        super().__init__(*args, **kwargs)
        self.after = after
        field = self.fields["new_due_date"]
        if after is not None:
            field.help_text = _(
                "Dạng ngày/tháng/năm. Phải sau ngày %(day)s (sau hôm nay và sau ngày hẹn trả "
                "ban đầu); chỉ được hẹn lại một lần."
            ) % {"day": after.strftime("%d/%m/%Y")}
            field.widget.attrs.update(
                {
                    "data-after": after.isoformat(),
                    "data-after-message": _("Ngày hẹn lại phải sau ngày %(day)s.")
                    % {"day": after.strftime("%d/%m/%Y")},
                    "data-format-message": field.error_messages["invalid"],
                }
            )
        else:
            field.help_text = _("Dạng ngày/tháng/năm. Chỉ được hẹn lại một lần.")

    def clean_new_due_date(self) -> dt.date:
        day: dt.date = self.cleaned_data["new_due_date"]
        if self.after is not None and day <= self.after:
            raise forms.ValidationError(
                _("Ngày hẹn lại phải sau ngày %(day)s."),
                code="too_early",
                params={"day": self.after.strftime("%d/%m/%Y")},
            )
        return day
