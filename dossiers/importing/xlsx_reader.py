"""Reading an XLSX sheet as rows of text cells, streamed, within documented bounds.

Pure Python (zipfile, lxml); no Django, so that `reading` can run it as a child process
(`python -m dossiers.importing.xlsx_reader`) under a memory and CPU limit: a hostile workbook
that still managed to exhaust it would end the child, never the web or worker process
(docs/reliability.md, "Spreadsheet bombs").

Before a cell is read, the workbook is checked against `Limits` (`inspect`): the zip members'
declared uncompressed sizes, the sheet's claimed dimension (`<dimension ref="A1:XFD1048576"/>`:
rows × columns), the shared strings' count. While reading, the same bounds hold for what is
actually there (bytes decompressed, columns used, cells, shared strings' total length), so a
workbook that lies in its headers is refused as well. Rows are produced one at a time: memory
holds the shared strings and one row, whatever the sheet's length.

A cell comes back as the text a person would have typed in a CSV file: shared and inline
strings as they are; numbers as "12" or "1.5"; booleans "true"/"false"; a number whose cell
format shows a date as ISO text: "2023-06-12" when the format shows no time of day (and the
value has none), "2023-06-12T00:00:00" when the format shows a time, even at midnight, so a
due date-time of 00:00 stays 00:00 and is never read as the end of that day (issue 12).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import re
import resource
import struct
import sys
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from lxml import etree

from dossiers.importing.labels import HEADER_SEARCH_ROWS, header_row_index

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_C, _V, _IS, _T, _ROW, _SI = (f"{{{MAIN}}}{name}" for name in ("c", "v", "is", "t", "row", "si"))
_RPH = f"{{{MAIN}}}rPh"
_DIGITS = "0123456789"
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3}\d+)(?::([A-Z]{1,3}\d+))?\"")


@dataclass(frozen=True)
class Limits:
    """What a workbook may hold (docs/reliability.md says why these numbers)."""

    columns: int = 500  # columns a sheet may use (Excel allows 16,384)
    rows: int = 1_048_576  # Excel's own maximum
    cells: int = 40_000_000  # claimed rows × columns, and cells actually read
    shared_strings: int = 5_000_000  # distinct strings of the workbook
    shared_string_chars: int = 200_000_000  # their total length
    cell_chars: int = 32_767  # the text of one cell (Excel's own maximum)
    member_bytes: int = 4_000_000_000  # uncompressed size of any one zip member
    members: int = 10_000  # zip members (a workbook has a few dozen)
    ratio: int = 200  # uncompressed ÷ compressed size of a member (a zip bomb compresses more)
    text_bytes: int = 200_000_000  # the sheet's cells as CSV text (what a CSV upload may hold)


class XlsxRefused(Exception):
    """The workbook cannot be read; the message is one Vietnamese sentence."""


@dataclass
class Sheet:
    name: str
    member: str  # the sheet's XML inside the zip
    date1904: bool
    styles: list[str]  # per cell style index: "" (not a date), "date", "datetime" or "time"
    shared_strings: str | None  # the shared strings' member, if any
    claimed: tuple[int, int] | None = None  # rows × columns of <dimension>, when given
    sizes: dict[str, int] = field(default_factory=dict)


def number_text(value: int) -> str:
    """A count as Vietnamese write it: 1.048.576."""
    return f"{value:,}".replace(",", ".")


_number = number_text


def inspect(path: str, *, file_name: str, sheet: str | None, limits: Limits) -> Sheet:
    """Find the sheet and check the workbook's declared sizes; refuse it past the bounds."""
    try:
        book = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise XlsxRefused(f"Tệp {file_name} không phải tệp Excel (.xlsx) hợp lệ.") from exc
    with book:
        if len(book.infolist()) > limits.members:
            raise XlsxRefused(
                f"Tệp Excel {file_name} có {_number(len(book.infolist()))} phần nén, vượt giới hạn "
                f"{_number(limits.members)} phần."
            )
        sizes = {info.filename: info.file_size for info in book.infolist()}
        for info in book.infolist():
            if info.file_size > limits.member_bytes:
                raise XlsxRefused(
                    f"Tệp Excel {file_name} khai báo phần «{info.filename}» "
                    f"{_number(info.file_size)} byte khi giải nén, vượt giới hạn "
                    f"{_number(limits.member_bytes)} byte."
                )
            if info.compress_size and info.file_size > limits.ratio * max(info.compress_size, 1024):
                raise XlsxRefused(
                    f"Tệp Excel {file_name} có phần «{info.filename}» nén quá mức "
                    f"({_number(info.compress_size)} byte nở ra {_number(info.file_size)} byte, "
                    f"giới hạn {limits.ratio} lần): tệp có thể là một «quả bom nén»."
                )
        found = _find_sheet(book, file_name=file_name, sheet=sheet, limits=limits)
        found.sizes = sizes
        head = _head(book, found.member, limits=limits)
        declared = _declared_strings(_head(book, found.shared_strings, limits=limits))
    if declared > limits.shared_strings:
        raise XlsxRefused(
            f"Tệp Excel {file_name} khai báo {_number(declared)} chuỗi dùng chung, vượt giới hạn "
            f"{_number(limits.shared_strings)} chuỗi."
        )
    found.claimed = _claimed(head)
    if found.claimed:
        rows, columns = found.claimed
        if columns > limits.columns or rows > limits.rows or rows * columns > limits.cells:
            raise XlsxRefused(
                f"Trang tính «{found.name}» của tệp {file_name} khai báo vùng dữ liệu "
                f"{_number(rows)} dòng × {_number(columns)} cột, vượt giới hạn "
                f"{_number(limits.columns)} cột và {_number(limits.cells)} ô; hãy xóa các ô thừa "
                "ngoài bảng dữ liệu hoặc chia tệp."
            )
    return found


