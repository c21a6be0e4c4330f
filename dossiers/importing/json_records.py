"""Reading a JSON file of records (domain.md section 11) as batches of text cells, streamed.

The file is an array of objects, or an object one of whose keys is "data" (matched like a
header) holding that array. It is parsed as a stream, a window of the file's bytes at a time:
memory holds that window and one batch of records, never the file (no `json.load` of it).
Exports write one record per line; a run of such lines (up to the window's last line break) is
decoded at once, from the bytes, by orjson (`_Text.whole_lines`). Everything else (a record
spread over lines, the array's ends, the wrapper object, NaN, bad JSON or bad UTF-8) is read
one value at a time by the standard library's C scanner (`json.JSONDecoder.raw_decode`) on the
window decoded to text, whose errors the refusals below quote; both readings give the same
cells (orjson reads a whole number beyond 64 bits as a float: a batch that may hold one is
read again by the standard library, `JsonRecords._exact`). A file of `JSON_CHILD_BYTES` or more
is read by `JsonChild`: the same reading, in a child process, so that building a million
records' Python objects does not hold the importing process's interpreter lock.

Each record becomes a row of text cells under its keys, as a CSV row would be under its headers,
so the same row rules read both:

* a string is its text; a number its JSON text ("12", "1.5"; a whole number written 20000.0 is
  "20000"); true/false are "true"/"false"; null or a missing key is an empty cell;
* a key is matched like a header (case, diacritics, spaces and punctuation ignored): records
  that spell a key differently ("maHoSo", "MaHoSo") fill one column, headed by the spelling met
  first; keys that name one column of the import (MaDonVi, MaCoQuan) fill one column too, so
  records may use either; the columns of the file are the keys of its records;
* **a list or an object value** (`DanhSachLePhi: [{"Gia": 20000}, {"Gia": 5000}]`) is handed on
  as its compact JSON text, keys as the file spells them (`[{"Gia":20000},{"Gia":5000}]`; a
  whole number written 20000.0 is 20000). The row rules decide what it means, matching the keys
  inside it like headers (`normalise_label`, at every depth: the fee rule sums the `gia` of such
  a list). Only a column whose `Column.nested` is true may hold one; in any other column the
  file is refused as "a field of the wrong type", naming the record and the key
  (`JsonRecords.nested` tells the pipeline where one was met).

Row numbers: a record's number is its position in the array, counting from 1 (there is no
header row); errors say "Dòng N" for record N.

Refused as a whole, writing nothing, with one Vietnamese sentence: not JSON; not an array of
objects (nor an object whose "data" is one); an element that is not an object; a file cut off
mid-way or with text after the end; any single value (a string, a number) longer than
`MAX_VALUE_BYTES`, detected on the raw bytes before the parser would hold it; any single record
longer than `MAX_RECORD_BYTES`.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping
from itertools import repeat
from pathlib import Path

import numpy as np
import orjson
import polars as pl

from dossiers.importing.headers import normalise_label
from dossiers.importing.labels import ROW
from dossiers.importing.outcome import ImportRefused

MAX_VALUE_BYTES = 1024 * 1024  # one string or number: a dossier's longest field is far shorter
MAX_RECORD_BYTES = 16 * 1024 * 1024  # one record, nested lists included
_READ_BYTES = 1024 * 1024
_QUOTE, _BACKSLASH = ord('"'), ord("\\")
_WHITESPACE = b" \t\r\n"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


class _Guarded(io.RawIOBase):
    """The file as the parser reads it, checked block by block on the raw bytes.

    A run of bytes without an (unescaped) quote longer than MAX_VALUE_BYTES means one value is
    that long (a string's content lies between two quotes, a number or a literal between two
    strings); it is refused before the parser has it whole. The bytes read since the last record
    was produced bound one record's size.
    """

    def __init__(self, handle, *, file_name: str) -> None:
        self.handle, self.file_name = handle, file_name
        self.run = 0  # bytes since the last quote, carried over from the previous block
        self.backslashes = 0  # backslashes ending the previous block
        self.since_record = 0
        self.started = False
        self.skipped = 0  # bytes of a byte order mark dropped at the start

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(min(len(buffer), _READ_BYTES))
        if not self.started:
            self.started = True
            self.skipped = len(data)
            data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
            self.skipped -= len(data)
        if data:
            self._check(data)
            self.since_record += len(data)
            if self.since_record > MAX_RECORD_BYTES + _READ_BYTES:
                raise ImportRefused(
                    f"Tệp {self.file_name} có một bản ghi dài quá "
                    f"{_number(MAX_RECORD_BYTES)} byte; hãy kiểm tra lại tệp."
                )
        buffer[: len(data)] = data
        return len(data)

    def _check(self, data: bytes) -> None:
        array = np.frombuffer(data, dtype=np.uint8)
        quotes = np.flatnonzero(array == _QUOTE)
        if quotes.size:
            # A quote right after a backslash is escaped (inside a string): not an end. (An
            # escaped backslash before a real quote makes the run look longer, never shorter.)
            before = np.empty(quotes.size, dtype=bool)
            before[quotes > 0] = array[quotes[quotes > 0] - 1] == _BACKSLASH
            if quotes[0] == 0:
                before[0] = self.backslashes % 2 == 1
            quotes = quotes[~before]
        if quotes.size == 0:
            longest = self.run + len(data)
            self.run = longest
        else:
            gaps = np.diff(quotes) - 1
            longest = max(
                self.run + int(quotes[0]),
                int(gaps.max()) if gaps.size else 0,
                len(data) - int(quotes[-1]) - 1,
            )
            self.run = len(data) - int(quotes[-1]) - 1
        tail = len(data) - len(data.rstrip(b"\\"))
        self.backslashes = tail if tail < len(data) else self.backslashes + tail
        if longest > MAX_VALUE_BYTES:
            raise ImportRefused(
                f"Tệp {self.file_name} có một giá trị dài hơn {_number(MAX_VALUE_BYTES)} byte "
                "(giới hạn cho một trường); hãy kiểm tra lại tệp."
            )


class _Text:
    """The file's bytes, a window at a time, with a cursor; the part before the cursor is
    dropped as the window moves on. Runs of whole lines are decoded from the bytes by orjson
    (`whole_lines`); anything else is decoded to text and read by the standard library's
    scanner (`value`), whose errors the file's refusals quote."""

    def __init__(self, handle, *, file_name: str, fast: bool = True) -> None:
        self.raw = _Guarded(handle, file_name=file_name)
        self.file_name, self.fast = file_name, fast
        self.data, self.pos, self.eof = b"", 0, False
        self.base = 0  # where `data` starts in the file (after a byte order mark)
        self.fills, self.failed_run = 0, -1
        # The window decoded for the scanner; `_synced` is the byte (and `_synced_char` its
        # index in `_text`) where the two cursors last met.
        self._text: str | None = None
        self._synced, self._synced_char = 0, 0

    def _fill(self) -> bool:
        if self.eof:
            return False
        block = self.raw.read(_READ_BYTES)
        if self.pos > len(self.data) // 2:
            self.data, self.base, self.pos = self.data[self.pos :], self.base + self.pos, 0
        self.data += block
        self._text = None
        self.fills += 1
        self.eof = not block
        if self.eof:
            self._decoded()  # a multi-byte character cut off by the end of the file is refused
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.data, self.pos).end()
            if self.pos < len(self.data):
                return chr(self.data[self.pos])
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise ImportRefused(self.error(what))
        self.pos += 1

    def _decoded(self) -> tuple[str, int]:
        """The window from the cursor on, as text (without a character cut by the window's
        end), and the cursor's index in it."""
        text = self._text
        if text is not None and self.pos >= self._synced:
            skipped = self.data[self._synced : self.pos]
            if skipped.isascii():  # spaces, commas, brackets: one character a byte
                self._synced_char += len(skipped)
                self._synced = self.pos
                return text, self._synced_char
        try:
            text, _ = codecs.utf_8_decode(self.data[self.pos :], "strict", self.eof)
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"Tệp {self.file_name} không được mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8."
            ) from exc
        self._text, self._synced, self._synced_char = text, self.pos, 0
        return text, 0

    def value(self) -> object:
        """The JSON value at the cursor, read whole (reading on while it is cut by the window)."""
        self.peek()
        while True:
            text, at = self._decoded()
            try:
                value, end = _DECODER.raw_decode(text, at)
            except json.JSONDecodeError as exc:
                if len(text) - at > MAX_RECORD_BYTES + _READ_BYTES:
                    raise ImportRefused(self._too_long()) from exc
                if not self._fill():
                    cut = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated")
                    raise ImportRefused(self.error("" if cut else exc.msg)) from exc
                continue
            if end >= len(text) and not self.eof and not isinstance(value, dict | list):
                self._fill()  # a number may go on in the next block
                continue
            read = text[at:end]
            self.pos += len(read) if read.isascii() else len(read.encode())
            self._synced, self._synced_char = self.pos, end
            return value

    def whole_lines(self) -> tuple[list, bool] | None:
        """The records from the cursor to the window's last line break, decoded in one call,
        and whether a comma ended them; None when that text is not a run of array elements.

        Exports write one record per line: decoding a run of them at once, by orjson from the
        bytes, costs a fraction of decoding them one by one. A raw line break cannot stand
        inside a JSON string, so the text up to one ends between two tokens; when that text,
        in brackets, is a JSON array that orjson reads, its elements are those the one-by-one
        reading would give (`_text` writes their numbers and nested values alike). When it is
        not (a record spread over lines, the end of the array, bad JSON or bad UTF-8, NaN, a
        whole number beyond 64 bits, a lone surrogate escape), the one-by-one reading takes
        over, with its own errors."""
        if not self.fast or self.peek() != "{" or self.fills == self.failed_run:
            return None
        end = self.data.rfind(b"\n", self.pos)
        if end <= self.pos and len(self.data) - self.pos < _READ_BYTES // 2 and self._fill():
            end = self.data.rfind(b"\n", self.pos)  # the window ended in this record's line
        start = self.pos
        if end <= start:
            return None
        chunk = self.data[start:end].rstrip(_WHITESPACE)
        comma = chunk.endswith(b",")
        try:
            records = orjson.loads(b"[" + (chunk[:-1] if comma else chunk) + b"]")
        except orjson.JSONDecodeError:
            self.failed_run = self.fills  # not again before more of the file is read
            return None
        self.pos, self._text = end, None
        return records, comma

    def _too_long(self) -> str:
        return (
            f"Tệp {self.file_name} có một bản ghi dài quá {_number(MAX_RECORD_BYTES)} byte "
            "hoặc không phải JSON hợp lệ."
        )

    def error(self, what: str) -> str:
        if not what or (self.peek() == "" and self.eof):
            return f"Tệp {self.file_name} bị cắt ngang: nội dung JSON kết thúc giữa chừng."
        return f"Tệp {self.file_name} không phải JSON hợp lệ: {what}."


