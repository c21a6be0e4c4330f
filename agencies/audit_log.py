"""Reading the audit log: the filter form, the filtered entries, and each entry's changes.

Writes go through `agencies.audit.audit_record`; this module only reads.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
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
    label: str = ""  # the key as people read it ("Đơn vị", not "agency")

    @property
    def shown_label(self) -> str:
        return self.label or self.key


# What the stored keys mean, for the keys the portal's services write (model fields and the
# import summaries). A key not listed here is named by its model field's verbose name.
KEY_LABELS: dict[str, Any] = {
    "agency": _("Đơn vị"),
    "task": _("Nhiệm vụ"),
    "procedure": _("Thủ tục"),
    "procedures": _("Thủ tục"),
    "nominated_by": _("Người đề xuất"),
    "submitted_at": _("Gửi lúc"),
    "submitted_by": _("Người gửi"),
    "late": _("Gửi muộn"),
    "reopened_at": _("Mở lại lúc"),
    "reopened_by": _("Người mở lại"),
    "dossier": _("Hồ sơ"),
    "issued_at": _("Ngày xin lỗi"),
    "new_due_at": _("Ngày hẹn lại"),
    "reason": _("Lý do"),
    "channel": _("Hình thức gửi"),
    "signer_name": _("Người ký"),
    "signer_title": _("Chức vụ người ký"),
    "source": _("Nguồn"),
    "created_by": _("Người tạo"),
    "file": _("Tệp"),
    "kind": _("Loại dữ liệu"),
    "rows": _("Số dòng"),
    "created": _("Thêm mới"),
    "updated": _("Cập nhật"),
    "unchanged": _("Không đổi"),
    "rejected": _("Bị loại"),
    "indicator": _("Chỉ tiêu"),
    "weight": _("Trọng số"),
    "value": _("Giá trị"),
    "year": _("Năm"),
    "level": _("Cấp"),
    "note": _("Ghi chú"),
    "person_name": _("Họ tên"),
    "start_on": _("Từ ngày"),
    "end_on": _("Đến ngày"),
}
# Internal keys that mean nothing to a reader.
HIDDEN_KEYS = frozenset({"id"})


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


def audit_changes(
    entry: AuditEntry, *, names: Mapping[tuple[type[models.Model], str], str] | None = None
) -> list[Change]:
    """The keys whose value differs between `before` and `after`, in alphabetical order, each
    with both values ready to show ("—" for a value that was not there) and a label people
    read. A new record (no `before`) lists every key it has; a removed one (no `after`) every
    key it had. `names` (from `audit_names`) turns a stored id into the thing's name."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    model = _subject_model(entry.subject_type)
    names = names or {}
    keys = sorted(set(after) | set(before), key=str)  # the database does not keep key order

    def shown(key: str, value: Any) -> str:
        related = _related_model(model, key)
        if related is not None and value not in (None, ""):
            name = names.get((related, str(value)))
            if name:
                return name
        return _display(value)

    return [
        Change(
            key=str(key),
            before=shown(key, before.get(key)),
            after=shown(key, after.get(key)),
            label=_key_label(model, str(key)),
        )
        for key in keys
        if before.get(key) != after.get(key) and key not in HIDDEN_KEYS
    ]


def _subject_model(subject_type: str) -> type[models.Model] | None:
    """The model an entry is about ("dossiers.apology"), found by name in the app registry."""
    try:
        return apps.get_model(subject_type) if "." in subject_type else None
    except (LookupError, ValueError):
        return None


def _related_model(model: type[models.Model] | None, key: str) -> type[models.Model] | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return field.related_model if field.many_to_one or field.one_to_one else None


def _key_label(model: type[models.Model] | None, key: str) -> str:
    if key in KEY_LABELS:
        return str(KEY_LABELS[key])
    if model is not None:
        try:
            label = str(model._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            return key
        if label != key.replace("_", " "):  # a real verbose name, not Django's default
            return label[:1].upper() + label[1:]
    return key


def _name_of(obj: models.Model) -> str:
    full_name = getattr(obj, "get_full_name", None)
    if callable(full_name):
        return full_name() or obj.get_username()
    return str(obj)


def audit_names(entries: list[AuditEntry]) -> dict[tuple[type[models.Model], str], str]:
    """The names of the records a page of entries is about and of the records their changes
    point to (an agency, a procedure, a person): one query per kind of record, whatever the
    number of entries."""
    wanted: dict[type[models.Model], set[str]] = {}
    for entry in entries:
        model = _subject_model(entry.subject_type)
        if model is None:
            continue
        if entry.subject_id:
            wanted.setdefault(model, set()).add(entry.subject_id)
        for values in (entry.before, entry.after):
            if not isinstance(values, dict):
                continue
            for key, value in values.items():
                related = _related_model(model, str(key))
                if related is not None and value not in (None, "") and key not in HIDDEN_KEYS:
                    wanted.setdefault(related, set()).add(str(value))
    names: dict[tuple[type[models.Model], str], str] = {}
    for model, ids in wanted.items():
        # The required foreign keys, which a record's name may read (one query per kind).
        required = [f.name for f in model._meta.concrete_fields if f.many_to_one and not f.null]
        records = model._default_manager.all()
        if required:
            records = records.select_related(*required)
        try:
            found = records.filter(pk__in=ids)
            names.update({(model, str(obj.pk)): _name_of(obj) for obj in found})
        except (ValueError, TypeError, ValidationError):
            # Not this model's keys: some entries store a code (an indicator's) instead.
            if any(field.name == "code" for field in model._meta.get_fields()):
                found = records.filter(code__in=ids)
                names.update({(model, str(obj.code)): _name_of(obj) for obj in found})
    return names


def audit_subject(entry: AuditEntry, *, names: Mapping[tuple[type[models.Model], str], str]) -> str:
    """What the entry is about, as people read it ("Phiếu xin lỗi: hồ sơ H45…"), or "" when the
    kind of record is unknown here."""
    model = _subject_model(entry.subject_type)
    if model is None or not entry.subject_id:
        return ""
    kind = str(model._meta.verbose_name)
    kind = kind[:1].upper() + kind[1:]
    name = names.get((model, entry.subject_id))
    return f"{kind}: {name}" if name else f"{kind} {entry.subject_id}"
