"""Importing the procedure catalogue (domain.md section 9, "Procedures").

A domain named for the first time is created. Optional columns absent from the file leave an
existing procedure's value alone; present but empty, they mean the default (online level
`khong`, not eligible for the full-process pilot, result on paper). Duplicate codes: the first
row is kept, later ones rejected.
"""

from __future__ import annotations

from typing import ClassVar

import polars as pl

from agencies.models import PROCEDURE_CODE_PATTERN, Domain, OnlineLevel, Procedure
from dossiers.importing.base import Importer, Progress
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.dossier_rows import YES_NO_MESSAGE
from dossiers.importing.headers import PROCEDURE_COLUMNS, normalise_label
from dossiers.importing.outcome import Counts
from dossiers.importing.parsing import parse_choice, parse_yes_no, unreadable
from dossiers.importing.reading import ROW

ONLINE_LEVEL_WORDS = {
    **{normalise_label(level.value): level.value for level in OnlineLevel},
    **{normalise_label(str(level.label)): level.value for level in OnlineLevel},
    # The levels before Decree 42/2022: level 4 was full-process, level 3 partial.
    "mucdo4": OnlineLevel.FULL.value,
    "mucdo3": OnlineLevel.PARTIAL.value,
}
_OPTIONAL = ("online_level", "full_process_eligible", "paper_result")


class ProcedureImport(Importer):
    columns: ClassVar = PROCEDURE_COLUMNS

    def check(self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress):
        values = frame.with_columns(
            first_row=pl.col(ROW).first().over("code"),
            v_online_level=parse_choice(frame, "online_level", ONLINE_LEVEL_WORDS, pl.String),
            v_full_process_eligible=parse_yes_no(frame, "full_process_eligible", default=False),
            v_paper_result=parse_yes_no(frame, "paper_result", default=True),
        )
        rejected, errors = run_checks(values, _checks(), headers=headers)
        self.given = [key for key in _OPTIONAL if key in headers]
        self.rows = values.filter(~rejected).select(
            "code",
            "name",
            "domain",
            pl.col("v_online_level").fill_null(OnlineLevel.NONE.value).alias("online_level"),
            pl.col("v_full_process_eligible").alias("full_process_eligible"),
            pl.col("v_paper_result").alias("paper_result"),
        )
        progress(frame.height)
        return errors

    def count(self) -> Counts:
        return self._plan()[1]

    def write(self) -> Counts:
        changed, counts = self._plan()
        domains = {d.name: d for d in Domain.objects.all()}
        for name in {fields["domain"] for fields in changed.values()} - domains.keys():
            domains[name] = Domain.objects.create(name=name)
        existing = {p.code: p for p in Procedure.objects.filter(code__in=list(changed))}
        for code, fields in changed.items():
            procedure = existing.get(code) or Procedure(code=code)
            for name, value in fields.items():
                setattr(procedure, name, domains[value] if name == "domain" else value)
            procedure.save()
        return counts

    def _plan(self) -> tuple[dict[str, dict], Counts]:
        """The fields to write for each new or changed procedure."""
        stored = {
            p["code"]: p
            for p in Procedure.objects.values("code", "name", "domain__name", *_OPTIONAL)
        }
        counts, changed = Counts(), {}
        for row in self.rows.iter_rows(named=True):
            fields = {"name": row["name"], "domain": row["domain"]}
            before = stored.get(row["code"])
            if before is None:
                fields |= {key: row[key] for key in _OPTIONAL}
                counts.created += 1
                changed[row["code"]] = fields
                continue
            fields |= {key: row[key] for key in self.given}
            current = {**before, "domain": before["domain__name"]}
            if any(current[key] != value for key, value in fields.items()):
                counts.updated += 1
                changed[row["code"]] = fields
            else:
                counts.unchanged += 1
        return changed, counts


def _checks() -> list[Check]:
    return [
        Check("code", missing("code"), "Thiếu mã thủ tục."),
        Check(
            "code",
            ~pl.col("code").str.contains(PROCEDURE_CODE_PATTERN),
            "Mã thủ tục phải có dạng D.DDDDDD (ví dụ 1.001193).",
        ),
        Check(
            "code",
            pl.col("first_row") != pl.col(ROW),
            pl.format("Mã thủ tục trùng với dòng {}; chỉ dòng đó được nhập.", pl.col("first_row")),
        ),
        Check("name", missing("name"), "Thiếu tên thủ tục."),
        Check("name", too_long("name", 500), "Tên thủ tục dài quá 500 ký tự."),
        Check("domain", missing("domain"), "Thiếu lĩnh vực."),
        Check("domain", too_long("domain", 255), "Lĩnh vực dài quá 255 ký tự."),
        Check(
            "online_level",
            unreadable("online_level", pl.col("v_online_level")),
            "Mức độ không hợp lệ: dùng Toàn trình, Một phần hoặc Không.",
        ),
        Check(
            "full_process_eligible",
            unreadable("full_process_eligible", pl.col("v_full_process_eligible")),
            YES_NO_MESSAGE,
        ),
        Check(
            "paper_result",
            unreadable("paper_result", pl.col("v_paper_result")),
            YES_NO_MESSAGE,
        ),
    ]