_SPACE = re.compile(rb"[ \t\r\n]*")
_DECODER = json.JSONDecoder(parse_float=lambda text: _float(text))


def _not_records(file_name: str) -> str:
    return (
        f"Tệp {file_name} không phải danh sách hồ sơ dạng JSON: cần một mảng các bản ghi "
        '([{…}, {…}]) hoặc một đối tượng có khóa "data" chứa mảng đó.'
    )


def _records(text: _Text, file_name: str) -> Iterator[tuple[list, int | None]]:
    """The elements of the records' array, in runs (`_array`); then checks the file ends
    properly."""
    first = text.peek()
    if first == "{":
        text.pos += 1
        found = False
        while True:
            if text.peek() == "}" and not found:
                raise ImportRefused(_not_records(file_name))
            key = text.value()
            if not isinstance(key, str):
                raise ImportRefused(text.error("cần tên trường"))
            text.expect(":", "cần dấu hai chấm")
            if normalise_label(key) == "data" and not found:
                if text.peek() != "[":
                    raise ImportRefused(_not_records(file_name))
                found = True
                yield from _array(text)
            else:
                text.value()  # another field of the wrapper: skipped
            if text.peek() == ",":
                text.pos += 1
                continue
            text.expect("}", "cần dấu phẩy hoặc dấu đóng ngoặc")
            break
        if not found:
            raise ImportRefused(_not_records(file_name))
    elif first == "[":
        yield from _array(text)
    elif first == "" and text.eof:
        raise ImportRefused(f"Tệp {file_name} trống.")
    else:
        raise ImportRefused(_not_records(file_name))
    if text.peek() != "":
        raise ImportRefused(f"Tệp {file_name} có nội dung thừa sau mảng bản ghi.")


