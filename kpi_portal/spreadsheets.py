"""Keeping exported cells inert in a spreadsheet (CSV and formula injection).

Every file the portal hands out that a spreadsheet opens goes through here:

* CSV: a text cell starting with =, +, -, @, a tab or a carriage return is read by Excel or
  LibreOffice as a formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``). It gets a leading
  apostrophe, which makes it text; the rest of the value is unchanged.
* XLSX (openpyxl): a Python string starting with "=" is written as a *formula*. The exports
  never mean to write formulas, so before saving every formula cell is turned back into a text
  cell holding exactly the same characters (`neutralise_workbook`): the name reads as typed and
  nothing runs. Other cells are text or numbers already.

Pure helper: no Django, no app import.
"""

from __future__ import annotations

from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_csv_cell(value: Any) -> Any:
    """A text value a spreadsheet would run as a formula, quoted as text; others unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_workbook(workbook: Any) -> int:
    """Turn every formula cell of an openpyxl workbook into a text cell; return how many."""
    count = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
                    count += 1
    return count
