"""Importing dossiers: rows are checked and staged chunk by chunk, then written set-wise."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from django.utils import timezone

from agencies.models import Agency, Procedure
from agencies.selectors import agency_name_index, procedure_name_index
from dossiers.importing import apply
from dossiers.importing.base import Importer, Progress
from dossiers.importing.dossier_rows import (
    UnresolvedName,
    given_facts,
    prepare,
    procedures_to_register,
    require_columns,
    validate_dossiers,
)
from dossiers.importing.headers import DOSSIER_COLUMNS
from dossiers.importing.outcome import ERROR_SCHEMA, Counts, no_errors
from dossiers.importing.reading import ROW
from dossiers.models import ImportUnresolvedName
from dossiers.signals import dossiers_changed

PAID_WITHOUT_A_FEE = (
    "Thanh toán trực tuyến cần phí, lệ phí lớn hơn 0: hồ sơ đã lưu có phí bằng 0 và tệp không có "
    "cột phí, lệ phí; hãy thêm cột phí (LePhi, DanhSachLePhi hoặc «Phí, lệ phí (đồng)»)."
)
PORTAL_APOLOGY_KEPT = (
    "Hồ sơ đã có phiếu xin lỗi ghi nhận trên cổng: giữ phiếu đó, bỏ qua các cột xin lỗi của "
    "dòng này; các thông tin khác của hồ sơ vẫn được nhập."
)


class DossierImport(Importer):
    columns: ClassVar = DOSSIER_COLUMNS
    chunk_rows: ClassVar[int] = 200_000  # bounds memory and paces the progress bar

    def __enter__(self) -> DossierImport:
        self._staging = apply.staging_table()
        self._staging.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._staging.__exit__(*exc_info)

    def check(self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress):
        require_columns(headers, file_name=self.batch.original_name)
        self.headers = headers
        self.facts = given_facts(headers)
        # Only a file with apology dates speaks for apologies (an empty one removes an imported
        # apology); a reason alone is kept with the dossier (Dossier.late_reason).
        self.with_apologies = "apology_issued_at" in headers
        agencies = dict(Agency.objects.values_list("code", "id"))
        validity = _validity_frame()
        agency_header = next(
            (
                headers[k]
                for k in ("agency_code", "agency_name", "agency_name_received")
                if k in headers
            ),
            "",
        )
        self.outside_validity: list[pl.DataFrame] = []
        procedures = set(Procedure.objects.values_list("code", flat=True))
        frame, unresolved = prepare(
            frame, agency_names=agency_name_index(), procedure_names=procedure_name_index()
        )
        _record_unresolved(self.batch.pk, unresolved)
        self.new_procedures = procedures_to_register(frame, known=procedures)
        procedures |= set(self.new_procedures.get_column("procedure_code").to_list())
        errors, warnings = [], []
        for offset in range(0, frame.height, self.chunk_rows):
            chunk = frame.slice(offset, self.chunk_rows)
            checked = validate_dossiers(
                chunk,
                headers=headers,
                agencies=agencies,
                procedures=procedures,
                time_zone=self.time_zone,
            )
            apply.stage_rows(checked.rows, time_zone=self.time_zone)
            if validity.height:
                self.outside_validity.append(
                    _outside_validity(checked.rows, validity, header=agency_header)
                )
            errors.append(checked.errors)
            warnings.append(checked.warnings)
            progress(offset + chunk.height)
        apply.finish_staging()
        if "paid_online" in self.facts and "fee" not in self.facts:
            errors.append(self._paid_without_a_fee(headers))
        self.row_warnings = pl.concat(warnings) if warnings else no_errors()
        return pl.concat(errors).sort("row", maintain_order=True) if errors else no_errors()

    def _paid_without_a_fee(self, headers: dict[str, str]) -> pl.DataFrame:
        rows = apply.unstage_paid_without_a_fee()
        column = headers.get("paid_online_code") or headers.get("paid_online", "")
        return pl.DataFrame(
            {
                "row": [row for row, _ in rows],
                "column": [column] * len(rows),
                "value": [None] * len(rows),
                "message": [PAID_WITHOUT_A_FEE] * len(rows),
            },
            schema=ERROR_SCHEMA,
        )

    def count(self) -> Counts:
        return apply.count_changes(with_apologies=self.with_apologies, facts=self.facts)

    def warnings(self) -> pl.DataFrame:
        rows = apply.portal_apology_conflicts() if self.with_apologies else []
        header = self.headers.get("apology_issued_at", "")
        portal = pl.DataFrame(
            {
                "row": rows,
                "column": [header] * len(rows),
                "value": [None] * len(rows),
                "message": [PORTAL_APOLOGY_KEPT] * len(rows),
            },
            schema=ERROR_SCHEMA,
        )
        return pl.concat([portal, self.row_warnings, *self.outside_validity]).sort(
            "row", maintain_order=True
        )

    def write(self) -> Counts:
        now = timezone.now()
        apply.register_procedures(self.new_procedures)
        counts = apply.count_changes(with_apologies=self.with_apologies, facts=self.facts)
        if not counts.created and not counts.updated:
            return counts  # a re-imported file: nothing to write, nothing touched
        cells = apply.touched_cells(
            with_apologies=self.with_apologies,
            today=timezone.localdate(now),
            time_zone=self.time_zone,
            facts=self.facts,
        )
        apply.upsert_dossiers(batch_id=self.batch.pk, now=now, facts=self.facts)
        if self.with_apologies:
            apply.upsert_apologies(now=now)
        apply.record_touched_cells(cells)
        if cells:
            dossiers_changed.send(sender=DossierImport, batch_id=self.batch.pk)
        return counts


def _validity_frame() -> pl.DataFrame:
    """The agencies with a validity interval (domain.md section 12), one row each."""
    rows = list(
        Agency.objects.exclude(valid_from__isnull=True, valid_to__isnull=True).values_list(
            "id", "code", "valid_from", "valid_to"
        )
    )
    return pl.DataFrame(
        rows,
        schema={"agency_id": pl.Int64, "a_code": pl.String, "a_from": pl.Date, "a_to": pl.Date},
        orient="row",
    )


def _outside_validity(rows: pl.DataFrame, validity: pl.DataFrame, *, header: str) -> pl.DataFrame:
    """Warnings for accepted rows received on a day their agency did not exist: the dossier is
    imported and counted for that agency (its history stays its own), and the batch says so,
    naming the unit and the date."""
    day = pl.col("received_at").dt.date()
    outside = (
        rows.select(ROW, "agency_id", "received_at")
        .join(validity, on="agency_id")
        .filter(
            pl.col("received_at").is_not_null()
            & ((day < pl.col("a_from")) | (day > pl.col("a_to")))
        )
    )
    return outside.select(
        pl.col(ROW).alias("row"),
        pl.lit(header).alias("column"),
        pl.col("a_code").alias("value"),
        pl.format(
            "Đơn vị «{}» không tồn tại vào ngày tiếp nhận {} (hiệu lực {}); hồ sơ vẫn được nhập "
            "và tính cho đơn vị đó.",
            pl.col("a_code"),
            day.dt.strftime("%d/%m/%Y"),
            pl.concat_str(
                pl.when(pl.col("a_from").is_not_null())
                .then(pl.lit("từ ") + pl.col("a_from").dt.strftime("%d/%m/%Y"))
                .otherwise(pl.lit("")),
                pl.when(pl.col("a_from").is_not_null() & pl.col("a_to").is_not_null())
                .then(pl.lit(" "))
                .otherwise(pl.lit("")),
                pl.when(pl.col("a_to").is_not_null())
                .then(pl.lit("đến ") + pl.col("a_to").dt.strftime("%d/%m/%Y"))
                .otherwise(pl.lit("")),
            ),
        ).alias("message"),
    ).cast(ERROR_SCHEMA)


def _record_unresolved(batch_id: int, names: list[UnresolvedName]) -> None:
    """Keep the batch's unknown and ambiguous names for the mapping step (replacing those of an
    earlier check of the same batch)."""
    ImportUnresolvedName.objects.filter(batch_id=batch_id).delete()
    ImportUnresolvedName.objects.bulk_create(
        [
            ImportUnresolvedName(
                batch_id=batch_id,
                kind=name.kind,
                name=name.name[:500],
                normalised=name.normalised[:500],
                rows=name.rows,
                candidates=", ".join(name.candidates),
            )
            for name in names
        ],
        ignore_conflicts=True,  # two names that differ only past 500 characters
    )
