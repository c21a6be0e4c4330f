"""Importing the agency tree (domain.md section 9, "Agencies").

Cell rules are vectorised checks; the tree rules (the parent exists in the catalogue or in the
same file, in any order; the parent's level may hold the row's level; no cycles) are checked in
Python over the file's rows, which number in the hundreds. A row whose parent row is rejected is
rejected too, naming that row. Duplicate codes: the first row is kept, later ones rejected.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from agencies.models import ALLOWED_PARENT_LEVELS, Agency, AgencyLevel
from agencies.services import agency_paths_rebuild
from dossiers.importing.base import Importer, Progress
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.headers import AGENCY_COLUMNS, normalise_label
from dossiers.importing.outcome import ERROR_SCHEMA, Counts
from dossiers.importing.parsing import parse_choice, unreadable
from dossiers.importing.reading import ROW

LEVEL_WORDS = {
    **{normalise_label(level.value): level.value for level in AgencyLevel},
    **{normalise_label(str(level.label)): level.value for level in AgencyLevel},
    "captinh": AgencyLevel.PROVINCE.value,
    "sobannganh": AgencyLevel.DEPARTMENT.value,
    "caphuyen": AgencyLevel.DISTRICT.value,
    "capxa": AgencyLevel.COMMUNE.value,
}


@dataclass
class AgencyRow:
    row: int
    code: str
    name: str
    level: str
    parent_code: str | None


class AgencyImport(Importer):
    columns: ClassVar = AGENCY_COLUMNS

    def check(self, frame: pl.DataFrame, *, headers: dict[str, str], progress: Progress):
        values = frame.with_columns(
            v_level=parse_choice(frame, "level", LEVEL_WORDS, pl.String),
            first_row=pl.col(ROW).first().over("code"),
        )
        rejected, errors = run_checks(values, _cell_checks(), headers=headers)
        rows = [
            AgencyRow(row, code, name, level, parent)
            for row, code, name, level, parent in values.filter(~rejected)
            .select(ROW, "code", "name", "v_level", "parent_code")
            .iter_rows()
        ]
        self.rows, tree_errors = _check_tree(rows, parent_header=headers.get("parent_code", ""))
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
            agency.save()
            by_code[agency.code] = agency
        if counts.updated:
            agency_paths_rebuild()  # a moved agency moves its whole subtree
        return counts

    def _plan(self) -> tuple[list[tuple[AgencyRow, Agency]], Counts]:
        """The rows to save, parents first, each with its new or existing agency."""
        existing = {
            code: (name, level, parent)
            for code, name, level, parent in Agency.objects.values_list(
                "code", "name", "level", "parent__code"
            )
        }
        agencies = {a.code: a for a in Agency.objects.filter(code__in=[r.code for r in self.rows])}
        counts, actions = Counts(), []
        for row in _parents_first(self.rows):
            before = existing.get(row.code)
            if before is None:
                counts.created += 1
                actions.append((row, Agency(code=row.code)))
            elif before != (row.name, row.level, row.parent_code):
                counts.updated += 1
                actions.append((row, agencies[row.code]))
            else:
                counts.unchanged += 1
        return actions, counts


def _cell_checks() -> list[Check]:
    return [
        Check("code", missing("code"), "Thiếu mã đơn vị."),
        Check("code", too_long("code", 32), "Mã đơn vị dài quá 32 ký tự."),
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
    ]


def _check_tree(rows: list[AgencyRow], *, parent_header: str) -> tuple[list, pl.DataFrame]:
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
        failing = {
            row.code: problems
            for row in accepted.values()
            if (problems := _tree_problems(row, tree, rejected_rows))
        }
        if not failing:
            break
        for code, problems in failing.items():
            row = accepted.pop(code)
            rejected_rows[code] = row.row
            errors.extend((row.row, parent_header, row.parent_code, p) for p in problems)
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