def _xml(book: zipfile.ZipFile, member: str, *, limits: Limits) -> etree._Element:
    with book.open(member) as handle:
        data = handle.read(min(limits.member_bytes, 50_000_000) + 1)
    if len(data) > 50_000_000:
        raise XlsxRefused(f"Phần «{member}» của tệp Excel quá lớn.")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(data, parser)


def _find_sheet(
    book: zipfile.ZipFile, *, file_name: str, sheet: str | None, limits: Limits
) -> Sheet:
    names = set(book.namelist())
    try:
        workbook = _xml(book, "xl/workbook.xml", limits=limits)
        relations = _xml(book, "xl/_rels/workbook.xml.rels", limits=limits)
    except (KeyError, etree.XMLSyntaxError) as exc:
        raise XlsxRefused(f"Tệp {file_name} không phải tệp Excel (.xlsx) hợp lệ.") from exc
    targets = {
        rel.get("Id"): rel.get("Target", "") for rel in relations.iter(f"{{{PKG_REL}}}Relationship")
    }
    sheets = [
        (element.get("name", ""), targets.get(element.get(f"{{{REL}}}id"), ""))
        for element in workbook.iter(f"{{{MAIN}}}sheet")
    ]
    chosen = [s for s in sheets if s[0] == sheet] if sheet else sheets[:1]
    if not chosen:
        if sheet:
            raise XlsxRefused(f"Tệp {file_name} không có trang tính «{sheet}».")
        raise XlsxRefused(f"Tệp {file_name} không có trang tính nào.")
    name, target = chosen[0]
    member = _member_path(target)
    if member not in names:
        raise XlsxRefused(f"Tệp {file_name} thiếu nội dung của trang tính «{name}».")
    properties = workbook.find(f"{{{MAIN}}}workbookPr")
    date1904 = properties is not None and properties.get("date1904", "0") in ("1", "true")
    shared = next((n for n in ("xl/sharedStrings.xml", "xl/SharedStrings.xml") if n in names), None)
    styles = _styles(book, limits=limits) if "xl/styles.xml" in names else []
    return Sheet(name, member, date1904, styles, shared)


def _member_path(target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts: list[str] = []
    for part in PurePosixPath("xl", target).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _head(book: zipfile.ZipFile, member: str | None, *, limits: Limits) -> bytes:
    if member is None:
        return b""
    with book.open(member) as handle:
        return handle.read(4096)


_SST = re.compile(rb"<(?:\w+:)?sst\b[^>]*>")
_SST_COUNT = re.compile(rb"\b(uniqueCount|count)=\"(\d{1,20})\"")


def _declared_strings(head: bytes) -> int:
    """The shared strings' count the table's opening tag claims (uniqueCount, else count)."""
    found = _SST.search(head)
    if not found:
        return 0
    counts = dict(_SST_COUNT.findall(found.group(0)))
    return int(counts.get(b"uniqueCount") or counts.get(b"count") or 0)


def _claimed(head: bytes) -> tuple[int, int] | None:
    found = _DIMENSION.search(head)
    if not found:
        return None
    first = _position(found.group(1).decode())
    last = _position((found.group(2) or found.group(1)).decode())
    return last[0] - first[0] + 1, last[1] - first[1] + 1


def _position(ref: str) -> tuple[int, int]:
    """(row, column), both from 1, of a reference such as "XFD1048576"."""
    match = _CELL_REF.fullmatch(ref)
    if not match:
        return 1, 1
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits), column


