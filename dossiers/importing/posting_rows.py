"""Importing the Service Center staff postings (docs/postings.md, "Import").

The file goes the one import pipeline (`dossiers.importing.pipeline`, `dossiers.services`): a
batch of kind "postings", read, header-matched and checked like any other kind, with dry-run,
all-or-nothing and the resume sweep. This module holds the kind's columns, its row rules
(vectorised checks: dates dd/mm/yyyy, ISO or Excel date cells) and how accepted rows are written.

A posting is found again by (staff code, start date) when the row gives a staff code, else by
(home agency, name, start date); an unchanged row is not rewritten, so re-importing a file changes
nothing. An optional column absent from the file leaves the stored value alone; present but
empty, it clears it (an empty "Ngày kết thúc thực tế" means the person is still serving).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from agencies.models import Agency, AuditAction, StaffPosting
from dossiers.importing.base import Importer, Progress
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.headers import Column
from dossiers.importing.outcome import Counts
from dossiers.importing.parsing import parse_datetimes, unreadable
from dossiers.importing.reading import ROW

POSTING_COLUMNS = (
    Column("person_name", "Họ và tên", "ho_va_ten", required=True),
    Column("staff_code", "Mã cán bộ", "ma_can_bo"),
    Column("agency_code", "Mã đơn vị", "ma_don_vi", required=True),
    Column("former_unit_code", "Đơn vị cũ (trước hợp nhất)", "ma_don_vi_cu"),
    Column("start", "Ngày bắt đầu", "ngay_bat_dau", required=True),
    Column("planned_end", "Ngày kết thúc dự kiến", "ngay_ket_thuc_du_kien", required=True),
    Column("actual_end", "Ngày kết thúc thực tế", "ngay_ket_thuc_thuc_te"),
    Column("note", "Ghi chú", "ghi_chu"),
)
# Optional columns whose absence from the file keeps the stored value.
_OPTIONAL = {"former_unit_code": "former_unit_id", "actual_end": "actual_end_on", "note": "note"}
_DATE_MESSAGE = "Ngày không hợp lệ: dùng dạng dd/mm/yyyy (ví dụ 01/07/2023)."


@dataclass
class _Row:
    row: int
    person_name: str
    staff_code: str
    agency_id: int
    former_unit_id: int | None
    start_on: object
    planned_end_on: object
    actual_end_on: object
    note: str


class PostingsImport(Importer):
    columns: ClassVar = POSTING_COLUMNS
    audit_action: ClassVar = AuditAction.POSTING_IMPORT
    errors_file_cells: ClassVar = False  # the error file gives each bad cell's value instead

    def check(self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress):
        self.rows, errors = validate_postings(frame, headers=headers, time_zone=self.time_zone)
        self.given = {field for key, field in _OPTIONAL.items() if key in headers}
        progress(frame.height)
        return errors

    def count(self) -> Counts:
        return _plan(self.rows, given=self.given)[1]

    def write(self) -> Counts:
        changes, counts = _plan(self.rows, given=self.given)
        for posting, fields in changes:
            for name, value in fields.items():
                setattr(posting, name, value)
            posting.import_batch_id = self.batch.pk
            if posting.pk is None:
                posting.created_by = self.batch.uploaded_by
            posting.save()
        return counts


def validate_postings(
    frame: pl.DataFrame, *, headers: dict[str, str], time_zone: str
) -> tuple[list[_Row], pl.DataFrame]:
    """The accepted rows and the row errors of a frame of text cells keyed by column."""
    agencies = {code: pk for code, pk in Agency.objects.values_list("code", "pk")}
    former_pairs = [
        f"{agency}>{unit}"
        for agency, unit in Agency.merged_from.through.objects.values_list(
            "from_agency__code", "to_agency__code"
        )
    ]
    merged_codes = sorted({pair.split(">", 1)[0] for pair in former_pairs})
    values = frame.with_columns(
        v_agency_id=pl.col("agency_code").replace_strict(
            agencies, default=None, return_dtype=pl.Int64
        ),
        v_former_unit_id=pl.col("former_unit_code").replace_strict(
            agencies, default=None, return_dtype=pl.Int64
        ),
        **{
            f"v_{name}": parse_datetimes(frame.get_column(name), time_zone=time_zone).dt.date()
            for name in ("start", "planned_end", "actual_end")
        },
        person_key=pl.coalesce(
            pl.concat_str(pl.lit("code:"), pl.col("staff_code")),
            pl.concat_str(
                pl.lit("name:"), pl.col("agency_code"), pl.lit("|"), pl.col("person_name")
            ),
        ),
    )
    values = values.with_columns(
        first_row=pl.col(ROW).first().over("person_key", "v_start"),
        merged_agency=pl.col("agency_code").is_in(merged_codes),
        former_pair_known=pl.concat_str("agency_code", pl.lit(">"), "former_unit_code").is_in(
            former_pairs
        ),
    )
    rejected, errors = run_checks(values, _checks(), headers=headers)
    rows = [
        _Row(*cells)
        for cells in values.filter(~rejected)
        .select(
            ROW,
            "person_name",
            pl.col("staff_code").fill_null(""),
            "v_agency_id",
            "v_former_unit_id",
            "v_start",
            "v_planned_end",
            "v_actual_end",
            pl.col("note").fill_null(""),
        )
        .iter_rows()
    ]
    return rows, errors


def _checks() -> list[Check]:
    v = pl.col
    start, planned_end, actual_end = v("v_start"), v("v_planned_end"), v("v_actual_end")
    return [
        Check("person_name", missing("person_name"), "Thiếu họ và tên."),
        Check("person_name", too_long("person_name", 255), "Họ và tên dài quá 255 ký tự."),
        Check("staff_code", too_long("staff_code", 32), "Mã cán bộ dài quá 32 ký tự."),
        Check("agency_code", missing("agency_code"), "Thiếu mã đơn vị cử cán bộ."),
        Check(
            "agency_code",
            v("agency_code").is_not_null() & v("v_agency_id").is_null(),
            pl.format("Không có đơn vị mã «{}» trong danh mục.", v("agency_code")),
        ),
        Check(
            "former_unit_code",
            v("former_unit_code").is_not_null() & v("v_former_unit_id").is_null(),
            pl.format("Không có đơn vị mã «{}» trong danh mục.", v("former_unit_code")),
        ),
        Check(
            "former_unit_code",
            v("v_former_unit_id").is_not_null()
            & v("v_agency_id").is_not_null()
            & ~v("merged_agency"),
            pl.format(
                "Đơn vị «{}» không hình thành từ hợp nhất; để trống cột này.", v("agency_code")
            ),
        ),
        Check(
            "former_unit_code",
            v("v_former_unit_id").is_not_null() & v("merged_agency") & ~v("former_pair_known"),
            pl.format(
                "«{}» không phải là đơn vị cũ đã hợp nhất vào «{}».",
                v("former_unit_code"),
                v("agency_code"),
            ),
        ),
        Check(
            "former_unit_code",
            v("merged_agency") & missing("former_unit_code"),
            pl.format(
                "Đơn vị «{}» hình thành từ hợp nhất: cần ghi đơn vị cũ của cán bộ.",
                v("agency_code"),
            ),
        ),
        Check("start", missing("start"), "Thiếu ngày bắt đầu."),
        Check("start", unreadable("start", start), _DATE_MESSAGE),
        Check("planned_end", missing("planned_end"), "Thiếu ngày kết thúc dự kiến."),
        Check("planned_end", unreadable("planned_end", planned_end), _DATE_MESSAGE),
        Check(
            "planned_end",
            planned_end < start,
            "Ngày kết thúc dự kiến trước ngày bắt đầu.",
        ),
        Check("actual_end", unreadable("actual_end", actual_end), _DATE_MESSAGE),
        Check("actual_end", actual_end < start, "Ngày kết thúc thực tế trước ngày bắt đầu."),
        Check(
            "staff_code",
            v("v_start").is_not_null() & v("person_key").is_not_null() & (v("first_row") != v(ROW)),
            pl.format(
                "Trùng với dòng {} (cùng cán bộ, cùng ngày bắt đầu); chỉ dòng đó được nhập.",
                v("first_row"),
            ),
        ),
    ]


def _plan(rows: list[_Row], *, given: set[str]) -> tuple[list[tuple[StaffPosting, dict]], Counts]:
    """Each new or changed posting with the fields to set, and the counts.

    A row with a staff code finds its posting by (code, start), else a posting stored without a
    code by (agency, name, start), which then gets the code. A row without a staff code finds a
    posting by (agency, name, start), whatever its stored code, and leaves that code alone.
    """
    by_code: dict[tuple, StaffPosting] = {}
    by_name: dict[tuple, StaffPosting] = {}
    for posting in StaffPosting.objects.filter(
        start_on__in={row.start_on for row in rows}
    ).order_by("pk"):
        if posting.staff_code:
            by_code.setdefault((posting.staff_code, posting.start_on), posting)
        by_name.setdefault((posting.agency_id, posting.person_name, posting.start_on), posting)
    counts, changes, claimed = Counts(), [], set()
    for row in rows:
        fields = {
            "person_name": row.person_name,
            "agency_id": row.agency_id,
            "start_on": row.start_on,
            "planned_end_on": row.planned_end_on,
        }
        named = by_name.get((row.agency_id, row.person_name, row.start_on))
        if row.staff_code:
            fields["staff_code"] = row.staff_code
            posting = by_code.get((row.staff_code, row.start_on))
            if posting is None and named is not None and not named.staff_code:
                posting = named
        else:
            posting = named
        if posting is None or posting.pk in claimed:
            fields |= {
                "staff_code": row.staff_code,
                "former_unit_id": row.former_unit_id,
                "actual_end_on": row.actual_end_on,
                "note": row.note,
            }
            counts.created += 1
            changes.append((StaffPosting(), fields))
            continue
        claimed.add(posting.pk)
        fields |= {field: getattr(row, field) for field in given if field != "former_unit_id"}
        if "former_unit_id" in given:
            fields["former_unit_id"] = row.former_unit_id
        if any(getattr(posting, name) != value for name, value in fields.items()):
            counts.updated += 1
            changes.append((posting, fields))
        else:
            counts.unchanged += 1
    return changes, counts
