"""Reading a JSON file of records (domain.md section 11) as batches of text cells, streamed.

The file is an array of objects, or an object one of whose keys is "data" (matched like a
header) holding that array. It is parsed as a stream, record by record, with the standard
library's C JSON scanner (`json.JSONDecoder.raw_decode`) on a window of the decoded text: memory
holds that window and one batch of records, never the file (no `json.load` of it). The C scanner
reads a million sync records about twice as fast as ijson's event parser did here.

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
import re
from collections.abc import Iterator, Mapping
from itertools import repeat
from pathlib import Path

import numpy as np
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

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(min(len(buffer), _READ_BYTES))
        if not self.started:
            self.started = True
            data = data.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark
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
    """The file's text, decoded as it is read, with a cursor; the part before the cursor is
    dropped as the window moves on."""

    def __init__(self, handle, *, file_name: str) -> None:
        self.raw = _Guarded(handle, file_name=file_name)
        self.file_name = file_name
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text, self.pos, self.eof = "", 0, False
        self.fills, self.failed_run = 0, -1

    def _fill(self) -> bool:
        if self.eof:
            return False
        block = self.raw.read(_READ_BYTES)
        try:
            decoded = self.decoder.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise ImportRefused(
                f"Tệp {self.file_name} không được mã hóa UTF-8; hãy lưu lại với mã hóa UTF-8."
            ) from exc
        if self.pos > len(self.text) // 2:
            self.text, self.pos = self.text[self.pos :], 0
        self.text += decoded
        self.fills += 1
        self.eof = not block
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file)."""
        while True:
            self.pos = _SPACE.match(self.text, self.pos).end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self._fill():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise ImportRefused(self.error(what))
        self.pos += 1

    def value(self) -> object:
        """The JSON value at the cursor, read whole (reading on while it is cut by the window)."""
        start = self.pos - len(self.text)  # negative: stays valid when the window moves on
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                if len(self.text) - self.pos > MAX_RECORD_BYTES + _READ_BYTES:
                    raise ImportRefused(self._too_long()) from exc
                if not self._fill():
                    cut = exc.pos >= len(self.text.rstrip()) or exc.msg.startswith("Unterminated")
                    raise ImportRefused(self.error("" if cut else exc.msg)) from exc
                continue
            if end >= len(self.text) and not self.eof and not isinstance(value, dict | list):
                self._fill()  # a number may go on in the next block
                continue
            self.pos = end
            del start
            return value

    def whole_lines(self) -> tuple[list, bool] | None:
        """The records from the cursor to the window's last line break, decoded in one call,
        and whether a comma ended them; None when that text is not a run of array elements.

        Exports write one record per line: decoding a run of them at once costs a fraction of
        decoding them one by one. A raw line break cannot stand inside a JSON string, so the
        text up to one ends between two tokens; when that text, in brackets, is a JSON array,
        its elements are exactly those the one-by-one reading would give. When it is not (a
        record spread over lines, the end of the array, bad JSON), the one-by-one reading
        takes over, with its own errors."""
        if self.peek() != "{" or self.fills == self.failed_run:
            return None
        start = self.pos
        end = self.text.rfind("\n", start)
        if end <= start:
            return None
        chunk = self.text[start:end].rstrip()
        comma = chunk.endswith(",")
        try:
            records = _DECODER.decode("[" + (chunk[:-1] if comma else chunk) + "]")
        except json.JSONDecodeError:
            self.failed_run = self.fills  # not again before more of the file is read
            return None
        self.pos = end
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


_SPACE = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder(parse_float=lambda text: _float(text))


def _not_records(file_name: str) -> str:
    return (
        f"Tệp {file_name} không phải danh sách hồ sơ dạng JSON: cần một mảng các bản ghi "
        '([{…}, {…}]) hoặc một đối tượng có khóa "data" chứa mảng đó.'
    )


def _records(text: _Text, file_name: str) -> Iterator[object]:
    """The elements of the records' array, one by one; then checks the file ends properly."""
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


def _array(text: _Text) -> Iterator[object]:
    text.expect("[", "cần dấu mở ngoặc vuông")
    if text.peek() == "]":
        text.pos += 1
        return
    while True:
        text.raw.since_record = 0
        run = text.whole_lines()
        if run is None:
            yield text.value()
        else:
            records, comma = run
            yield from records
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
            for record in _records(_Text(handle, file_name=self.file_name), self.file_name):
                records.append(record)
                if len(records) == self.batch_rows:
                    yield self._frame(records, first=number + 1)
                    number += len(records)
                    records = []
            if records:
                yield self._frame(records, first=number + 1)

    def _frame(self, records: list, *, first: int) -> pl.DataFrame:
        for offset, record in enumerate(records):
            if type(record) is not dict:
                raise ImportRefused(
                    f"Tệp {self.file_name}: phần tử thứ {_number(first + offset)} của mảng không "
                    "phải một bản ghi (đối tượng JSON {…})."
                )
        keys = set().union(*records)
        keys.discard(ROW)  # the row numbers' own column (labels.ROW)
        for key in keys:
            if key not in self._label:
                self._learn(key)
        by_label: dict[str, list[str]] = {}
        for key in keys:
            by_label.setdefault(self._label[key], []).append(key)
        columns = {ROW: pl.Series(range(first, first + len(records)), dtype=pl.Int64)}
        for label in self.headers:
            spellings = by_label.get(label)
            if not spellings:
                columns[label] = pl.Series([None] * len(records), dtype=pl.String)
                continue
            values = self._values(records, spellings, label=label, first=first)
            columns[label] = pl.Series(values, dtype=pl.String)
        return pl.DataFrame(columns)

    def _learn(self, key: str) -> None:
        norm = normalise_label(key)
        norm = self._column_of.get(norm, norm)
        label = self._by_norm.get(norm)
        if label is None:
            label = self._by_norm[norm] = key
            self.headers.append(key)
        self._label[key] = label

    def _values(self, records: list, spellings: list[str], *, label: str, first: int) -> list:
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
        kinds = set(map(type, values))
        if kinds <= {str, type(None)}:
            return values
        if kinds <= {int, type(None)}:
            return pl.Series(values, dtype=pl.Int64, strict=False).cast(pl.String)
        if kinds & {list, dict} and label not in self.nested:
            offset = next(i for i, v in enumerate(values) if type(v) in (list, dict))
            self.nested[label] = first + offset
        return [_text(value) for value in values]


def _text(value: object) -> str | None:
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
    return _dumps(value)


def _float(text: str) -> float | int:
    """A JSON number with a fraction or exponent; a whole one (20000.0) reads as an int."""
    value = float(text)
    return int(value) if value.is_integer() else value


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
