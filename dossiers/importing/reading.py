"""Reading an uploaded CSV, XLSX or JSON file as batches of text cells, streamed and bounded.

Every cell comes back as text (or null when empty), exactly as the person typed it, so that a
rejected row can be reported with its original value; typed parsing happens in `parsing.py`.
Cells are stripped of surrounding spaces; rows with no cell at all are dropped.

`open_source` gives the file's headers and an iterator of frames of at most `BATCH_ROWS` rows
(one text column per header, plus ROW), so memory holds one batch, whatever the file's length:

* CSV (UTF-8 with or without BOM, comma or semicolon): read in blocks of whole records
  (`CSV_BLOCK_BYTES`), each parsed by polars;
* XLSX: `xlsx_reader`, in a child process under a memory and CPU limit, bounded before any cell
  is read (dimension, cells, shared strings, uncompressed sizes): a workbook built to exhaust
  the reader ends that child with a refusal naming the limit, never the web or worker process.
  An Excel date cell is ISO text ("2023-06-12", or "2023-06-12T08:30:00" when its format shows a
  time of day, midnight included), which the date parser reads like any typed date;
* JSON (domain.md section 11): `json_records`, an array of records (or an object whose "data"
  holds it), parsed a window at a time; a file of `json_records.JSON_CHILD_BYTES` or more is
  parsed in a child process (`JsonChild`), off this process's interpreter lock.

A file refused as a whole raises `ImportRefused` with one Vietnamese sentence.
"""

from __future__ import annotations

import csv
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from dossiers.importing import json_records, xlsx_reader
from dossiers.importing.json_records import JsonChild, JsonRecords
from dossiers.importing.labels import HEADER_SEARCH_ROWS, ROW, header_row_index
from dossiers.importing.outcome import ImportRefused

BATCH_ROWS = 50_000  # about 400 MB peak for an import process (docs/benchmarks.md)
SUFFIXES = (".csv", ".xlsx", ".xlsm", ".json")

# The XLSX reader's bounds (docs/reliability.md, "Spreadsheet bombs"), and the child's own.
XLSX_LIMITS = xlsx_reader.Limits()
XLSX_CHILD_MEMORY_BYTES = 1536 * 1024 * 1024  # address space of the reading process
XLSX_CHILD_CPU_SECONDS = 900