def _array(text: _Text) -> Iterator[tuple[list, int | None]]:
    """The array's elements as runs: (elements, where the first starts in the file) for a run
    orjson read (`whole_lines`), ([element], None) for one the standard library read."""
    text.expect("[", "cần dấu mở ngoặc vuông")
    if text.peek() == "]":
        text.pos += 1
        return
    while True:
        text.raw.since_record = 0
        at = text.base + text.pos + text.raw.skipped if text.peek() == "{" else None
        run = text.whole_lines()
        if run is None:
            yield [text.value()], None
        else:
            records, comma = run
            yield records, at
            if comma:  # the run ended with the comma before the next record
                continue
        if text.peek() == ",":
            text.pos += 1
            continue
        text.expect("]", "cần dấu phẩy hoặc dấu đóng ngoặc vuông giữa các bản ghi")
        return


class JsonRecords:
    """The records of a JSON file, in batches of text cells (see the module docstring)."""

    def __init__(
        self,
        path: Path,
        *,
        file_name: str,
        batch_rows: int = 50_000,
        column_of: Mapping[str, str] | None = None,
    ) -> None:
        self.path, self.file_name, self.batch_rows = path, file_name, batch_rows
        # normalised key → the importer's column it names (headers.column_of_label): keys that
        # name one column (MaDonVi, MaCoQuan) fill one column, as spellings of one key do.
        self._column_of = column_of or {}
        self.headers: list[str] = []  # column labels, as first spelt in the file
        self.nested: dict[str, int] = {}  # label → first record holding a list or object
        self._label: dict[str, str] = {}  # key as spelt → its column's label
        self._by_norm: dict[str, str] = {}  # normalised label → column label

    def batches(self) -> Iterator[pl.DataFrame]:
        """Frames of text cells, one column per label seen so far plus ROW."""
        number = 0
        with self.path.open("rb") as handle:
            records: list = []
            runs: list[tuple[int, int, int, int]] = []  # orjson's runs in `records` (`_exact`)
            text = _Text(handle, file_name=self.file_name)
            for run, at in _records(text, self.file_name):
                taken = 0
                while taken < len(run):
                    size = min(len(run) - taken, self.batch_rows - len(records))
                    if at is not None:
                        runs.append((len(records), at, taken, size))
                    records.extend(run[taken : taken + size] if size < len(run) else run)
                    taken += size
                    if len(records) == self.batch_rows:
                        yield self._batch(records, runs, first=number + 1)
                        number += len(records)
                        records, runs = [], []
            if records:
                yield self._batch(records, runs, first=number + 1)

    def _batch(self, records: list, runs: list, *, first: int) -> pl.DataFrame:
        """The frame of these records; if a number orjson read may have lost digits (a whole
        number beyond 64 bits reads as a float), its runs are read again by the standard
        library, which keeps every digit."""
        try:
            return self._frame(records, first=first, inexact=bool(runs))
        except _Inexact:
            for index, at, skip, size in runs:
                records[index : index + size] = self._exact(at, skip, size)
            return self._frame(records, first=first, inexact=False)

    def _exact(self, at: int, skip: int, size: int) -> list:
        """`size` records read by the standard library, after `skip` others, from byte `at`."""
        with self.path.open("rb") as handle:
            handle.seek(at)
            text = _Text(handle, file_name=self.file_name, fast=False)
            text.raw.started = True  # `at` is past a byte order mark, if any
            records = []
            for number in range(skip + size):
                if number:
                    text.expect(",", "cần dấu phẩy giữa các bản ghi")
                text.raw.since_record = 0
                record = text.value()
                if number >= skip:
                    records.append(record)
            return records

    def _frame(self, records: list, *, first: int, inexact: bool) -> pl.DataFrame:
        for offset, record in enumerate(records):
            if type(record) is not dict:
                raise ImportRefused(
                    f"Tệp {self.file_name}: phần tử thứ {_number(first + offset)} của mảng không "
                    "phải một bản ghi (đối tượng JSON {…})."
                )
        keys = set().union(*records)
        keys.discard(ROW)  # the row numbers' own column (labels.ROW)
        new = keys - self._label.keys()
        for record in records if new else ():  # in the order met (the label: the first spelling)
            for key in record:
                if key in new:
                    new.discard(key)
                    self._learn(key)
            if not new:
                break
        by_label: dict[str, list[str]] = {}
        for key in keys:
            by_label.setdefault(self._label[key], []).append(key)
        columns = {ROW: pl.Series(range(first, first + len(records)), dtype=pl.Int64)}
        for label in self.headers:
            spellings = by_label.get(label)
            if not spellings:
                columns[label] = pl.Series([None] * len(records), dtype=pl.String)
                continue
            values = self._values(records, spellings, first=first)
            columns[label] = self._cells(values, label=label, first=first, inexact=inexact)
        return pl.DataFrame(columns)

    def _learn(self, key: str) -> None:
        norm = normalise_label(key)
        norm = self._column_of.get(norm, norm)
        label = self._by_norm.get(norm)
        if label is None:
            label = self._by_norm[norm] = key
            self.headers.append(key)
        self._label[key] = label

    def _values(self, records: list, spellings: list[str], *, first: int) -> list:
        if len(spellings) == 1:
            values = list(map(dict.get, records, repeat(spellings[0])))
        else:
            values = []
            for offset, record in enumerate(records):
                given = [key for key in spellings if key in record]
                if len(given) > 1:
                    raise ImportRefused(
                        f"Tệp {self.file_name}: bản ghi thứ {_number(first + offset)} có cùng một "
                        f"trường hai lần («{given[0]}» và «{given[1]}»)."
                    )
                values.append(record[given[0]] if given else None)
        return values

    def _cells(self, values: list, *, label: str, first: int, inexact: bool) -> pl.Series:
        """The column's text cells (see the module docstring). `inexact`: the values may come
        from orjson, which reads a whole number beyond 64 bits as a float."""
        if type(next((v for v in values if v is not None), "")) is str:
            try:
                return pl.Series(values, dtype=pl.String)  # only strings and nulls: as they are
            except TypeError:
                pass  # a string first, then something else
        kinds = set(map(type, values))
        kinds.discard(type(None))
        if kinds <= {int}:
            try:
                return pl.Series(values, dtype=pl.Int64).cast(pl.String)
            except TypeError:
                pass  # a whole number beyond 64 bits: written below, digit for digit
        if inexact and float in kinds:
            for value in values:
                if type(value) is float and _beyond_64_bits(value):
                    raise _Inexact
        if not kinds & {list, dict}:
            return pl.Series(list(map(_text, values)), dtype=pl.String)
        if label not in self.nested:
            offset = next(i for i, v in enumerate(values) if type(v) in (list, dict))
            self.nested[label] = first + offset
        if kinds <= {list, dict}:
            cells = _nested_cells(values)
            if cells is not None:
                return cells
        return pl.Series([_text(value, inexact=inexact) for value in values], dtype=pl.String)


