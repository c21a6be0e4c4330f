"""The dossier file's row rules (domain.md sections 3, 9 and 11), as vectorised checks.

Both layouts arrive as one frame of text cells keyed by column (`headers.DOSSIER_COLUMNS`):
section 9's own layout, the national sync record (MaHoSo, KenhThucHien, TrangThaiHoSo, …) and
the dossier list exports of one-stop systems, or any mix of them. This module reads every cell
for what it means:

* `require_columns` refuses a file that cannot say which agency and procedure a dossier is
  (a code or a name for each) or gives half of a pair (components without the digitized count);
* `prepare` works on a batch of rows with what is known of the whole file: the procedure code
  without its local suffix (`1.001193.000.00.00.H48` is `1.001193`), the agency and procedure
  resolved by name (`NameLookups`, with the alias table), the first row of each dossier code;
* `validate_dossiers` parses and checks a chunk, returning the rows ready for the database,
  the row errors and the warnings.

Facts a file has no column for are unknown (domain.md section 11): `given_facts` says which
facts a file gives, and only those are written to a dossier already stored; a new dossier gets
NULL for the others. A column present with an empty cell means section 9's default: in person,
no, 0 (0 of 1 components digitized for the sync record's flag).

Duplicate dossier codes in one file: the first row with a code is imported, every later row
with the same code is rejected with a reason naming the first row, so the outcome never depends
on which of two contradicting rows "wins".
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl
from django.utils import translation

from agencies.models import PROCEDURE_CODE_PATTERN
from agencies.names import NameIndex, normalise_name
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.headers import DOSSIER_COLUMNS, normalise_label
from dossiers.importing.outcome import ERROR_SCHEMA, ImportRefused
from dossiers.importing.parsing import (
    YES_NO_WORDS,
    parse_amount,
    parse_choice,
    parse_datetimes,
    parse_whole,
    parse_yes_no,
    unreadable,
)
from dossiers.importing.reading import ROW
from dossiers.models import ENDED_STATUSES, NEVER_RECEIVED_STATUSES, Channel, DossierStatus

CHANNEL_WORDS = {
    "tructuyen": Channel.ONLINE.value,
    "online": Channel.ONLINE.value,
    "tructiep": Channel.IN_PERSON.value,
    "buuchinh": Channel.POSTAL.value,
    "dichvubuuchinh": Channel.POSTAL.value,
    "dichvubuuchinhcongich": Channel.POSTAL.value,
}
# KenhThucHien of the sync record; the words are accepted there too.
CHANNEL_CODES = {
    "1": Channel.IN_PERSON.value,
    "2": Channel.ONLINE.value,
    "3": Channel.POSTAL.value,
    **CHANNEL_WORDS,
}
# DuocThanhToanTrucTuyen: 1 the national portal, 2 the province's gateway, 0 not paid online.
PAID_ONLINE_CODES = {"0": False, "1": True, "2": True, **YES_NO_WORDS}
MAX_COMPONENTS = 10_000
MAX_SUPPLEMENT_REQUESTS = 32_767

DATE_MESSAGE = (
    "Ngày không hợp lệ: dùng dd/mm/yyyy, dd/mm/yyyy HH:MM[:SS], yyyyMMddHHmmss, yyyyMMdd "
    "hoặc ISO 8601."
)
YES_NO_MESSAGE = "Giá trị có/không không hợp lệ: dùng Có/Không, x hoặc để trống, 1/0, true/false."
NEW_DUE_WITHOUT_APOLOGY = (
    "Có ngày hẹn lại nhưng thiếu ngày xin lỗi: hồ sơ vẫn được nhập, ngày hẹn lại không được ghi "
    "(chỉ ghi được cùng phiếu xin lỗi)."
)

_DATES = {  # column → is a bare date the end of that day?
    "received_at": False,
    "submitted_at": False,
    "due_at": True,
    "finished_at": True,
    "result_at": True,
    "returned_at": True,
    "supplement_requested_at": False,
    "supplement_completed_at": False,
    "apology_issued_at": True,
    "apology_new_due_at": True,
}

# Groups of dossier facts that a file may lack (domain.md section 11): the columns that give
# the group, and the Dossier fields it sets. A group none of whose columns the file has is
# unknown: kept as stored for a known dossier, NULL (or the field's default) for a new one.
FACT_GROUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "channel": (("channel", "channel_code"), ("channel",)),
    "status": (("status",), ("status",)),
    "submitted": (("submitted_at",), ("submitted_at",)),
    "components": (
        ("components_total", "components_digitized", "digitized_flag"),
        ("components_total", "components_digitized"),
    ),
    "e_result": (("e_result", "result_link"), ("e_result",)),
    "fee": (("fee", "fee_list"), ("fee",)),
    "paid_online": (("paid_online", "paid_online_code"), ("paid_online",)),
    "supplementation": (
        ("supplement_requests", "supplement_requested_at", "supplement_completed_at"),
        ("supplement_requests", "supplement_requested_at", "supplement_completed_at"),
    ),
    "late_reason": (("apology_reason",), ("late_reason",)),
}
_GROUP_FACTS = tuple(fact for _, fields in FACT_GROUPS.values() for fact in fields)
# Facts every dossier file gives (its required columns).
ALWAYS_GIVEN = ("agency_id", "received_at", "due_at", "finished_at")
STAGED_COLUMNS = (
    "code",
    "agency_id",
    "procedure_code",
    "channel",
    "status",
    "received_at",
    "submitted_at",
    "due_at",
    "finished_at",
    "components_total",
    "components_digitized",
    "e_result",
    "fee",
    "paid_online",
    "supplement_requests",
    "supplement_requested_at",
    "supplement_completed_at",
    "late_reason",
    "apology_issued_at",
    "apology_new_due_at",
    "apology_reason",
)
# A fact of an unknown group staged for a new dossier: NULL, except these NOT NULL fields.
_UNKNOWN_DEFAULTS = {"supplement_requests": 0, "late_reason": ""}

_AGENCY_NAME_COLUMNS = ("agency_name", "agency_name_received")
_SUFFIXED_CODE = r"^\d\.\d{6}(\..*)?$"
_UNKNOWN, _AMBIGUOUS = "unknown", "ambiguous"


def given_facts(headers: Mapping[str, str]) -> tuple[str, ...]:
    """The Dossier fields this file gives a value for (the others are unknown)."""
    facts = list(ALWAYS_GIVEN)
    for columns, fields in FACT_GROUPS.values():
        if any(column in headers for column in columns):
            facts.extend(fields)
    return tuple(facts)


def _described(key: str) -> str:
    column = next(c for c in DOSSIER_COLUMNS if c.key == key)
    return f"«{column.header}» ({column.names[0] if column.names else column.alias})"


def require_columns(headers: Mapping[str, str], *, file_name: str) -> None:
    """Refuse a file that cannot say which agency or procedure its dossiers are, or that gives
    half of a pair of columns (domain.md section 9's last paragraph, section 11)."""
    if not any(key in headers for key in ("agency_code", *_AGENCY_NAME_COLUMNS)):
        raise ImportRefused(
            f"Tệp {file_name} thiếu cột đơn vị: cần mã đơn vị {_described('agency_code')} hoặc "
            f"tên đơn vị {_described('agency_name')}, «Đơn vị tiếp nhận»."
        )
    if not any(key in headers for key in ("procedure_code", "procedure_name")):
        raise ImportRefused(
            f"Tệp {file_name} thiếu cột thủ tục: cần mã thủ tục {_described('procedure_code')} "
            f"hoặc tên thủ tục {_described('procedure_name')}."
        )
    pair = ("components_total", "components_digitized")
    present = [key for key in pair if key in headers]
    if len(present) == 1:
        other = next(key for key in pair if key not in headers)
        raise ImportRefused(
            f"Tệp {file_name} có cột «{headers[present[0]]}» nhưng thiếu cột "
            f"{_described(other)}: hai cột này đi cùng nhau."
        )


@dataclass(frozen=True)
class UnresolvedName:
    """A name of the file that matches no agency (procedure), or several: its rows are
    rejected until the province office maps it."""

    kind: str  # "agency" or "procedure"
    name: str  # as first written in the file
    normalised: str
    rows: int
    candidates: tuple[str, ...]  # the codes sharing the name, when ambiguous


class NameLookups:
    """What a file's names resolved to, kept across its batches: each distinct (name, domain)
    is resolved once per file, and the unresolved ones add up their rows batch after batch, in
    the order the file first names them (agencies first, then procedures)."""

    def __init__(self, *, agency_names: NameIndex, procedure_names: NameIndex) -> None:
        self.indexes = {"agency": agency_names, "procedure": procedure_names}
        self.matches: dict[tuple[str, str, str | None], object] = {}
        self.problems: dict[str, dict[str, UnresolvedName]] = {"agency": {}, "procedure": {}}

    def resolve(self, kind: str, text: str, domain: str | None):
        key = (kind, text, domain)
        if key not in self.matches:
            self.matches[key] = self.indexes[kind].resolve(text, domain=domain)
        return self.matches[key]

    def unresolved(self) -> list[UnresolvedName]:
        return [*self.problems["agency"].values(), *self.problems["procedure"].values()]


def prepare(
    frame: pl.DataFrame,
    *,
    names: NameLookups,
    first_rows: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Steps before the rows of a batch are checked: the procedure code without its suffix,
    names resolved (the unresolved ones counted in `names`), the first row of each code.

    `first_rows` (code, first_row) gives the first row of every code the whole file repeats;
    without it the first row is looked for in this batch only (exact when every repeated code's
    rows lie in one batch, which `DossierImport` checks afterwards)."""
    code = pl.col("procedure_code").str.replace_all(r"\s", "")
    if first_rows is None:
        first_row = pl.col(ROW).first().over("code")
    else:
        frame = frame.join(
            first_rows, on="code", how="left", nulls_equal=True, maintain_order="left"
        )
        first_row = pl.coalesce("first_row", ROW)
    frame = frame.with_columns(
        p_code=pl.when(code.str.contains(_SUFFIXED_CODE))
        .then(code.str.slice(0, 8))
        .otherwise(code),
        p_domain=pl.coalesce("domain", "domain_code"),
        p_agency_name=pl.coalesce(*_AGENCY_NAME_COLUMNS),
        first_row=first_row.cast(pl.Int64),
    )
    frame = _resolve(
        frame,
        kind="agency",
        name="p_agency_name",
        needed=pl.col("agency_code").is_null() & pl.col("p_agency_name").is_not_null(),
        names=names,
        dtype=pl.Int64,
    )
    return _resolve(
        frame,
        kind="procedure",
        name="procedure_name",
        needed=pl.col("p_code").is_null() & pl.col("procedure_name").is_not_null(),
        names=names,
        dtype=pl.String,
    )


def _resolve(
    frame: pl.DataFrame,
    *,
    kind: str,
    name: str,
    needed: pl.Expr,
    names: NameLookups,
    dtype: pl.DataType,
) -> pl.DataFrame:
    """Add `{kind}_by_name` (the resolved key), `{kind}_name_problem` (unknown/ambiguous) and
    `{kind}_candidates` on the rows that name their agency (procedure) instead of coding it.

    Names repeat across rows: each distinct (name, domain) is resolved once in Python."""
    domain = pl.col("p_domain") if kind == "procedure" else pl.lit(None, pl.String)
    frame = frame.with_columns(_domain=domain, _needed=needed)
    counts = frame.filter("_needed").group_by(name, "_domain", maintain_order=True).len()
    lookup: list[dict] = []
    unresolved = names.problems[kind]
    for text, domain_text, rows in counts.iter_rows():
        match = names.resolve(kind, text, domain_text)
        problem = None if match.key is not None else (_AMBIGUOUS if match.ambiguous else _UNKNOWN)
        lookup.append(
            {
                name: text,
                "_domain": domain_text,
                f"{kind}_by_name": match.key,
                f"{kind}_name_problem": problem,
                f"{kind}_candidates": ", ".join(match.candidates),
            }
        )
        if problem is None:
            continue
        normalised = normalise_name(text)
        seen = unresolved.get(normalised)
        unresolved[normalised] = UnresolvedName(
            kind=kind,
            name=seen.name if seen else text,
            normalised=normalised,
            rows=(seen.rows if seen else 0) + rows,
            candidates=tuple(sorted({*(seen.candidates if seen else ()), *match.candidates})),
        )
    table = pl.DataFrame(
        lookup,
        schema={
            name: pl.String,
            "_domain": pl.String,
            f"{kind}_by_name": dtype,
            f"{kind}_name_problem": pl.String,
            f"{kind}_candidates": pl.String,
        },
    )
    return (
        frame.join(table, on=[name, "_domain"], how="left", nulls_equal=True)
        .with_columns(
            pl.when(pl.col("_needed")).then(pl.col(column)).alias(column)
            for column in (f"{kind}_by_name", f"{kind}_name_problem", f"{kind}_candidates")
        )
        .drop("_domain", "_needed")
        .sort(ROW)
    )


def procedures_to_register(frame: pl.DataFrame, *, known: set[str]) -> pl.DataFrame:
    """The unknown procedures some row of the file names with a usable name and domain (the first
    such row wins), run on the whole file so that any row may use a procedure another registers."""
    return (
        frame.filter(
            pl.col("p_code").str.contains(PROCEDURE_CODE_PATTERN)
            & ~pl.col("p_code").is_in(list(known))
            & pl.col("procedure_name").is_not_null()
            & pl.col("p_domain").is_not_null()
            & ~too_long("procedure_name", 500)
            & ~too_long("p_domain", 255)
        )
        .unique(subset="p_code", keep="first", maintain_order=True)
        .select(
            pl.col("p_code").alias("procedure_code"),
            "procedure_name",
            pl.col("p_domain").alias("domain"),
        )
    )


@dataclass
class CheckedDossiers:
    rows: pl.DataFrame  # ROW plus STAGED_COLUMNS, typed
    errors: pl.DataFrame  # outcome.ERROR_SCHEMA
    warnings: pl.DataFrame  # same schema: rows imported with a remark


def validate_dossiers(
    frame: pl.DataFrame,
    *,
    headers: dict[str, str],
    agencies: dict[str, int],
    procedures: set[str],
    time_zone: str,
) -> CheckedDossiers:
    """Check a prepared chunk (see `prepare`); `procedures` holds the known codes and those the
    file registers."""
    given = set(given_facts(headers))
    values = _parse(
        frame,
        agencies=agencies,
        procedures=procedures,
        time_zone=time_zone,
        flag_column="digitized_flag" in headers,
    )
    values = values.with_columns(
        pl.lit(_UNKNOWN_DEFAULTS.get(fact), values.schema[f"v_{fact}"]).alias(f"v_{fact}")
        for fact in _GROUP_FACTS
        if fact not in given
    )
    labels = _labels(headers)
    rejected, errors = run_checks(values, _checks(headers), headers=labels)
    rows = values.filter(~rejected).select(
        ROW,
        "code",
        *(pl.col(f"v_{name}").alias(name) for name in STAGED_COLUMNS[1:-1]),
        "apology_reason",
    )
    return CheckedDossiers(rows=rows, errors=errors, warnings=_warnings(values, ~rejected, labels))


def _labels(headers: Mapping[str, str]) -> dict[str, str]:
    """The file's header of each column a check may name, merged columns included."""
    names = [headers[key] for key in _AGENCY_NAME_COLUMNS if key in headers]
    domains = [headers[key] for key in ("domain", "domain_code") if key in headers]
    return {
        **headers,
        "p_agency_name": " / ".join(names),
        "p_code": headers.get("procedure_code", ""),
        "p_domain": " / ".join(domains),
    }


def _warnings(values: pl.DataFrame, accepted: pl.Series, labels: Mapping[str, str]):
    flagged = values.filter(
        accepted & pl.col("apology_new_due_at").is_not_null() & missing("apology_issued_at")
    )
    return flagged.select(
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(labels.get("apology_new_due_at", "")).alias("column"),
        pl.col("apology_new_due_at").alias("value"),
        pl.lit(NEW_DUE_WITHOUT_APOLOGY).alias("message"),
    ).cast(ERROR_SCHEMA)  # type: ignore[arg-type]


def _parse(
    frame: pl.DataFrame,
    *,
    agencies: dict[str, int],
    procedures: set[str],
    time_zone: str,
    flag_column: bool,
) -> pl.DataFrame:
    dates = {
        f"d_{name}": parse_datetimes(frame.get_column(name), time_zone=time_zone, end_of_day=eod)
        for name, eod in _DATES.items()
    }
    frame = frame.with_columns(
        by_code=pl.col("agency_code").replace_strict(agencies, default=None, return_dtype=pl.Int64),
        v_status=_parse_status(frame),
        channel_by_code=parse_choice(frame, "channel_code", CHANNEL_CODES, pl.String),
        channel_by_word=parse_choice(frame, "channel", CHANNEL_WORDS, pl.String),
        total=parse_whole("components_total"),
        digitized=parse_whole("components_digitized"),
        flag=parse_choice(frame, "digitized_flag", YES_NO_WORDS, pl.Boolean),
        e_result_word=parse_yes_no(frame, "e_result", default=False),
        fee_amount=parse_amount("fee"),
        fee_listed=_parse_fee_list(frame),
        paid_by_code=parse_choice(frame, "paid_online_code", PAID_ONLINE_CODES, pl.Boolean),
        paid_by_word=parse_choice(frame, "paid_online", YES_NO_WORDS, pl.Boolean),
        supplement_count=parse_whole("supplement_requests"),
        **dates,
    )
    status = pl.col("v_status")
    # A file without statuses reads as today; with one, only an ended dossier's return date
    # (NgayTra) may stand for its end (domain.md section 11).
    ended_or_unknown = status.is_null() | status.is_in([s.value for s in ENDED_STATUSES])
    procedure = (
        pl.when(pl.col("p_code").is_not_null())
        .then(pl.col("p_code"))
        .otherwise(pl.col("procedure_by_name"))
    )
    # Components: the counts when given, else the sync record's flag as 1 of 1 or 0 of 1.
    counted = pl.col("total").is_not_null()
    by_flag = pl.lit(flag_column)
    return frame.with_columns(
        v_agency_id=pl.when(pl.col("agency_code").is_not_null())
        .then(pl.col("by_code"))
        .otherwise(pl.col("agency_by_name")),
        v_procedure_code=procedure,
        procedure_known=procedure.is_in(list(procedures)),
        procedure_well_formed=pl.col("p_code").str.contains(PROCEDURE_CODE_PATTERN),
        never_received=status.is_in([s.value for s in NEVER_RECEIVED_STATUSES]).fill_null(False),
        v_channel=pl.coalesce(
            "channel_by_code", "channel_by_word", pl.lit(Channel.IN_PERSON.value)
        ),
        v_received_at=pl.col("d_received_at"),
        v_submitted_at=pl.col("d_submitted_at"),
        v_due_at=pl.col("d_due_at"),
        v_finished_at=pl.coalesce(
            "d_finished_at",
            "d_result_at",
            pl.when(ended_or_unknown).then(pl.col("d_returned_at")),
        ),
        returned_counts=ended_or_unknown,
        v_components_total=pl.when(counted)
        .then(pl.col("total"))
        .when(by_flag)
        .then(pl.lit(1, pl.Int64)),
        v_components_digitized=pl.when(counted)
        .then(pl.col("digitized").fill_null(0))
        .when(by_flag)
        .then(pl.col("flag").fill_null(False).cast(pl.Int64)),
        v_e_result=pl.col("e_result_word") | pl.col("result_link").is_not_null(),
        # The list when given, else the amount, else 0; null (and so no further check) when
        # the cell given cannot be read.
        v_fee=pl.when(pl.col("fee_list").is_not_null())
        .then(pl.col("fee_listed"))
        .when(pl.col("fee").is_not_null())
        .then(pl.col("fee_amount"))
        .otherwise(pl.lit(0, pl.Int64)),
        v_paid_online=pl.coalesce("paid_by_code", "paid_by_word", pl.lit(False)),
        v_supplement_requests=pl.coalesce(
            "supplement_count",
            pl.col("d_supplement_requested_at").is_not_null().cast(pl.Int64),
        ),
        v_supplement_requested_at=pl.col("d_supplement_requested_at"),
        v_supplement_completed_at=pl.col("d_supplement_completed_at"),
        # A reason given without an apology date stays with the dossier; with one, it is the
        # apology's reason.
        v_late_reason=pl.when(pl.col("apology_issued_at").is_null())
        .then(pl.col("apology_reason"))
        .fill_null(""),
        v_apology_issued_at=pl.col("d_apology_issued_at"),
        # A new due date belongs to an apology: without its date it cannot be kept (a warning).
        v_apology_new_due_at=pl.when(pl.col("d_apology_issued_at").is_not_null()).then(
            pl.col("d_apology_new_due_at")
        ),
    )


# Other words one-stop screens use for the same statuses (list exports show words, not codes).
STATUS_SYNONYMS = {
    "Đã tiếp nhận": 2,
    "Tiếp nhận": 2,
    "Không tiếp nhận": 3,
    "Từ chối tiếp nhận": 3,
    "Đang giải quyết": 4,
    "Chờ bổ sung": 5,
    "Yêu cầu bổ sung": 5,
    "Yêu cầu bổ sung hồ sơ": 5,
    "Chờ thực hiện nghĩa vụ tài chính": 6,
    "Rút hồ sơ": 7,
    "Đã rút hồ sơ": 7,
    "Công dân rút hồ sơ": 7,
    "Dừng giải quyết": 8,
    "Đã giải quyết": 9,
    "Đã có kết quả": 9,
    "Trả kết quả": 10,
    "Đã trả": 10,
}


def _parse_status(frame: pl.DataFrame) -> pl.Expr:
    """TrangThaiHoSo as its code 1–10 or its name ("Đã trả kết quả", or one of the synonyms
    above); null when unreadable."""
    words = {normalise_label(text): code for text, code in STATUS_SYNONYMS.items()}
    with translation.override("vi"):
        words |= {normalise_label(str(status.label)): status.value for status in DossierStatus}
    mapping = {}
    for text in frame.get_column("status").drop_nulls().unique().to_list():
        number = re.fullmatch(r"\s*0*(\d{1,2})(\.0+)?\s*", text)
        if number and 1 <= int(number.group(1)) <= 10:
            mapping[text] = int(number.group(1))
        else:
            mapping[text] = words.get(normalise_label(text))
    return pl.col("status").replace_strict(mapping, default=None, return_dtype=pl.Int64)


def _parse_fee_list(frame: pl.DataFrame) -> pl.Expr:
    """DanhSachLePhi: a JSON list of fees ({"Gia": 50000, …}), summed; null when unreadable.

    Fee lists repeat (a procedure's fees are the same for everyone), so each distinct text is
    read once in Python."""
    mapping = {
        text: _fee_list_total(text)
        for text in frame.get_column("fee_list").drop_nulls().unique().to_list()
    }
    return pl.col("fee_list").replace_strict(mapping, default=None, return_dtype=pl.Int64)


def _fee_list_total(text: str) -> int | None:
    try:
        value = json.loads(text)
    except ValueError:
        value = _python_literal(text)
        if value is None:
            return _amount(text)
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return _amount(value)
    total = 0
    for item in value:
        if not isinstance(item, dict):
            return None
        prices = [price for key, price in item.items() if normalise_label(key) == "gia"]
        if not prices or prices[0] is None or prices[0] == "":
            continue  # a fee with no price charges nothing
        amount = _amount(prices[0])
        if amount is None:
            return None
        total += amount
    return total


def _python_literal(text: str) -> object | None:
    """A list written the Python way ([{'Gia': 50000}]), as some exporters print nested values;
    None when it is not one."""
    if not text.lstrip().startswith(("[", "{")) or len(text) > 100_000:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


_AMOUNT_SUFFIX = re.compile(r"(?i)\s*(đồng|đ|vnđ|vnd)$")


def _amount(value: object) -> int | None:
    """An amount in đồng from a JSON value: 50000, 50000.0, "50.000", "50,000", "50000 đ"."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"\s", "", _AMOUNT_SUFFIX.sub("", value.strip()))
    if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):
        return int(text.replace(".", ""))
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+", text):
        return int(text.replace(",", ""))
    if re.fullmatch(r"-?\d+(\.0+)?", text):
        return int(text.split(".")[0])
    return None


def _checks(headers: Mapping[str, str]) -> list[Check]:
    v = pl.col
    received, due = v("v_received_at"), v("v_due_at")
    total, digitized = v("total"), v("digitized")
    by_code = v("p_code").is_not_null()
    unknown_procedure = v("procedure_well_formed") & ~v("procedure_known")
    needs_received = ~v("never_received")
    agency_column = "agency_code" if "agency_code" in headers else "p_agency_name"
    procedure_column = "p_code" if "procedure_code" in headers else "procedure_name"
    requested, completed = v("d_supplement_requested_at"), v("d_supplement_completed_at")
    return [
        Check("code", missing("code"), "Thiếu mã hồ sơ."),
        Check("code", too_long("code", 64), "Mã hồ sơ dài quá 64 ký tự."),
        Check(
            "code",
            v("first_row") != v(ROW),
            pl.format("Mã hồ sơ trùng với dòng {}; chỉ dòng đó được nhập.", v("first_row")),
        ),
        # The agency, by code or by name.
        Check(
            agency_column,
            missing("agency_code") & missing("p_agency_name"),
            "Thiếu đơn vị: ghi mã đơn vị hoặc tên đơn vị.",
        ),
        Check(
            "agency_code",
            v("agency_code").is_not_null() & v("by_code").is_null(),
            "Không có đơn vị mang mã này trong danh mục đơn vị.",
        ),
        Check(
            "p_agency_name",
            v("agency_name_problem") == _UNKNOWN,
            pl.format(
                "Không có đơn vị nào tên «{}» trong danh mục (kể cả các tên gọi khác đã gán); "
                "Văn phòng UBND tỉnh gán tên này cho một đơn vị trên trang Nhập dữ liệu.",
                v("p_agency_name"),
            ),
        ),
        Check(
            "p_agency_name",
            v("agency_name_problem") == _AMBIGUOUS,
            pl.format(
                "Tên đơn vị «{}» trùng với nhiều đơn vị ({}); Văn phòng UBND tỉnh gán tên này "
                "cho một đơn vị trên trang Nhập dữ liệu.",
                v("p_agency_name"),
                v("agency_candidates"),
            ),
        ),
        # The procedure, by code (a local suffix dropped) or by name.
        Check(
            procedure_column,
            missing("p_code") & missing("procedure_name"),
            "Thiếu mã thủ tục (hoặc tên thủ tục).",
        ),
        Check(
            "p_code",
            by_code & ~v("procedure_well_formed"),
            "Mã thủ tục phải có dạng D.DDDDDD (ví dụ 1.001193, hoặc 1.001193.000.00.00.H48).",
        ),
        Check(
            "p_code",
            unknown_procedure & (missing("procedure_name") | missing("p_domain")),
            "Thủ tục chưa có trong danh mục: điền Tên thủ tục và Lĩnh vực để đăng ký thủ tục mới.",
        ),
        Check(
            "procedure_name",
            unknown_procedure & too_long("procedure_name", 500),
            "Tên thủ tục dài quá 500 ký tự.",
        ),
        Check(
            "p_domain", unknown_procedure & too_long("p_domain", 255), "Lĩnh vực dài quá 255 ký tự."
        ),
        Check(
            "procedure_name",
            v("procedure_name_problem") == _UNKNOWN,
            pl.format(
                "Không có thủ tục nào tên «{}» trong danh mục (kể cả các tên gọi khác đã gán); "
                "ghi mã thủ tục, hoặc gán tên này cho một thủ tục trên trang Nhập dữ liệu.",
                v("procedure_name"),
            ),
        ),
        Check(
            "procedure_name",
            v("procedure_name_problem") == _AMBIGUOUS,
            pl.format(
                "Tên thủ tục «{}» trùng với nhiều thủ tục ({}); ghi mã thủ tục, hoặc gán tên này "
                "cho một thủ tục trên trang Nhập dữ liệu.",
                v("procedure_name"),
                v("procedure_candidates"),
            ),
        ),
        # Channel and status.
        Check(
            "channel",
            unreadable("channel", v("channel_by_word")),
            "Kênh nộp không hợp lệ: dùng Trực tuyến, Trực tiếp hoặc Bưu chính.",
        ),
        Check(
            "channel_code",
            unreadable("channel_code", v("channel_by_code")),
            "Kênh thực hiện không hợp lệ: dùng 1 (trực tiếp), 2 (trực tuyến) hoặc 3 (dịch vụ "
            "bưu chính công ích).",
        ),
        Check(
            "status",
            unreadable("status", v("v_status")),
            "Trạng thái hồ sơ không hợp lệ: dùng mã 1 đến 10 hoặc tên trạng thái (ví dụ «Đã trả "
            "kết quả»).",
        ),
        # Dates.
        Check(
            "received_at",
            missing("received_at") & needs_received,
            "Thiếu ngày tiếp nhận (chỉ hồ sơ mới đăng ký hoặc không được tiếp nhận mới được "
            "để trống).",
        ),
        Check("received_at", unreadable("received_at", received), DATE_MESSAGE),
        Check("submitted_at", unreadable("submitted_at", v("d_submitted_at")), DATE_MESSAGE),
        Check(
            "due_at",
            missing("due_at") & needs_received,
            "Thiếu ngày hẹn trả (chỉ hồ sơ mới đăng ký hoặc không được tiếp nhận mới được để "
            "trống).",
        ),
        Check("due_at", unreadable("due_at", due), DATE_MESSAGE),
        Check("due_at", due < received, "Ngày hẹn trả trước ngày tiếp nhận."),
        Check("finished_at", unreadable("finished_at", v("d_finished_at")), DATE_MESSAGE),
        Check("result_at", unreadable("result_at", v("d_result_at")), DATE_MESSAGE),
        Check("returned_at", unreadable("returned_at", v("d_returned_at")), DATE_MESSAGE),
        Check(
            "finished_at",
            v("d_finished_at") < received,
            "Ngày kết thúc xử lý trước ngày tiếp nhận.",
        ),
        Check(
            "result_at",
            v("d_finished_at").is_null() & (v("d_result_at") < received),
            "Ngày có kết quả trước ngày tiếp nhận.",
        ),
        Check(
            "returned_at",
            v("d_finished_at").is_null()
            & v("d_result_at").is_null()
            & v("returned_counts")
            & (v("d_returned_at") < received),
            "Ngày trả kết quả trước ngày tiếp nhận.",
        ),
        # Components: counts (section 9) or the sync record's flag.
        Check(
            "components_total",
            unreadable("components_total", total),
            "Số thành phần hồ sơ phải là số nguyên.",
        ),
        Check(
            "components_total",
            (total < 1) | (total > MAX_COMPONENTS),
            f"Số thành phần hồ sơ phải từ 1 đến {MAX_COMPONENTS:,}.".replace(",", "."),
        ),
        Check(
            "components_total",
            missing("components_total") & v("components_digitized").is_not_null(),
            "Có số thành phần đã số hóa nhưng thiếu số thành phần hồ sơ.",
        ),
        Check(
            "components_digitized",
            unreadable("components_digitized", digitized),
            "Số thành phần đã số hóa phải là số nguyên.",
        ),
        Check("components_digitized", digitized < 0, "Số thành phần đã số hóa không được âm."),
        Check(
            "components_digitized",
            digitized > total,
            pl.format(
                "Số thành phần đã số hóa ({}) lớn hơn số thành phần hồ sơ ({}).", digitized, total
            ),
        ),
        Check(
            "digitized_flag",
            unreadable("digitized_flag", v("flag")),
            "Giá trị không hợp lệ: dùng 1 (thành phần hồ sơ đã số hóa) hoặc 0.",
        ),
        # Result, fees, payment.
        Check("e_result", unreadable("e_result", v("e_result_word")), YES_NO_MESSAGE),
        Check("fee", v("fee_amount") < 0, "Phí, lệ phí không được âm."),
        Check(
            "fee",
            unreadable("fee", v("fee_amount")),
            "Phí, lệ phí phải là số tiền bằng đồng, ví dụ 1.500.000.",
        ),
        Check(
            "fee_list",
            unreadable("fee_list", v("fee_listed")),
            'Danh sách lệ phí phải là danh sách JSON các khoản có Gia, ví dụ [{"Gia": 50000}].',
        ),
        Check("fee_list", v("fee_listed") < 0, "Phí, lệ phí không được âm."),
        Check("paid_online", unreadable("paid_online", v("paid_by_word")), YES_NO_MESSAGE),
        Check(
            "paid_online_code",
            unreadable("paid_online_code", v("paid_by_code")),
            "Giá trị không hợp lệ: dùng 1 (thanh toán trên Cổng Dịch vụ công quốc gia), 2 (trên "
            "cổng thanh toán của tỉnh) hoặc 0 (không thanh toán trực tuyến).",
        ),
        Check(
            "paid_online_code" if "paid_online_code" in headers else "paid_online",
            v("v_paid_online") & (v("v_fee") == 0),
            "Thanh toán trực tuyến cần phí, lệ phí lớn hơn 0.",
        ),
        # Supplementation (domain.md section 11).
        Check(
            "supplement_requests",
            unreadable("supplement_requests", v("supplement_count")),
            "Số lần yêu cầu bổ sung phải là số nguyên.",
        ),
        Check(
            "supplement_requests",
            (v("supplement_count") < 0) | (v("supplement_count") > MAX_SUPPLEMENT_REQUESTS),
            "Số lần yêu cầu bổ sung phải từ 0 đến 32.767.",
        ),
        Check(
            "supplement_requests",
            (v("supplement_count") == 0) & requested.is_not_null(),
            "Có ngày yêu cầu bổ sung nhưng số lần yêu cầu bổ sung là 0.",
        ),
        Check(
            "supplement_requested_at",
            unreadable("supplement_requested_at", requested),
            DATE_MESSAGE,
        ),
        Check(
            "supplement_requested_at",
            requested < received,
            "Ngày yêu cầu bổ sung trước ngày tiếp nhận.",
        ),
        Check(
            "supplement_completed_at",
            unreadable("supplement_completed_at", completed),
            DATE_MESSAGE,
        ),
        Check(
            "supplement_completed_at",
            completed.is_not_null()
            & requested.is_null()
            & ~unreadable("supplement_requested_at", requested),
            "Có ngày hoàn thành bổ sung nhưng thiếu ngày yêu cầu bổ sung.",
        ),
        Check(
            "supplement_completed_at",
            completed < requested,
            "Ngày hoàn thành bổ sung trước ngày yêu cầu bổ sung.",
        ),
        # The apology (a reason without an apology date is kept with the dossier: no check).
        Check(
            "apology_issued_at",
            unreadable("apology_issued_at", v("d_apology_issued_at")),
            DATE_MESSAGE,
        ),
        Check(
            "apology_issued_at",
            v("d_apology_issued_at") < received,
            "Ngày xin lỗi trước ngày tiếp nhận.",
        ),
        Check(
            "apology_new_due_at",
            unreadable("apology_new_due_at", v("d_apology_new_due_at")),
            DATE_MESSAGE,
        ),
        Check(
            "apology_new_due_at",
            v("v_apology_new_due_at") <= due,
            "Ngày hẹn lại phải sau ngày hẹn trả.",
        ),
    ]
