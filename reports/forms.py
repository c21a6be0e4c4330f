"""Forms of the report pages: the period picker, the target and the scoring-weight editors."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from reports.models import Indicator, TargetLevel
from reports.stored_labels import translated


class IndicatorChoiceField(forms.ModelChoiceField):
    """Indicators by their name in the visitor's language (the stored name is Vietnamese)."""

    def label_from_instance(self, obj: Indicator) -> str:
        return translated(obj.name)


class TargetForm(forms.Form):
    """Set one target: an indicator, a year (empty: every year), a level and a percentage."""

    indicator = IndicatorChoiceField(
        label=_("Chỉ tiêu"),
        queryset=Indicator.objects.all(),
        to_field_name="code",
        empty_label=None,
    )
    year = forms.IntegerField(
        label=_("Năm"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("Để trống: áp dụng cho mọi năm"),
    )
    level = forms.ChoiceField(label=_("Cấp"), choices=TargetLevel.choices, required=False)
    value_percent = forms.DecimalField(
        label=_("Mục tiêu (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(100),
        error_messages={
            "min_value": _("Mục tiêu phải từ 0%% đến 100%%."),
            "max_value": _("Mục tiêu phải từ 0%% đến 100%%."),
            "invalid": _("Nhập một số, ví dụ 30 hoặc 99,5."),
            "max_decimal_places": _("Tối đa hai chữ số thập phân."),
        },
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=255, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value_percent"].localize = True
        self.fields["value_percent"].widget.is_localized = True

    def clean_value_percent(self) -> Decimal:
        return self.cleaned_data["value_percent"]

    @property
    def value(self) -> Decimal:
        """The target as a fraction of 1, as Target stores it."""
        return (self.cleaned_data["value_percent"] / 100).quantize(Decimal("0.0001"))


class ScoringWeightForm(forms.Form):
    """Set one indicator's scoring weight; 0 takes it out of the score."""

    indicator = IndicatorChoiceField(
        label=_("Chỉ tiêu"),
        queryset=Indicator.objects.all(),
        to_field_name="code",
        empty_label=None,
    )
    weight = forms.DecimalField(
        label=_("Trọng số"),
        max_digits=6,
        decimal_places=3,
        min_value=Decimal(0),
        max_value=Decimal(100),
        help_text=_("0: không tính chỉ tiêu này vào điểm"),
        error_messages={
            "min_value": _("Trọng số phải từ 0 đến 100."),
            "max_value": _("Trọng số phải từ 0 đến 100."),
            "invalid": _("Nhập một số, ví dụ 1 hoặc 1,5."),
        },
    )
    note = forms.CharField(label=_("Ghi chú"), max_length=255, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Localised like the target form: "1,5" is read the Vietnamese way.
        self.fields["weight"].localize = True
        self.fields["weight"].widget.is_localized = True