class _Inexact(Exception):
    """A float orjson read may be a whole number beyond 64 bits, its digits lost."""


def _nested_cells(values: list) -> pl.Series | None:
    """Lists and objects (and nulls) written by orjson, as `_dumps` would write them; None
    when one of them holds what orjson writes otherwise (a float, NaN, an infinity) or cannot
    write (a whole number beyond 64 bits, a lone surrogate)."""
    try:
        written = orjson.dumps(values)  # the whole column, to look for floats at once
    except orjson.JSONEncodeError:
        return None
    nulls = values.count(None)
    if written.count(b"null") != nulls or _has_float(written):
        return None
    # Each value written on its own and decoded at once: orjson's bytes, kept, weigh far more.
    cells = pl.Series([orjson.dumps(value).decode() for value in values], dtype=pl.String)
    return cells.replace("null", None) if nulls else cells


def _has_float(written: bytes) -> bool:
    """Whether orjson's output may hold a float: a digit then "." or "e" (in a string too)."""
    digits = written.translate(_DIGITS_AS_ZERO)
    return b"0." in digits or b"0e" in digits or b"0E" in digits


_DIGITS_AS_ZERO = bytes.maketrans(b"0123456789", b"0000000000")


def _beyond_64_bits(value: float) -> bool:
    """Whether this float may stand for a whole number orjson could not hold as an int (from
    below -2**63, 2**64 and up: rounding to a float may reach either bound)."""
    return not -(2**63) < value < 2**63


