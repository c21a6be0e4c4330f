"""Importing dossiers: rows are checked and staged batch by batch, then written set-wise."""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import polars as pl
from django.utils import timezone

from agencies.models import PROCEDURE_CODE_PATTERN, Agency, Procedure
from agencies.selectors import agency_name_index, procedure_name_index
from dossiers.importing import apply
from dossiers.importing.base import CheckedFile, Importer, Progress
from dossiers.importing.dossier_rows import (
    NameLookups,
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
from dossiers.importing.timing import Stopwatch
from dossiers.models import ImportUnresolvedName
from dossiers.signals import dossiers_changed

if TYPE_CHECKING:
    from dossiers.importing.pipeline import Report, Stream

PAID_WITHOUT_A_FEE = (
    "Thanh toán trực tuyến cần phí, lệ phí lớn hơn 0: hồ sơ đã lưu có phí bằng 0 và tệp không có "
    "cột phí, lệ phí; hãy thêm cột phí (LePhi, DanhSachLePhi hoặc «Phí, lệ phí (đồng)»)."
)
PORTAL_APOLOGY_KEPT = (
    "Hồ sơ đã có phiếu xin lỗi ghi nhận trên cổng: giữ phiếu đó, bỏ qua các cột xin lỗi của "
    "dòng này; các thông tin khác của hồ sơ vẫn được nhập."
)


@dataclass
class _Plan:
    """What a pass over the file learnt of the whole file, for the next pass (if one is needed).

    A pass reads the file batch by batch. Three things depend on rows of other batches; the
    first pass guesses each and checks the guess at its end, and only a file where a guess was
    wrong is read again with what the pass learnt (rare: in practice one pass):

    * the headers: a JSON file's columns are the keys of all its records; a key first met after
      the first batch means the file is read again with every column;
    * a dossier code repeated in rows of different batches (the first row is imported, the
      others rejected naming it): `first_rows` then names the first row of each repeated code;
    * a procedure registered by a later batch's row (any row of the file may use a procedure
      another row registers): `procedures` then holds every procedure the file registers.
    """

    headers: list[str] | None = None
    first_rows: pl.DataFrame | None = None
    procedures: pl.DataFrame | None = None


logger = logging.getLogger(__name__)

_NO_PROCEDURES = pl.DataFrame(
    schema={"procedure_code": pl.String, "procedure_name": pl.String, "domain": pl.String}
)
MAX_PASSES = 3


class DossierImport(Importer):
    columns: ClassVar = DOSSIER_COLUMNS
    streams: ClassVar[bool] = True

    def __enter__(self) -> DossierImport:
        self._staging = apply.staging_table()
        self._staging.__enter__()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._staging.__exit__(*exc_info)

    @classmethod
    def require(cls, headers: dict[str, str], *, file_name: str) -> None:
        require_columns(headers, file_name=file_name)

    def check_stream(self, stream: Stream, *, progress: Progress, report: Report) -> CheckedFile:
        """Check and stage the file batch by batch (memory holds one batch); see `_Plan`."""
        plan = _Plan()
        self.clock = Stopwatch()
        for attempt in range(MAX_PASSES):
            if attempt:
                apply.clear_staging()
                report.clear()
            plan, again = self._pass(stream, plan, progress=progress, report=report)
            if not again:
                return self._checked
        # The third pass knows every column, repeated code and registration: never reached.
        raise RuntimeError("the dossier file was not settled in three passes")

    def _pass(
        self, stream: Stream, plan: _Plan, *, progress: Progress, report: Report
    ) -> tuple[_Plan, bool]:
        headers, frames = stream.open(plan.headers)
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
        names = NameLookups(
            agency_names=agency_name_index(), procedure_names=procedure_name_index()
        )
        known = set(Procedure.objects.values_list("code", flat=True))
        registered = plan.procedures if plan.procedures is not None else _NO_PROCEDURES
        known |= set(registered.get_column("procedure_code").to_list())
        self.outside_validity: list[pl.DataFrame] = []
        warnings: list[pl.DataFrame] = []
        batch_starts: list[int] = []
        unknown_codes: set[str] = set()
        rows = rejected = 0
        clock = self.clock
        for frame in clock.timed("read", frames):
            batch_starts.append(frame.item(0, ROW))
            with clock.stage("prepare"):
                frame = prepare(frame, names=names, first_rows=plan.first_rows)
                if plan.procedures is None:  # registered as met: the first usable row wins
                    new = procedures_to_register(frame, known=known)
                    registered = pl.concat([registered, new])
                    known |= set(new.get_column("procedure_code").to_list())
            with clock.stage("check"):
                checked = validate_dossiers(
                    frame,
                    headers=headers,
                    agencies=agencies,
                    procedures=known,
                    time_zone=self.time_zone,
                )
            with clock.stage("stage (COPY)"):
                apply.stage_rows(checked.rows, time_zone=self.time_zone)
                apply.stage_rejected(
                    frame.join(checked.errors.select(pl.col("row").alias(ROW)).unique(), on=ROW)
                    .select(pl.col(ROW).alias("row_number"), "code")
                    .sort("row_number")
                )
            with clock.stage("check"):
                if plan.procedures is None:
                    unknown_codes |= _unknown_procedures(frame, known)
                if validity.height:
                    self.outside_validity.append(
                        _outside_validity(checked.rows, validity, header=agency_header)
                    )
            with clock.stage("row errors"):
                report(checked.errors)
                rejected += checked.errors.get_column("row").n_unique()
                warnings.append(checked.warnings)
                rows += frame.height
                progress(rows)
        stream.refuse_nested(headers)
        with clock.stage("staging index"):
            staged_unique = apply.finish_staging()

        learnt = _Plan(headers=stream.headers(), first_rows=plan.first_rows, procedures=registered)
        again = stream.headers() != stream.opened_with
        if plan.first_rows is None:
            repeated = apply.repeated_codes(staged_unique=staged_unique)
            learnt.first_rows = pl.DataFrame(
                [(code, first) for code, first, _ in repeated],
                schema={"code": pl.String, "first_row": pl.Int64},
                orient="row",
            )
            # Exact already when each repeated code's rows all lie in one batch.
            again |= any(
                _batch_of(first, batch_starts) != _batch_of(last, batch_starts)
                for _, first, last in repeated
            )
        if plan.procedures is None:
            # A row checked before the row that registers its procedure was rejected for it.
            late = unknown_codes & set(registered.get_column("procedure_code").to_list())
            again |= bool(late)
        if again:
            if learnt.headers != stream.opened_with:
                learnt.procedures = None  # with the other columns, registrations found anew
            return learnt, True

        self.new_procedures = registered
        _record_unresolved(self.batch.pk, names.unresolved())
        if "paid_online" in self.facts and "fee" not in self.facts:
            paid = self._paid_without_a_fee(self.headers)
            report(paid)
            rejected += paid.get_column("row").n_unique()
        self.row_warnings = pl.concat(warnings) if warnings else no_errors()
        self._checked = CheckedFile(rows=rows, rejected=rejected)
        return learnt, False

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
        with self.clock.stage("counts"):
            counts = apply.count_changes(with_apologies=self.with_apologies, facts=self.facts)
        self._log_timings()
        return counts

    def _log_timings(self) -> None:
        logger.info("dossier import batch %s: %s", self.batch.pk, self.clock.summary())

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
        clock = self.clock
        try:
            return self._write(clock)
        finally:
            self._log_timings()

    def _write(self, clock: Stopwatch) -> Counts:
        now = timezone.now()
        apply.register_procedures(self.new_procedures)
        with clock.stage("counts"):
            counts = apply.count_changes(with_apologies=self.with_apologies, facts=self.facts)
        if not counts.created and not counts.updated:
            return counts  # a re-imported file: nothing to write, nothing touched
        with clock.stage("touched cells"):
            cells = apply.touched_cells(
                with_apologies=self.with_apologies,
                today=timezone.localdate(now),
                time_zone=self.time_zone,
                facts=self.facts,
            )
        with clock.stage("dossier upsert"), apply.foreign_keys_checked_at_once(counts.created):
            apply.upsert_dossiers(
                batch_id=self.batch.pk,
                now=now,
                facts=self.facts,
                only_new=not counts.updated and not counts.unchanged,
            )
        if self.with_apologies:
            with clock.stage("apology upsert"):
                apply.upsert_apologies(now=now)
        with clock.stage("touched cells"):
            apply.record_touched_cells(cells)
        if cells:
            dossiers_changed.send(sender=DossierImport, batch_id=self.batch.pk)
        return counts


def _batch_of(row: int, starts: list[int]) -> int:
    return bisect.bisect_right(starts, row)


def _unknown_procedures(frame: pl.DataFrame, known: set[str]) -> set[str]:
    """The well-formed procedure codes of the batch that are not (yet) known."""
    codes = frame.get_column("p_code").drop_nulls().unique()
    codes = codes.filter(codes.str.contains(PROCEDURE_CODE_PATTERN))
    return {code for code in codes.to_list() if code not in known}


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
