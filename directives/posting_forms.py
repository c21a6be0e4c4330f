"""The forms of the staff postings page: filters, upload, a new posting, closing one."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AgencyLevel
from agencies.posting_selectors import FLAG_LABELS, UNSTAFFED
from dossiers.forms import ImportUploadForm

DATE_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATE_HINT = _("dd/mm/yyyy")


def _date_field(label, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(
            format="%d/%m/%Y", attrs={"placeholder": DATE_HINT, "inputmode": "numeric"}
        ),
        error_messages={"invalid": _("Ngày không hợp lệ: dùng dạng dd/mm/yyyy.")},
    )


class PostingFilterForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=_("Đơn vị"),
        queryset=Agency.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("Tất cả"),
    )
    flag = forms.ChoiceField(label=_("Cảnh báo"), required=False)
    on = _date_field(_("Ngày xem"), required=False)

    def __init__(self, *args, agencies=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies if agencies is not None else Agency.objects.none()
        self.fields["flag"].choices = [
            ("", _("Tất cả")),
            *((code.value, label) for code, label in FLAG_LABELS.items()),
            (UNSTAFFED, _("Đơn vị không có người biệt phái")),
        ]


class PostingUploadForm(ImportUploadForm):
    kind = None  # one kind only: postings
    dry_run = forms.BooleanField(
        label=_("Chỉ kiểm tra, không ghi dữ liệu"), required=False, initial=False
    )
    atomic = forms.BooleanField(
        label=_("Tất cả hoặc không: có một dòng lỗi thì không nhập dòng nào"),
        required=False,
        initial=False,
    )


def _posting_agencies():
    return Agency.objects.filter(level__in=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT])


class PostingCreateForm(forms.Form):
    person_name = forms.CharField(label=_("Họ và tên"), max_length=255)
    staff_code = forms.CharField(label=_("Mã cán bộ"), max_length=32, required=False)
    agency = forms.ModelChoiceField(
        label=_("Đơn vị cử"),
        queryset=Agency.objects.none(),
        to_field_name="code",
        empty_label=_("— Chọn đơn vị —"),
    )
    former_unit = forms.ModelChoiceField(
        label=_("Đơn vị cũ (trước hợp nhất)"),
        queryset=Agency.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("— Không có —"),
        help_text=_("Chỉ với đơn vị hình thành từ hợp nhất."),
    )
    start_on = _date_field(_("Ngày bắt đầu"))
    planned_end_on = _date_field(_("Ngày kết thúc dự kiến"))
    note = forms.CharField(label=_("Ghi chú"), required=False, widget=forms.Textarea({"rows": 2}))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _posting_agencies().order_by("path")
        self.fields["former_unit"].queryset = Agency.objects.filter(
            merged_into__isnull=False
        ).distinct()

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start_on"), data.get("planned_end_on")
        if start and end and end < start:
            self.add_error("planned_end_on", _("Ngày kết thúc dự kiến trước ngày bắt đầu."))
        return data


class PostingCloseForm(forms.Form):
    actual_end_on = _date_field(_("Ngày kết thúc thực tế"))