def _text(value: object, *, inexact: bool = False) -> str | None:
    if value is None or type(value) is str:
        return value
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is float:
        if value != value or value in (float("inf"), float("-inf")):
            return str(value)
        return str(int(value)) if value.is_integer() else repr(value)
    if type(value) is int:
        return str(value)
    try:
        written = orjson.dumps(value)
    except orjson.JSONEncodeError:  # a whole number beyond 64 bits, a lone surrogate, depth
        written = None
    if written is not None and not _MAYBE_FLOAT.search(written):
        return written.decode()  # as `_dumps` writes it: no float, NaN or infinity inside
    return _dumps(_whole(value, inexact=inexact))


# In orjson's output a float is digits then "." or "e"; NaN and infinities are written null.
_MAYBE_FLOAT = re.compile(rb"[0-9][.eE]|null")


def _whole(value: object, *, inexact: bool) -> object:
    """The value with each whole float (20000.0) as an int, at every depth."""
    if type(value) is float:
        if not value.is_integer():
            return value
        if inexact and _beyond_64_bits(value):
            raise _Inexact
        return int(value)
    if type(value) is list:
        return [_whole(item, inexact=inexact) for item in value]
    if type(value) is dict:
        return {key: _whole(item, inexact=inexact) for key, item in value.items()}
    return value


