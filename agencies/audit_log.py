"""Reading the audit log: the filter form, the filtered entries, and each entry's changes.

Writes go through `agencies.audit.audit_record`; this module only reads.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency, AuditAction, AuditEntry
from kpi_portal.formatting import format_number
from kpi_portal.local_days import after_local_day, local_midnight

PAGE_SIZE = 50
DATE_INPUTS = ["%d/%m/%Y", "%Y-%m-%d"]


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(
        label=_("Thao tác"), required=False, choices=[("", _("Tất cả")), *AuditAction.choices]
    )
    user = forms.CharField(label=_("Người thực hiện (tài khoản)"), required=False, max_length=150)
    agency = forms.ModelChoiceField(
        label=_("Đơn vị"),
        required=False,
        queryset=Agency.objects.order_by("path"),
        to_field_name="code",
        empty_label=_("Tất cả"),
    )
    date_from = forms.DateField(
        label=_("Từ ngày"),
        required=False,
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )
    date_to = forms.DateField(
        label=_("Đến ngày"),
        required=False,
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}, format="%d/%m/%Y"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("“Từ ngày” phải trước hoặc bằng “Đến ngày”."))
        return data


def audit_entries_filtered(
    *,
    action: str = "",
    username: str = "",
    agency: Agency | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> QuerySet[AuditEntry]:
    """Entries newest first. Dates are whole days in the portal's time zone, both ends included.
    `username` matches the account name exactly (case-insensitive), also after the account is
    gone; `agency` matches entries about that agency only (not its sub-units)."""
    entries = AuditEntry.objects.select_related("agency", "actor")
    if action:
        entries = entries.filter(action=action)
    if username:
        entries = entries.filter(actor_username__iexact=username.strip())
    if agency is not None:
        entries = entries.filter(agency=agency)
    if date_from:
        entries = entries.filter(at__gte=local_midnight(date_from))
    if date_to:
        entries = entries.filter(at__lt=after_local_day(date_to))
    return entries.order_by("-at", "-pk")


def audit_usernames() -> list[str]:
    """Account names that appear in the log, for the filter's suggestions."""
    # order_by() replaces the model's ordering (at, id), which would defeat the DISTINCT.
    logged = AuditEntry.objects.exclude(actor_username="").values_list("actor_username", flat=True)
    return list(logged.order_by("actor_username").distinct())


@dataclass(frozen=True)
class Change:
    key: str
    before: str
    after: str


def _display(value: Any) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return str(_("Có") if value else _("Không"))
    if isinstance(value, int):
        return format_number(value)
    if isinstance(value, float | Decimal):
        return format(value, "g").replace(".", ",")  # 0.95 → 0,95; 2.0 → 2
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return _display_date(str(value))


def _display_date(text: str) -> str:
    """Dates and moments are stored as ISO text (DjangoJSONEncoder): shown as 02/03/2026 and
    02/03/2026 09:30 (local time). Any other text is shown as it is."""
    if len(text) == 10:
        try:
            return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
        except ValueError:
            return text
    if len(text) > 10 and text[10] == "T":
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if timezone.is_aware(moment):
            moment = timezone.localtime(moment)
        return moment.strftime("%d/%m/%Y %H:%M")
    return text


def audit_changes(entry: AuditEntry) -> list[Change]:
    """The keys whose value differs between `before` and `after`, in alphabetical order, each
    with both values ready to show ("—" for a value that was not there). A new record (no
    `before`) lists every key it has; a removed one (no `after`) every key it had."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    keys = sorted(set(after) | set(before), key=str)  # the database does not keep key order
    return [
        Change(key=str(key), before=_display(before.get(key)), after=_display(after.get(key)))
        for key in keys
        if before.get(key) != after.get(key)
    ]
