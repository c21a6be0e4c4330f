"""Importing dossiers: rows are checked and staged chunk by chunk, then written set-wise."""

from __future__ import annotations

from typing import ClassVar

import polars as pl
from django.utils import timezone

from agencies.models import Agency, Procedure
from dossiers.importing import apply
from dossiers.importing.base import Importer, Progress
from dossiers.importing.dossier_rows import (
    mark_duplicates,
    procedures_to_register,
    validate_dossiers,
)
from dossiers.importing.headers import DOSSIER_COLUMNS
from dossiers.importing.outcome import ERROR_SCHEMA, Counts
from dossiers.importing.reading import ROW
from dossiers.signals import dossiers_changed

APOLOGY_COLUMNS = ("apology_issued_at", "apology_new_due_at", "apology_reason")
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
        self.headers = headers
        self.with_apologies = any(key in headers for key in APOLOGY_COLUMNS)
        agencies = dict(Agency.objects.values_list("code", "id"))
        validity = _validity_frame()
        self.outside_validity: list[pl.DataFrame] = []
        procedures = set(Procedure.objects.values_list("code", flat=True))
        frame = mark_duplicates(frame)
        self.new_procedures = procedures_to_register(frame, known=procedures)
        procedures |= set(self.new_procedures.get_column("procedure_code").to_list())
        errors = []
        for offset in range(0, frame.height, self.chunk_rows):
            chunk = frame.slice(offset, self.chunk_rows)
            rows, chunk_errors = validate_dossiers(
                chunk,
                headers=headers,
                agencies=agencies,
                procedures=procedures,
                time_zone=self.time_zone,
            )
            apply.stage_rows(rows, time_zone=self.time_zone)
            if validity.height:
                self.outside_validity.append(
                    _outside_validity(rows, validity, header=headers["agency_code"])
                )
            errors.append(chunk_errors)
            progress(offset + chunk.height)
        apply.finish_staging()
        return pl.concat(errors)

    def count(self) -> Counts:
        return apply.count_changes(with_apologies=self.with_apologies)

    def warnings(self) -> pl.DataFrame:
        rows = apply.portal_apology_conflicts() if self.with_apologies else []
        header = self.headers.get("apology_issued_at") or self.headers.get("apology_reason", "")
        apologies = pl.DataFrame(
            {
                "row": rows,
                "column": [header] * len(rows),
                "value": [None] * len(rows),
                "message": [PORTAL_APOLOGY_KEPT] * len(rows),
            },
            schema=ERROR_SCHEMA,
        )
        return pl.concat([apologies, *self.outside_validity]).sort("row", maintain_order=True)

    def write(self) -> Counts:
        now = timezone.now()
        apply.register_procedures(self.new_procedures)
        counts = apply.count_changes(with_apologies=self.with_apologies)
        if not counts.created and not counts.updated:
            return counts  # a re-imported file: nothing to write, nothing touched
        cells = apply.touched_cells(
            with_apologies=self.with_apologies,
            today=timezone.localdate(now),
            time_zone=self.time_zone,
        )
        apply.upsert_dossiers(batch_id=self.batch.pk, now=now)
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
