"""Reading an uploaded CSV or XLSX file into a table of text cells.

Every cell comes back as text (or null when empty), exactly as the person typed it, so that a
rejected row can be reported with its original value; typed parsing happens in `parsing.py`.
An Excel date cell is turned into ISO text ("2023-06-12", or "2023-06-12T08:30:00" when it has
a time of day), which the date parser reads like any typed date.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import polars as pl

from dossiers.importing.outcome import ImportRefused

ROW = "_row"  # the row number as the user sees it in the file (the header is row 1)

_BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class Table:
    headers: list[str]  # as in the file
    frame: pl.DataFrame  # one text column per header, plus ROW; blank rows already dropped


def read_table(path: Path, *, file_name: str, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file, or refuse it with one sentence saying what is wrong."""
    suffix = Path(file_name).suffix.lower()
    if suffix == ".csv":
        frame = _read_csv(path, file_name)
    elif suffix in (".xlsx", ".xlsm"):
        frame = _read_xlsx(path, file_name, sheet)
    else:
        raise ImportRefused(
            f"Tệp {file_name} không phải tệp CSV hoặc Excel (.xlsx); hãy lưu lại ở một trong hai "
            "định dạng đó."
        )
    headers = [str(name) for name in frame.columns]
    frame = frame.with_columns(
        pl.col(pl.String).str.strip_chars().replace("", None),
    ).with_row_index(ROW, offset=2)
    frame = frame.with_columns(pl.col(ROW).cast(pl.Int64))
    blank = pl.all_horizontal(pl.col(headers).is_null()) if headers else pl.lit(True)
    frame = frame.filter(~blank)
    if frame.height == 0:
        raise ImportRefused(f"Tệp {file_name} không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
    return Table(headers=headers, frame=frame)


def _read_csv(path: Path, file_name: str) -> pl.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if not head.removeprefix(_UTF8_BOM).strip():
        raise ImportRefused(f"Tệp {file_name} trống.")
    if head.startswith(_BINARY_SIGNATURES) or b"\x00" in head:
        raise ImportRefused(
            f"Tệp {file_name} không phải tệp CSV dạng văn bản (có thể là tệp Excel, PDF hoặc ảnh "
            "bị đổi tên)."
        )
    first_line = head.removeprefix(_UTF8_BOM).splitlines()[0]
    separator = ";" if first_line.count(b";") > first_line.count(b",") else ","
    _refuse_repeated_headers(first_line, separator, file_name)
    try:
        frame = pl.read_csv(
            path,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=True,
        )
    except pl.exceptions.ComputeError as exc:
        if "utf-8" in str(exc).lower() or "utf8" in str(exc).lower():
            raise ImportRefused(
                f"Tệp {file_name} không được mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8."
            ) from exc
        raise ImportRefused(f"Không đọc được tệp {file_name} như một tệp CSV: {exc}.") from exc
    except pl.exceptions.NoDataError as exc:
        raise ImportRefused(f"Tệp {file_name} trống.") from exc
    except pl.exceptions.PolarsError as exc:
        raise ImportRefused(f"Không đọc được tệp {file_name} như một tệp CSV: {exc}.") from exc
    return frame


def _refuse_repeated_headers(first_line: bytes, separator: str, file_name: str) -> None:
    # polars would silently rename the second one; a person must choose which column counts.
    text = first_line.decode("utf-8", errors="replace")
    headers = [h.strip() for h in next(csv.reader([text], delimiter=separator)) if h.strip()]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise ImportRefused(f"Tệp {file_name} có nhiều cột cùng tên «{repeated[0]}».")


def _read_xlsx(path: Path, file_name: str, sheet: str | None) -> pl.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise ImportRefused(f"Tệp {file_name} trống.")
    if head != b"PK\x03\x04":
        raise ImportRefused(f"Tệp {file_name} không phải tệp Excel (.xlsx) hợp lệ.")
    try:
        data = pd.read_excel(
            path, sheet_name=sheet if sheet else 0, engine="calamine", dtype=object, header=0
        )
    except ValueError as exc:
        if sheet and "not found" in str(exc).lower():
            raise ImportRefused(f"Tệp {file_name} không có trang tính «{sheet}».") from exc
        raise ImportRefused(f"Không đọc được tệp Excel {file_name}: {exc}.") from exc
    except Exception as exc:  # calamine raises its own error types for corrupt workbooks
        raise ImportRefused(f"Không đọc được tệp Excel {file_name}: {exc}.") from exc
    if data.columns.empty:
        raise ImportRefused(f"Tệp {file_name} trống.")
    headers = [_header_text(name) for name in data.columns]
    columns = {
        header: [_cell_text(value) for value in data[name].tolist()]
        for header, name in zip(headers, data.columns, strict=True)
    }
    return pl.DataFrame(columns, schema=dict.fromkeys(headers, pl.String))


def _header_text(name: object) -> str:
    return "" if str(name).startswith("Unnamed:") else str(name).strip()


def _cell_text(value: object) -> str | None:
    """One Excel cell as the text a person would have typed in a CSV file."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, dt.datetime):
        value = _round_to_second(value)
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _round_to_second(value: dt.datetime) -> dt.datetime:
    # Excel stores times as fractions of a day; 08:30 may come back as 08:29:59.999.
    if value.microsecond >= 500_000:
        value += dt.timedelta(seconds=1)
    return value.replace(microsecond=0)