_BINARY_SIGNATURES = (b"PK\x03\x04", b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\xd0\xcf\x11")
_UTF8_BOM = b"\xef\xbb\xbf"
_NEWLINE, _QUOTE = ord("\n"), ord('"')


@dataclass
class Table:
    headers: list[str]  # as in the file
    frame: pl.DataFrame  # one text column per header, plus ROW; blank rows already dropped
    nested: dict[str, int] = field(default_factory=dict)  # as `Source.nested`


@dataclass
class Source:
    """A file being read: its headers (as in the file) and its rows, batch by batch."""

    headers: list[str]
    batches: Iterator[pl.DataFrame]
    # JSON only: header → the first record whose value there is a list or an object.
    nested: dict[str, int] = field(default_factory=dict)


def read_table(
    path: Path,
    *,
    file_name: str,
    sheet: str | None = None,
    known: frozenset[str] = frozenset(),
    column_of: Mapping[str, str] | None = None,
) -> Table:
    """The whole file at once (for small files and the error report)."""
    source = open_source(path, file_name=file_name, sheet=sheet, known=known, column_of=column_of)
    frames = list(source.batches)
    headers = source.headers  # complete once every batch is read (JSON keys come as they come)
    frame = pl.concat([with_headers(f, headers) for f in frames])
    return Table(headers=headers, frame=frame, nested=source.nested)


def with_headers(frame: pl.DataFrame, headers: list[str]) -> pl.DataFrame:
    """The frame with exactly these columns (a header its batch lacked is empty), plus ROW."""
    return frame.select(
        ROW,
        *(pl.col(h) if h in frame.columns else pl.lit(None, pl.String).alias(h) for h in headers),
    )


def open_source(
    path: Path,
    *,
    file_name: str,
    sheet: str | None = None,
    batch_rows: int = BATCH_ROWS,
    known: frozenset[str] = frozenset(),
    column_of: Mapping[str, str] | None = None,
) -> Source:
    """Open a CSV, XLSX or JSON file, or refuse it with one sentence saying what is wrong.

    `known`: the kind's headers (`headers.known_labels`); in a CSV or XLSX file opening with a
    title, the header row is the first of the first rows holding them (`labels`), the rows
    above it are skipped and every row keeps its number in the file.

    The first batch is read at once (a file with no data row is refused here); the others as
    the iterator is consumed, which may still refuse the file (a bad XLSX cell far down).
    """
    suffix = Path(file_name).suffix.lower()
    if suffix == ".csv":
        headers, batches = _csv(path, file_name, batch_rows, known)
        source = Source(headers, batches)
    elif suffix in (".xlsx", ".xlsm"):
        headers, batches = _xlsx(path, file_name, sheet, batch_rows, known)
        source = Source(headers, batches)
    elif suffix == ".json":
        # A large file is decoded in a child process, off this one's interpreter lock.
        reader = JsonChild if path.stat().st_size >= json_records.JSON_CHILD_BYTES else JsonRecords
        records = reader(path, file_name=file_name, batch_rows=batch_rows, column_of=column_of)
        source = Source(records.headers, records.batches(), records.nested)
    else:
        raise ImportRefused(
            f"Tệp {file_name} không phải tệp CSV hoặc Excel (.xlsx), cũng không phải tệp JSON; "
            "hãy lưu lại ở một trong các định dạng đó."
        )
    tidy = _tidied(source, file_name)
    first = next(tidy, None)
    if first is None:
        raise ImportRefused(f"Tệp {file_name} không có dòng dữ liệu nào (chỉ có dòng tiêu đề).")
    source.batches = _chain(first, tidy)
    return source


def _chain(first: pl.DataFrame, rest: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    yield first
    yield from rest


def _tidied(source: Source, file_name: str) -> Iterator[pl.DataFrame]:
    """Strip the cells, read empty ones as null, drop blank rows; skip empty batches."""
    for frame in source.batches:
        texts = [name for name in frame.columns if name != ROW]
        frame = frame.with_columns(pl.col(texts).str.strip_chars().replace("", None))
        if texts:
            frame = frame.filter(~pl.all_horizontal(pl.col(texts).is_null()))
        else:
            frame = frame.clear()
        if frame.height:
            yield frame.with_columns(pl.col(ROW).cast(pl.Int64))


# --- CSV ----------------------------------------------------------------------------------------


def _csv(
    path: Path, file_name: str, batch_rows: int, known: frozenset[str]
) -> tuple[list[str], Iterator[pl.DataFrame]]:
    with path.open("rb") as handle:
        head = handle.read(64 * 1024)
    if not head.removeprefix(_UTF8_BOM).strip():
        raise ImportRefused(f"Tệp {file_name} trống.")
    if head.startswith(_BINARY_SIGNATURES) or b"\x00" in head:
        raise ImportRefused(
            f"Tệp {file_name} không phải tệp CSV dạng văn bản (có thể là tệp Excel, PDF hoặc ảnh "
            "bị đổi tên)."
        )
    lines = head.removeprefix(_UTF8_BOM).splitlines()[:HEADER_SEARCH_ROWS]
    skipped = header_row_index([_line_cells(line) for line in lines], known)
    first_line = lines[skipped]
    separator = _separator(first_line)
    _refuse_repeated_headers(first_line, separator, file_name)
    options = {"separator": separator, "infer_schema": False, "truncate_ragged_lines": True}
    blocks = _csv_blocks(path)
    first = next(blocks)
    with _csv_refusals(file_name):
        header = pl.read_csv(
            first.removeprefix(_UTF8_BOM),
            n_rows=0,
            encoding="utf8",
            skip_lines=skipped,
            **options,
        )
    headers = [str(name) for name in header.columns]
    frames = _csv_frames(_chain(first, blocks), headers, file_name, batch_rows, options, skipped)
    return headers, frames


CSV_BLOCK_BYTES = 8 * 1024 * 1024  # the text read at once; polars parses it in parallel


def _csv_blocks(path: Path) -> Iterator[bytes]:
    """The file's bytes in blocks of about CSV_BLOCK_BYTES, each ending at the end of a record:
    a newline outside quotes (an even number of quote characters before it, as RFC 4180's
    doubled quotes keep). A file whose quotes never close comes as one block."""
    carry = b""
    with path.open("rb") as handle:
        while block := handle.read(CSV_BLOCK_BYTES):
            data = carry + block
            end = _last_record_end(data)
            carry, data = data[end:], data[:end]
            if data:
                yield data
    if carry:
        yield carry


def _last_record_end(data: bytes) -> int:
    """The offset just after the last newline of `data` that ends a record (0 if none)."""
    array = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(array == _NEWLINE)
    if not newlines.size:
        return 0
    quotes = np.flatnonzero(array == _QUOTE)
    quotes_before = np.searchsorted(quotes, newlines)  # quotes before each newline
    outside = newlines[quotes_before % 2 == 0]
    return int(outside[-1]) + 1 if outside.size else 0


@contextmanager
def _csv_refusals(file_name: str) -> Iterator[None]:
    try:
        yield
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


def _csv_frames(
    blocks: Iterator[bytes],
    headers: list[str],
    file_name: str,
    batch_rows: int,
    options: dict,
    skipped: int,
) -> Iterator[pl.DataFrame]:
    """Frames of at most `batch_rows` rows, numbered as in the file (`skipped` title lines,
    then the header row, then the first data row)."""
    number = skipped + 2
    for index, block in enumerate(blocks):
        with _csv_refusals(file_name):
            frame = pl.read_csv(
                block.removeprefix(_UTF8_BOM) if index == 0 else block,
                has_header=index == 0,
                skip_lines=skipped if index == 0 else 0,
                new_columns=headers,
                encoding="utf8",
                **options,
            )
        frame = frame.with_row_index(ROW, offset=number)
        number += frame.height
        yield from frame.iter_slices(batch_rows)


def _separator(line: bytes) -> str:
    return ";" if line.count(b";") > line.count(b",") else ","


def _line_cells(line: bytes) -> list[str]:
    """One line's cells, its own separator guessed (to look for the header row)."""
    text = line.decode("utf-8", errors="replace")
    return next(csv.reader([text], delimiter=_separator(line)), [])


def _refuse_repeated_headers(first_line: bytes, separator: str, file_name: str) -> None:
    # polars would silently rename the second one; a person must choose which column counts.
    text = first_line.decode("utf-8", errors="replace")
    headers = [h.strip() for h in next(csv.reader([text], delimiter=separator)) if h.strip()]
    repeated = sorted({h for h in headers if headers.count(h) > 1})
    if repeated:
        raise ImportRefused(f"Tệp {file_name} có nhiều cột cùng tên «{repeated[0]}».")


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx(
    path: Path, file_name: str, sheet: str | None, batch_rows: int, known: frozenset[str]
) -> tuple[list[str], Iterator[pl.DataFrame]]:
    with path.open("rb") as handle:
        head = handle.read(4)
    if not head:
        raise ImportRefused(f"Tệp {file_name} trống.")
    if head != b"PK\x03\x04":
        raise ImportRefused(f"Tệp {file_name} không phải tệp Excel (.xlsx) hợp lệ.")
    # The child checks the declared sizes and the claimed dimension before it reads any cell;
    # this process does not even open the zip (its directory alone may be built to exhaust it).
    child = _XlsxChild(path, file_name, sheet, known)
    header = child.header()
    if header is None:
        child.close()
        raise ImportRefused(f"Tệp {file_name} trống.")
    headers = _unique_headers(header)
    return [h for h in headers if h], child.frames(headers, batch_rows)


def _unique_headers(cells: list[str]) -> list[str]:
    """Headers as pandas named them: empty ones kept as "" (dropped later), a repeated one
    numbered ("Ghi chú", "Ghi chú.1"), so that it matches no column and is ignored."""
    seen: dict[str, int] = {}
    headers = []
    for cell in cells:
        text = cell.strip()
        if text and text in seen:
            seen[text] += 1
            text = f"{text}.{seen[text]}"
        elif text:
            seen[text] = 0
        headers.append(text)
    return headers


class _XlsxChild:
    """`xlsx_reader` run as a child process; its frames read back as they come."""

    def __init__(
        self, path: Path, file_name: str, sheet: str | None, known: frozenset[str] = frozenset()
    ) -> None:
        limits = {
            **asdict(XLSX_LIMITS),
            "memory_bytes": XLSX_CHILD_MEMORY_BYTES,
            "cpu_seconds": XLSX_CHILD_CPU_SECONDS,
            "header_labels": sorted(known),
        }
        package_root = str(Path(__file__).resolve().parents[2])
        env = {**os.environ, "PYTHONPATH": package_root}
        self.file_name = file_name
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in `close`)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dossiers.importing.xlsx_reader",
                str(path),
                file_name,
                sheet or "",
                json.dumps(limits),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            env=env,
        )
        self.pending: tuple[bytes, bytes] | None = None

    def _next(self) -> tuple[bytes, bytes]:
        if self.pending is not None:
            frame, self.pending = self.pending, None
            return frame
        stream = self.process.stdout
        head = stream.read(5)
        if len(head) < 5:
            raise ImportRefused(self._died())
        kind, size = head[:1], struct.unpack(">I", head[1:])[0]
        payload = stream.read(size)
        if len(payload) < size:
            raise ImportRefused(self._died())
        if kind == b"E":
            self.close()
            raise ImportRefused(payload.decode())
        return kind, payload

    def _died(self) -> str:
        code = self.process.wait()
        self.close()
        how = f"tín hiệu {-code}" if code < 0 else f"mã {code}"
        return (
            f"Không đọc được tệp Excel {self.file_name}: tiến trình đọc tệp dừng bất thường "
            f"({how}), có thể vì tệp vượt giới hạn bộ nhớ "
            f"{xlsx_reader.number_text(XLSX_CHILD_MEMORY_BYTES // 2**20)} MB hoặc thời gian "
            f"{xlsx_reader.number_text(XLSX_CHILD_CPU_SECONDS)} s dành cho việc đọc tệp."
        )

    def header(self) -> list[str] | None:
        try:
            kind, payload = self._next()
        except BaseException:
            self.close()
            raise
        if kind == b"H":
            return json.loads(payload)
        self.pending = (kind, payload)
        return None

    def frames(self, headers: list[str], batch_rows: int) -> Iterator[pl.DataFrame]:
        names = [ROW, *(h if h else f"\x00{i}" for i, h in enumerate(headers))]
        kept = [ROW, *(h for h in headers if h)]
        try:
            while True:
                kind, payload = self._next()
                if kind == b"D":
                    break
                frame = pl.read_csv(
                    payload,
                    has_header=False,
                    new_columns=names,
                    infer_schema=False,
                    quote_char='"',
                )
                yield frame.select(kept)
        finally:
            self.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self.stderr.close()
