"""Importing the agency tree (domain.md section 9, "Agencies"; section 12 for the two tiers).

Cell rules are vectorised checks; the tree rules (the parent exists in the catalogue or in the
same file, in any order; the parent's level may hold the row's level, a commune sitting under a
district or the province; no cycles; the units named in "Hợp nhất từ" exist) are checked in
Python over the file's rows, which number in the hundreds. A row whose parent row is rejected is
rejected too, naming that row. Duplicate codes: the first row is kept, later ones rejected.

Validity dates and merges: a file with the column sets them (an empty cell: always valid / no
merge); a file without it keeps what is stored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import ClassVar

import polars as pl

from agencies.models import (
    AGENCY_CODE_MESSAGE,
    AGENCY_CODE_PATTERN,
    ALLOWED_PARENT_LEVELS,
    Agency,
    AgencyLevel,
)
from agencies.services import agency_paths_rebuild
from dossiers.importing.base import Importer, Progress
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.headers import AGENCY_COLUMNS, normalise_label
from dossiers.importing.outcome import ERROR_SCHEMA, Counts
from dossiers.importing.parsing import parse_choice, parse_datetimes, unreadable
from dossiers.importing.reading import ROW

LEVEL_WORDS = {
    **{normalise_label(level.value): level.value for level in AgencyLevel},
    **{normalise_label(str(level.label)): level.value for level in AgencyLevel},
    "captinh": AgencyLevel.PROVINCE.value,
    "sobannganh": AgencyLevel.DEPARTMENT.value,
    "caphuyen": AgencyLevel.DISTRICT.value,
    "capxa": AgencyLevel.COMMUNE.value,
}


MERGE_SEPARATORS = re.compile(r"[;,]")


_HEADER = {column.key: column.header for column in AGENCY_COLUMNS}


@dataclass
class AgencyRow:
    row: int
    code: str
    name: str
    level: str
    parent_code: str | None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    merged_from: tuple[str, ...] = field(default_factory=tuple)


def _merged_codes(cell: str | None) -> tuple[str, ...]:
    return tuple(sorted({c.strip() for c in MERGE_SEPARATORS.split(cell or "") if c.strip()}))


class AgencyImport(Importer):
    columns: ClassVar = AGENCY_COLUMNS

    def check(self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress):
        self.given = {key for key in ("valid_from", "valid_to", "merged_from") if key in headers}
        values = frame.with_columns(
            v_level=parse_choice(frame, "level", LEVEL_WORDS, pl.String),
            first_row=pl.col(ROW).first().over("code"),
            **{
                f"v_{key}": parse_datetimes(
                    frame.get_column(key), time_zone=self.time_zone
                ).dt.date()
                for key in ("valid_from", "valid_to")
            },
        )
        rejected, errors = run_checks(values, _cell_checks(), headers=headers)
        rows = [
            AgencyRow(row, code, name, level, parent, start, end, _merged_codes(merged))
            for row, code, name, level, parent, start, end, merged in values.filter(~rejected)
            .select(
                ROW, "code", "name", "v_level", "parent_code", "v_valid_from", "v_valid_to",
                "merged_from",
            )
            .iter_rows()
        ]  # fmt: skip
        self.rows, tree_errors = _check_tree(
            rows,
            # A file without the column still gets the column's name in its errors.
            parent_header=headers.get("parent_code", _HEADER["parent_code"]),
            merged_header=headers.get("merged_from", _HEADER["merged_from"]),
        )
        progress(frame.height)
        return pl.concat([errors, tree_errors]).sort("row", maintain_order=True)

    def count(self) -> Counts:
        return self._plan()[1]

    def write(self) -> Counts:
        actions, counts = self._plan()
        by_code = {agency.code: agency for agency in Agency.objects.all()}
        for row, agency in actions:
            agency.name, agency.level = row.name, row.level
            agency.parent = by_code[row.parent_code] if row.parent_code else None
            if "valid_from" in self.given:
                agency.valid_from = row.valid_from
            if "valid_to" in self.given:
                agency.valid_to = row.valid_to
            agency.save()
            by_code[agency.code] = agency
        if "merged_from" in self.given:
            # After every row is saved: a unit may name units that come later in the file.
            for row, agency in actions:
                agency.merged_from.set([by_code[code] for code in row.merged_from])
        if counts.updated:
            agency_paths_rebuild()  # a moved agency moves its whole subtree
        return counts

    def _plan(self) -> tuple[list[tuple[AgencyRow, Agency]], Counts]:
        """The rows to save, parents first, each with its new or existing agency."""
        merges: dict[str, set[str]] = {}
        for successor, former in Agency.merged_from.through.objects.values_list(
            "from_agency__code", "to_agency__code"
        ):
            merges.setdefault(successor, set()).add(former)
        existing = {
            code: (name, level, parent, start, end, tuple(sorted(merges.get(code, ()))))
            for code, name, level, parent, start, end in Agency.objects.values_list(
                "code", "name", "level", "parent__code", "valid_from", "valid_to"
            )
        }
        agencies = {a.code: a for a in Agency.objects.filter(code__in=[r.code for r in self.rows])}
        counts, actions = Counts(), []
        for row in _parents_first(self.rows):
            before = existing.get(row.code)
            if before is None:
                counts.created += 1
                actions.append((row, Agency(code=row.code)))
            elif before != self._as_stored(row, before):
                counts.updated += 1
                actions.append((row, agencies[row.code]))
            else:
                counts.unchanged += 1
        return actions, counts

    def _as_stored(self, row: AgencyRow, before: tuple) -> tuple:
        """What the row would store, keeping what the file has no column for."""
        return (
            row.name,
            row.level,
            row.parent_code,
            row.valid_from if "valid_from" in self.given else before[3],
            row.valid_to if "valid_to" in self.given else before[4],
            row.merged_from if "merged_from" in self.given else before[5],
        )


def _cell_checks() -> list[Check]:
    return [
        Check("code", missing("code"), "Thiếu mã đơn vị."),
        Check("code", too_long("code", 32), "Mã đơn vị dài quá 32 ký tự."),
        # The tree's paths and the pages' URLs are built from codes: a "/" crossed scopes.
        Check("code", ~pl.col("code").str.contains(AGENCY_CODE_PATTERN), str(AGENCY_CODE_MESSAGE)),
        Check(
            "code",
            pl.col("first_row") != pl.col(ROW),
            pl.format("Mã đơn vị trùng với dòng {}; chỉ dòng đó được nhập.", pl.col("first_row")),
        ),
        Check("name", missing("name"), "Thiếu tên đơn vị."),
        Check("name", too_long("name", 255), "Tên đơn vị dài quá 255 ký tự."),
        Check("level", missing("level"), "Thiếu cấp của đơn vị."),
        Check(
            "level",
            unreadable("level", pl.col("v_level")),
            "Cấp không hợp lệ: dùng tinh, so, huyen hoặc xa.",
        ),
        Check(
            "valid_from",
            unreadable("valid_from", pl.col("v_valid_from")),
            "Ngày bắt đầu hiệu lực không đọc được: dùng dd/mm/yyyy.",
        ),
        Check(
            "valid_to",
            unreadable("valid_to", pl.col("v_valid_to")),
            "Ngày hết hiệu lực không đọc được: dùng dd/mm/yyyy.",
        ),
        Check(
            "valid_to",
            pl.col("v_valid_to") < pl.col("v_valid_from"),
            "Ngày hết hiệu lực trước ngày bắt đầu hiệu lực.",
        ),
    ]


def _check_tree(
    rows: list[AgencyRow], *, parent_header: str, merged_header: str = ""
) -> tuple[list, pl.DataFrame]:
    """Keep the rows whose place in the tree is sound; explain the others.

    Rejecting a row may orphan rows under it, so the check repeats until nothing changes.
    """
    stored = {
        code: (level, parent)
        for code, level, parent in Agency.objects.values_list("code", "level", "parent__code")
    }
    accepted = {row.code: row for row in rows}
    errors: list[tuple[int, str, str | None, str]] = []
    rejected_rows: dict[str, int] = {}
    while True:
        tree = {**stored, **{r.code: (r.level, r.parent_code) for r in accepted.values()}}
        failing = {}
        for row in accepted.values():
            problems = _tree_problems(row, tree, rejected_rows)
            merge_problems = _merge_problems(row, tree, rejected_rows)
            if problems or merge_problems:
                failing[row.code] = (problems, merge_problems)
        if not failing:
            break
        for code, (problems, merge_problems) in failing.items():
            row = accepted.pop(code)
            rejected_rows[code] = row.row
            errors.extend((row.row, parent_header, row.parent_code, p) for p in problems)
            merged_cell = ", ".join(row.merged_from)
            errors.extend((row.row, merged_header, merged_cell, p) for p in merge_problems)
    frame = pl.DataFrame(errors, schema=ERROR_SCHEMA, orient="row")
    return list(accepted.values()), frame.unique(maintain_order=True)


def _tree_problems(row: AgencyRow, tree: dict, rejected_rows: dict[str, int]) -> list[str]:
    parent = row.parent_code
    if row.level == AgencyLevel.PROVINCE:
        return ["Đơn vị cấp tỉnh không có đơn vị cấp trên."] if parent else []
    if not parent:
        return ["Thiếu mã đơn vị cấp trên."]
    if parent not in tree:
        if parent in rejected_rows:
            return [f"Đơn vị cấp trên «{parent}» (dòng {rejected_rows[parent]}) bị loại."]
        return [f"Không có đơn vị cấp trên mã «{parent}» trong danh mục hay trong tệp."]
    problems = []
    parent_level = tree[parent][0]
    if parent_level not in ALLOWED_PARENT_LEVELS[row.level]:
        problems.append(
            f"Đơn vị {_level_name(row.level)} không thể trực thuộc đơn vị "
            f"{_level_name(parent_level)}."
        )
    cycle = _cycle_from(row.code, tree)
    if cycle:
        problems.append(f"Đơn vị cấp trên tạo thành vòng lặp: {' → '.join(cycle)}.")
    return problems


def _merge_problems(row: AgencyRow, tree: dict, rejected_rows: dict[str, int]) -> list[str]:
    problems = []
    for code in row.merged_from:
        if code == row.code:
            problems.append("Một đơn vị không thể hợp nhất từ chính nó.")
        elif code in rejected_rows and code not in tree:
            problems.append(f"Đơn vị hợp nhất «{code}» (dòng {rejected_rows[code]}) bị loại.")
        elif code not in tree:
            problems.append(f"Không có đơn vị hợp nhất mã «{code}» trong danh mục hay trong tệp.")
    return problems


def _level_name(level: str) -> str:
    return str(AgencyLevel(level).label).lower()


def _cycle_from(code: str, tree: dict) -> list[str]:
    path, current = [code], tree[code][1]
    while current is not None and current in tree:
        path.append(current)
        if current == code:
            return path
        if len(path) > len(tree):
            return []  # a loop above this agency; reported on the rows that form it
        current = tree[current][1]
    return []


def _parents_first(rows: list[AgencyRow]) -> list[AgencyRow]:
    in_file = {row.code: row for row in rows}

    def depth(row: AgencyRow) -> int:
        steps, parent = 0, row.parent_code
        while parent in in_file:
            steps, parent = steps + 1, in_file[parent].parent_code
        return steps

    return sorted(rows, key=depth)