# Built-in number formats (ECMA-376 18.8.30) that show a date, a date and time, or a time.
_BUILTIN_DATES = (14, 15, 16, 17, 27, 28, 29, 30, 31, 34, 35, 36, 50, 51, 52, 53, 54, 57, 58)
_BUILTIN_TIMES = (18, 19, 20, 21, 32, 33, 45, 46, 47, 55, 56)
_BUILTIN = {
    **dict.fromkeys(_BUILTIN_DATES, "date"),
    22: "datetime",
    **dict.fromkeys(_BUILTIN_TIMES, "time"),
}
_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]|_.|\*.')


def format_kind(code: str) -> str:
    """ "" for a format that shows no date, else "date", "datetime" or "time"."""
    text = _QUOTED.sub("", code.split(";")[0]).lower()
    has_time = "h" in text or "s" in text
    has_date = "y" in text or "d" in text or ("m" in text and not has_time)
    if has_date and has_time:
        return "datetime"
    if has_date:
        return "date"
    if has_time and re.search(r"[hs]", text):
        return "time"
    return ""


def _styles(book: zipfile.ZipFile, *, limits: Limits) -> list[str]:
    try:
        root = _xml(book, "xl/styles.xml", limits=limits)
    except (KeyError, etree.XMLSyntaxError):
        return []
    custom = {
        int(f.get("numFmtId", "-1")): format_kind(f.get("formatCode", ""))
        for f in root.iter(f"{{{MAIN}}}numFmt")
    }
    xfs = root.find(f"{{{MAIN}}}cellXfs")
    if xfs is None:
        return []
    kinds = []
    for xf in xfs.iter(f"{{{MAIN}}}xf"):
        number_format = int(xf.get("numFmtId", "0"))
        kinds.append(custom.get(number_format, _BUILTIN.get(number_format, "")))
    return kinds


class _Counted(io.RawIOBase):
    """A zip member read through a byte count: past `limit` decompressed bytes it refuses."""

    def __init__(self, handle, *, limit: int, message: str) -> None:
        self.handle, self.limit, self.message, self.count = handle, limit, message, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        self.count += len(data)
        if self.count > self.limit:
            raise XlsxRefused(self.message)
        buffer[: len(data)] = data
        return len(data)


def _shared_strings(book: zipfile.ZipFile, sheet: Sheet, *, file_name: str, limits: Limits):
    if not sheet.shared_strings:
        return []
    strings: list[str] = []
    chars = 0
    over = (
        f"Tệp Excel {file_name} có bảng chuỗi dùng chung vượt giới hạn "
        f"{_number(limits.shared_strings)} chuỗi hoặc {_number(limits.shared_string_chars)} ký tự."
    )
    with book.open(sheet.shared_strings) as handle:
        counted = _Counted(handle, limit=limits.member_bytes, message=over)
        for _, element in etree.iterparse(counted, tag=_SI, huge_tree=True, resolve_entities=False):
            text = "".join(t.text or "" for t in element.iter(_T) if t.getparent().tag != _RPH)
            if len(text) > limits.cell_chars:
                raise XlsxRefused(
                    f"Tệp Excel {file_name} có chuỗi dùng chung thứ {_number(len(strings) + 1)} "
                    f"dài {_number(len(text))} ký tự, vượt giới hạn {_number(limits.cell_chars)} "
                    "ký tự của một ô."
                )
            chars += len(text)
            strings.append(text)
            if len(strings) > limits.shared_strings or chars > limits.shared_string_chars:
                raise XlsxRefused(over)
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    return strings


_EPOCH_1900 = dt.date(1899, 12, 30)  # Excel's day 0 (its 1900 leap-year bug included)
_EPOCH_1904 = dt.date(1904, 1, 1)


