"""Writing staff postings by hand (the importer is `dossiers.importing.posting_rows`). Each write
and its audit entry happen in one transaction."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from agencies.audit import audit_record, snapshot
from agencies.models import Agency, AuditAction, StaffPosting


class PostingError(Exception):
    """A posting that cannot be recorded; the message says why, in Vietnamese."""


def _former_unit_check(*, agency: Agency, former_unit: Agency | None) -> None:
    formers = set(agency.merged_from.values_list("pk", flat=True))
    if formers and former_unit is None:
        raise PostingError(
            _("Đơn vị %(agency)s hình thành từ hợp nhất: cần chọn đơn vị cũ của cán bộ.")
            % {"agency": agency.name}
        )
    if former_unit is not None and former_unit.pk not in formers:
        raise PostingError(
            _("%(unit)s không phải là đơn vị cũ đã hợp nhất vào %(agency)s.")
            % {"unit": former_unit.name, "agency": agency.name}
        )


@transaction.atomic
def posting_create(
    *,
    person_name: str,
    staff_code: str = "",
    agency: Agency,
    former_unit: Agency | None = None,
    start_on: dt.date,
    planned_end_on: dt.date,
    note: str = "",
    user=None,
) -> StaffPosting:
    person_name, staff_code = " ".join(person_name.split()), staff_code.strip()
    if not person_name:
        raise PostingError(_("Thiếu họ và tên."))
    if planned_end_on < start_on:
        raise PostingError(_("Ngày kết thúc dự kiến trước ngày bắt đầu."))
    _former_unit_check(agency=agency, former_unit=former_unit)
    same = (
        StaffPosting.objects.filter(staff_code=staff_code, start_on=start_on)
        if staff_code
        else StaffPosting.objects.filter(
            staff_code="", agency=agency, person_name=person_name, start_on=start_on
        )
    )
    if same.exists():
        raise PostingError(_("Cán bộ này đã có một đợt biệt phái bắt đầu cùng ngày."))
    posting = StaffPosting.objects.create(
        person_name=person_name,
        staff_code=staff_code,
        agency=agency,
        former_unit=former_unit,
        start_on=start_on,
        planned_end_on=planned_end_on,
        note=note.strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit_record(
        actor=user,
        action=AuditAction.POSTING_CREATE,
        subject=posting,
        agency=agency,
        summary=f"Thêm biệt phái {person_name} ({agency.code}) từ {start_on:%d/%m/%Y}",
        after=snapshot(posting),
    )
    return posting


@transaction.atomic
def posting_close(*, posting: StaffPosting, actual_end_on: dt.date, user=None) -> StaffPosting:
    """Record the day the person left the Service Center (or correct it)."""
    posting = StaffPosting.objects.select_for_update().get(pk=posting.pk)
    if actual_end_on < posting.start_on:
        raise PostingError(_("Ngày kết thúc thực tế trước ngày bắt đầu."))
    if posting.actual_end_on == actual_end_on:
        return posting
    before = snapshot(posting)
    posting.actual_end_on = actual_end_on
    posting.save(update_fields=["actual_end_on", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.POSTING_UPDATE,
        subject=posting,
        agency=posting.agency,
        summary=(
            f"Kết thúc biệt phái {posting.person_name} ({posting.agency.code}) "
            f"ngày {actual_end_on:%d/%m/%Y}"
        ),
        before=before,
        after=snapshot(posting),
    )
    return posting