def _float(text: str) -> float | int:
    """A JSON number with a fraction or exponent; a whole one (20000.0) reads as an int."""
    value = float(text)
    return int(value) if value.is_integer() else value


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class JsonChild:
    """The records of a large JSON file read by `JsonRecords` in a child process, its frames
    read back as they come (Arrow IPC through a pipe), with the headers and `nested` it has met.

    Decoding JSON builds Python objects, holding the interpreter lock the whole time; in this
    process it would hold up the checks and staging of the batches already read (the pipeline's
    other thread). In a child, it runs on the other core. The child reads batches of
    `CHILD_BATCH_ROWS` records (its memory stays small), joined here into batches of
    `batch_rows`.
    """

    def __init__(
        self,
        path: Path,
        *,
        file_name: str,
        batch_rows: int = 50_000,
        column_of: Mapping[str, str] | None = None,
    ) -> None:
        self.path, self.file_name, self.batch_rows = path, file_name, batch_rows
        self.column_of = dict(column_of or {})
        self.headers: list[str] = []
        self.nested: dict[str, int] = {}

    def batches(self) -> Iterator[pl.DataFrame]:
        package_root = str(Path(__file__).resolve().parents[2])
        stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed below)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dossiers.importing.json_records",
                str(self.path),
                self.file_name,
                str(min(self.batch_rows, CHILD_BATCH_ROWS)),
                json.dumps(self.column_of),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=stderr,
            env={**os.environ, "PYTHONPATH": package_root},
        )
        try:
            frames: list[pl.DataFrame] = []
            rows = 0
            while True:
                kind, payload = self._next(process)
                if kind == b"D":
                    break
                if kind == b"E":
                    raise ImportRefused(payload.decode())
                size = struct.unpack(">I", payload[:4])[0]
                meta = json.loads(payload[4 : 4 + size])
                frames.append(pl.read_ipc(io.BytesIO(payload[4 + size :])))
                rows += frames[-1].height
                if rows >= self.batch_rows:
                    joined = self._joined(frames, meta)
                    yield joined.head(self.batch_rows)
                    rest = joined.slice(self.batch_rows)
                    frames, rows = ([rest], rest.height) if rest.height else ([], 0)
            if frames:
                yield self._joined(frames, meta)
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
            stderr.close()

    def _joined(self, frames: list[pl.DataFrame], meta: dict) -> pl.DataFrame:
        self.headers[:] = meta["headers"]
        self.nested.clear()
        self.nested.update(meta["nested"])
        return frames[0] if len(frames) == 1 else pl.concat(frames, how="diagonal")

    def _next(self, process: subprocess.Popen) -> tuple[bytes, bytes]:
        head = process.stdout.read(9)
        if len(head) == 9:
            size = struct.unpack(">Q", head[1:])[0]
            payload = process.stdout.read(size)
            if len(payload) == size:
                return head[:1], payload
        code = process.wait()
        how = f"tín hiệu {-code}" if code < 0 else f"mã {code}"
        raise ImportRefused(
            f"Không đọc được tệp JSON {self.file_name}: tiến trình đọc tệp dừng bất thường ({how})."
        )


JSON_CHILD_BYTES = 64 * 1024 * 1024  # from this size on, a file is read by a `JsonChild`
CHILD_BATCH_ROWS = 2_000  # the child peaks at about 95 MiB (docs/benchmarks.md, run 8)


def _send(out, kind: bytes, payload: bytes) -> None:
    out.write(kind + struct.pack(">Q", len(payload)))
    out.write(payload)
    out.flush()


def main(argv: list[str]) -> int:
    """The child of `JsonChild`: the file's frames to stdout, each with the headers and nested
    fields met so far; a refusal as its sentence ("E"); "D" at the end."""
    path, file_name, batch_rows, column_of = argv
    out = sys.stdout.buffer
    records = JsonRecords(
        Path(path), file_name=file_name, batch_rows=int(batch_rows), column_of=json.loads(column_of)
    )
    try:
        for frame in records.batches():
            meta = json.dumps({"headers": records.headers, "nested": records.nested}).encode()
            ipc = io.BytesIO()
            frame.write_ipc(ipc, compression="uncompressed")
            _send(out, b"F", struct.pack(">I", len(meta)) + meta + ipc.getvalue())
    except ImportRefused as exc:
        _send(out, b"E", str(exc).encode())
        return 0
    _send(out, b"D", b"")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