def _date_text(serial: float, kind: str, date1904: bool) -> str:
    """An Excel date serial as ISO text, to the second (rounded half up: 08:29:59.999 is 08:30)."""
    days, second = divmod(int(serial * 86400 + 0.5), 86400)
    time = dt.time(second // 3600, second // 60 % 60, second % 60)
    if kind == "time" and 0 <= serial < 1:
        return time.isoformat()
    day = (_EPOCH_1904 if date1904 else _EPOCH_1900) + dt.timedelta(days=days)
    if kind == "date" and second == 0:
        return day.isoformat()
    return f"{day.isoformat()}T{time.isoformat()}"


def _number_text(text: str) -> str:
    if text.isdigit():
        return text.lstrip("0") or "0"
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        return text
    return str(int(value)) if value.is_integer() else repr(value)


def iter_rows(
    path: str, *, file_name: str, sheet: str | None, limits: Limits
) -> Iterator[tuple[int, list[str | None]]]:
    """Yield (row number, cells) for every row of the sheet that has a cell, in order.

    Cells are text or None (an empty cell), indexed by column from 0.
    """
    found = inspect(path, file_name=file_name, sheet=sheet, limits=limits)
    with zipfile.ZipFile(path) as book:
        strings = _shared_strings(book, found, file_name=file_name, limits=limits)
        styles = found.styles
        too_many = (
            f"Trang tính «{found.name}» của tệp {file_name} có hơn {_number(limits.cells)} ô, "
            f"vượt giới hạn {_number(limits.cells)} ô; hãy chia tệp."
        )
        with book.open(found.member) as handle:
            counted = _Counted(
                handle,
                limit=limits.member_bytes,
                message=f"Trang tính «{found.name}» của tệp {file_name} quá lớn khi giải nén.",
            )
            cells_read = 0
            next_row = 1
            columns: dict[str, int] = {}  # column letters → index, learnt as they come
            for _, row in etree.iterparse(
                counted, tag=_ROW, huge_tree=True, resolve_entities=False
            ):
                reference = row.get("r")
                number = int(reference) if reference and reference.isdigit() else next_row
                next_row = number + 1
                if number > limits.rows:
                    raise XlsxRefused(
                        f"Trang tính «{found.name}» của tệp {file_name} có dòng {_number(number)}, "
                        f"vượt giới hạn {_number(limits.rows)} dòng."
                    )
                cells: list[str | None] = []
                for cell in row:
                    if cell.tag != _C:
                        continue
                    cells_read += 1
                    ref = cell.get("r")
                    if ref is None:
                        column = len(cells)
                    else:
                        letters = ref.rstrip(_DIGITS)
                        column = columns.get(letters)
                        if column is None:
                            column = columns[letters] = _position(ref)[1] - 1
                    if column >= limits.columns:
                        raise XlsxRefused(
                            f"Trang tính «{found.name}» của tệp {file_name} có ô {ref} (cột thứ "
                            f"{_number(column + 1)}), vượt giới hạn {_number(limits.columns)} cột."
                        )
                    text = _cell_text(cell, strings, styles, found.date1904)
                    if text is None:
                        continue
                    if len(text) > limits.cell_chars:
                        raise XlsxRefused(
                            f"Trang tính «{found.name}» của tệp {file_name} có ô "
                            f"{ref or _number(column + 1)} dài {_number(len(text))} ký tự, vượt "
                            f"giới hạn {_number(limits.cell_chars)} ký tự của một ô."
                        )
                    if column == len(cells):
                        cells.append(text)
                    else:
                        if column > len(cells):
                            cells.extend([None] * (column - len(cells)))
                            cells.append(text)
                        else:
                            cells[column] = text
                if cells_read > limits.cells:
                    raise XlsxRefused(too_many)
                row.clear()
                while row.getprevious() is not None:
                    del row.getparent()[0]
                if cells:
                    yield number, cells


def _cell_text(cell, strings: list[str], styles: list[str], date1904: bool) -> str | None:
    kind = cell.get("t")
    first = cell[0] if len(cell) else None
    if first is None:
        return None
    if kind == "inlineStr":
        if first.tag != _IS:
            first = cell.find(_IS)
            if first is None:
                return None
        if len(first) == 1 and first[0].tag == _T:
            return first[0].text or ""
        return "".join(t.text or "" for t in first.iter(_T) if t.getparent().tag != _RPH)
    if first.tag != _V:
        first = cell.find(_V)
        if first is None:
            return None
    text = first.text
    if text is None:
        return None
    if kind is None or kind == "n":
        style = cell.get("s")
        date_kind = (
            styles[int(style)] if style and style.isdigit() and int(style) < len(styles) else ""
        )
        try:
            if date_kind:
                return _date_text(float(text), date_kind, date1904)
            return _number_text(text)
        except (ValueError, OverflowError):
            return text
    if kind == "s":
        index = int(text)
        return strings[index] if 0 <= index < len(strings) else None
    if kind == "b":
        return "true" if text.strip() in ("1", "true") else "false"
    return text  # "str" (a formula's text), "e" (an error such as #N/A), "d" (ISO date)


# --- The child process: rows to the parent as length-prefixed frames --------------------------
#
# A frame is 1 byte of kind and 4 bytes of length, then the payload: b"H" the header row (JSON
# list of texts), b"R" CSV text of rows (the row number first, then one cell per header), b"E"
# a refusal (UTF-8 text, one sentence), b"D" the end.

ROWS_PER_FRAME = 20_000
FRAME_CHARS = 8_000_000  # a frame is sent once it holds this much text, whatever its rows


def _frame(out, kind: bytes, payload: bytes) -> None:
    out.write(kind + struct.pack(">I", len(payload)) + payload)


def _send_rows(
    out,
    path: str,
    file_name: str,
    sheet: str | None,
    limits: Limits,
    known: frozenset[str] = frozenset(),
) -> None:
    """Send the sheet's rows, refusing it once its text passes `limits.text_bytes`: the parent
    holds every cell, so a workbook may give it no more text than a CSV upload could.

    The header row is the first row, or, below a title, the first of the first rows holding
    `known` headers (`labels.header_row_index`); the rows above it are not sent."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    width = None
    pending = 0
    sent = 0
    too_much = (
        f"Dữ liệu của tệp Excel {file_name} vượt {_number(limits.text_bytes)} byte khi đọc ra "
        "thành văn bản (giới hạn như của một tệp CSV); hãy chia tệp."
    )

    def flush() -> int:
        payload = buffer.getvalue().encode()
        if sent + len(payload) > limits.text_bytes:
            raise XlsxRefused(too_much)
        _frame(out, b"R", payload)
        buffer.seek(0)
        buffer.truncate()
        return len(payload)

    rows = iter_rows(path, file_name=file_name, sheet=sheet, limits=limits)
    first = list(itertools.islice(rows, HEADER_SEARCH_ROWS))
    start = header_row_index([cells for _, cells in first], known)
    for number, cells in itertools.chain(first[start:], rows):
        if width is None:
            header = ["" if c is None else c for c in cells]
            width = len(header)
            _frame(out, b"H", json.dumps(header, ensure_ascii=False).encode())
            continue
        row = ["" if c is None else c for c in cells[:width]]
        row.extend([""] * (width - len(row)))
        writer.writerow([number, *row])
        pending += 1
        if pending == ROWS_PER_FRAME or buffer.tell() >= FRAME_CHARS:
            sent += flush()
            pending = 0
    if pending:
        flush()


def _out_of_memory(exc: Exception) -> bool:
    """Python's MemoryError, or the same failure as zlib (Z_MEM_ERROR, -4) or libxml2 say it."""
    if isinstance(exc, MemoryError):
        return True
    if isinstance(exc, zlib.error):
        return "Error -4 " in str(exc)
    return isinstance(exc, etree.LxmlError) and "memory" in str(exc).lower()


def main(argv: list[str]) -> int:
    """The child's body: `python -m dossiers.importing.xlsx_reader PATH NAME SHEET LIMITS`,
    LIMITS a JSON object of `Limits` fields plus "memory_bytes" and "cpu_seconds", the bounds
    the child puts on itself before reading anything, and "header_labels", the kind's known
    headers (normalised) by which a header row below a title is found."""
    path, file_name, sheet, limits_json = argv
    options = json.loads(limits_json)
    memory, cpu = options.pop("memory_bytes", None), options.pop("cpu_seconds", None)
    known = frozenset(options.pop("header_labels", ()))
    if memory:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    limits = Limits(**options)
    out = sys.stdout.buffer
    try:
        _send_rows(out, path, file_name, sheet or None, limits, known)
    except XlsxRefused as exc:
        _frame(out, b"E", str(exc).encode())
    except Exception as exc:  # a corrupt workbook: zip, deflate, XML or value errors
        if _out_of_memory(exc):
            bound = f" (giới hạn {number_text(memory // 2**20)} MB)" if memory else ""
            message = f"Tệp Excel {file_name} cần quá nhiều bộ nhớ để đọc{bound}; hãy chia tệp."
        else:
            message = f"Không đọc được tệp Excel {file_name}: {exc}."
        _frame(out, b"E", message.encode())
    _frame(out, b"D", b"")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
