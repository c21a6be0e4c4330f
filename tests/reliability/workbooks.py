"""Hand-built XLSX files for the spreadsheet-bomb tests: the smallest zip a reader accepts as a
workbook (content types, relationships, workbook, one sheet, shared strings when given), with
the sheet's XML written as given, so a test can claim any dimension and place any cell.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Hồ sơ" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)

Cell = tuple[str, str]  # (reference such as "XFD1048576", text)


def column_letters(index: int) -> str:
    """ "A" for 0, "XFD" for 16,383."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def row_xml(number: int, cells: Iterable[Cell]) -> str:
    inner = "".join(
        f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>' for ref, text in cells
    )
    return f'<row r="{number}">{inner}</row>'


def table_rows(rows: Iterable[list[str]], *, first: int = 1) -> Iterable[str]:
    """Rows of inline-string cells from column A, numbered from `first`."""
    for number, cells in enumerate(rows, start=first):
        yield row_xml(number, ((f"{column_letters(i)}{number}", t) for i, t in enumerate(cells)))


def write_workbook(
    path: Path,
    rows: Iterable[str],
    *,
    dimension: str | None = None,
    shared_strings: Iterable[str] | None = None,
    shared_count: int | None = None,
    extra: dict[str, bytes] | None = None,
) -> Path:
    """Write a workbook whose sheet holds these `<row>` elements (streamed into the zip), with a
    `<dimension ref=…>` when given and a shared-strings table when given (its opening tag claims
    `shared_count` strings, else as many as it holds)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _WORKBOOK)
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
            )
            if dimension:
                sheet.write(f'<dimension ref="{dimension}"/>'.encode())
            sheet.write(b"<sheetData>")
            for row in rows:
                sheet.write(row.encode())
            sheet.write(b"</sheetData></worksheet>")
        if shared_strings is not None:
            strings = list(shared_strings)
            count = len(strings) if shared_count is None else shared_count
            items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
            book.writestr(
                "xl/sharedStrings.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="{count}" '
                f'uniqueCount="{count}">{items}</sst>',
            )
        for name, content in (extra or {}).items():
            book.writestr(name, content)
    return path


def sparse_bomb(path: Path, *, dimension: bool) -> Path:
    """Issue 15's 1.6 kB workbook: a cell in A1 and one in XFD1048576, Excel's last cell."""
    rows = [row_xml(1, [("A1", "Mã hồ sơ")]), row_xml(1_048_576, [("XFD1048576", "x")])]
    return write_workbook(path, rows, dimension="A1:XFD1048576" if dimension else None)
