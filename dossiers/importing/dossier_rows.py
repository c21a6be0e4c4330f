"""The dossier file's row rules (domain.md sections 3 and 9), as vectorised checks.

`validate_dossiers` takes a frame of text cells keyed by column (see `headers.DOSSIER_COLUMNS`)
and returns the rows ready for the database and the row errors. A procedure code unknown to the
catalogue is registered when a row of the file gives its name and domain; any row may then use
it. Duplicate dossier codes in one file: the first row with a code is imported, every later
row with the same code is rejected with a reason naming the first row, so the outcome never
depends on which of two contradicting rows "wins".
"""

from __future__ import annotations

import polars as pl

from agencies.models import PROCEDURE_CODE_PATTERN
from dossiers.importing.checks import Check, missing, run_checks, too_long
from dossiers.importing.parsing import (
    parse_amount,
    parse_choice,
    parse_datetimes,
    parse_int,
    parse_yes_no,
    unreadable,
)
from dossiers.importing.reading import ROW
from dossiers.models import Channel

CHANNEL_WORDS = {
    "tructuyen": Channel.ONLINE.value,
    "online": Channel.ONLINE.value,
    "tructiep": Channel.IN_PERSON.value,
    "buuchinh": Channel.POSTAL.value,
    "dichvubuuchinh": Channel.POSTAL.value,
}
MAX_COMPONENTS = 10_000

DATE_MESSAGE = "Ngày không hợp lệ: dùng dd/mm/yyyy, dd/mm/yyyy HH:MM[:SS] hoặc ISO 8601."
YES_NO_MESSAGE = "Giá trị có/không không hợp lệ: dùng Có/Không, x hoặc để trống, 1/0, true/false."

_DATES = {  # column → is a bare date the end of that day?
    "received_at": False,
    "due_at": True,
    "finished_at": True,
    "apology_issued_at": True,
    "apology_new_due_at": True,
}
STAGED_COLUMNS = (
    "code",
    "agency_id",
    "procedure_code",
    "channel",
    "received_at",
    "due_at",
    "finished_at",
    "components_total",
    "components_digitized",
    "e_result",
    "fee",
    "paid_online",
    "apology_issued_at",
    "apology_new_due_at",
    "apology_reason",
)


def mark_duplicates(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `first_row`: the row where each code first appears (run on the whole file)."""
    return frame.with_columns(pl.col(ROW).first().over("code").alias("first_row"))


def procedures_to_register(frame: pl.DataFrame, *, known: set[str]) -> pl.DataFrame:
    """The unknown procedures some row of the file names with a usable name and domain (the first
    such row wins), run on the whole file so that any row may use a procedure another registers."""
    return (
        frame.filter(
            pl.col("procedure_code").str.contains(PROCEDURE_CODE_PATTERN)
            & ~pl.col("procedure_code").is_in(list(known))
            & pl.col("procedure_name").is_not_null()
            & pl.col("domain").is_not_null()
            & ~too_long("procedure_name", 500)
            & ~too_long("domain", 255)
        )
        .unique(subset="procedure_code", keep="first", maintain_order=True)
        .select("procedure_code", "procedure_name", "domain")
    )


def validate_dossiers(
    frame: pl.DataFrame,
    *,
    headers: dict[str, str],
    agencies: dict[str, int],
    procedures: set[str],
    time_zone: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Return the accepted rows (ROW plus STAGED_COLUMNS, typed) and the row errors.

    `procedures` holds the known codes and those the file registers.
    """
    values = _parse(frame, agencies=agencies, procedures=procedures, time_zone=time_zone)
    rejected, errors = run_checks(values, _checks(), headers=headers)
    rows = values.filter(~rejected).select(
        ROW,
        "code",
        pl.col("v_agency_id").alias("agency_id"),
        "procedure_code",
        *(pl.col(f"v_{name}").alias(name) for name in STAGED_COLUMNS[3:-1]),
        "apology_reason",
    )
    return rows, errors


def _parse(
    frame: pl.DataFrame, *, agencies: dict[str, int], procedures: set[str], time_zone: str
) -> pl.DataFrame:
    dates = {
        f"v_{name}": parse_datetimes(frame.get_column(name), time_zone=time_zone, end_of_day=eod)
        for name, eod in _DATES.items()
    }
    fee_given = pl.col("fee").is_not_null()
    return frame.with_columns(
        v_agency_id=pl.col("agency_code").replace_strict(
            agencies, default=None, return_dtype=pl.Int64
        ),
        procedure_known=pl.col("procedure_code").is_in(list(procedures)),
        procedure_well_formed=pl.col("procedure_code").str.contains(PROCEDURE_CODE_PATTERN),
        v_channel=parse_choice(frame, "channel", CHANNEL_WORDS, pl.String),
        v_components_total=parse_int("components_total"),
        v_components_digitized=parse_int("components_digitized"),
        v_e_result=parse_yes_no(frame, "e_result", default=False),
        v_fee=pl.when(fee_given).then(parse_amount("fee")).otherwise(pl.lit(0, pl.Int64)),
        v_paid_online=parse_yes_no(frame, "paid_online", default=False),
        **dates,
    )


def _checks() -> list[Check]:
    v = pl.col
    received, due, finished = v("v_received_at"), v("v_due_at"), v("v_finished_at")
    total, digitized = v("v_components_total"), v("v_components_digitized")
    unknown_procedure = v("procedure_well_formed") & ~v("procedure_known")
    apology_date_missing = missing("apology_issued_at")
    return [
        Check("code", missing("code"), "Thiếu mã hồ sơ."),
        Check("code", too_long("code", 64), "Mã hồ sơ dài quá 64 ký tự."),
        Check(
            "code",
            v("first_row") != v(ROW),
            pl.format("Mã hồ sơ trùng với dòng {}; chỉ dòng đó được nhập.", v("first_row")),
        ),
        Check("agency_code", missing("agency_code"), "Thiếu mã đơn vị."),
        Check(
            "agency_code",
            v("agency_code").is_not_null() & v("v_agency_id").is_null(),
            "Không có đơn vị mang mã này trong danh mục đơn vị.",
        ),
        Check("procedure_code", missing("procedure_code"), "Thiếu mã thủ tục."),
        Check(
            "procedure_code",
            ~v("procedure_well_formed"),
            "Mã thủ tục phải có dạng D.DDDDDD (ví dụ 1.001193).",
        ),
        Check(
            "procedure_code",
            unknown_procedure & (missing("procedure_name") | missing("domain")),
            "Thủ tục chưa có trong danh mục: điền Tên thủ tục và Lĩnh vực để đăng ký thủ tục mới.",
        ),
        Check(
            "procedure_name",
            unknown_procedure & too_long("procedure_name", 500),
            "Tên thủ tục dài quá 500 ký tự.",
        ),
        Check("domain", unknown_procedure & too_long("domain", 255), "Lĩnh vực dài quá 255 ký tự."),
        Check("channel", missing("channel"), "Thiếu kênh nộp."),
        Check(
            "channel",
            unreadable("channel", v("v_channel")),
            "Kênh nộp không hợp lệ: dùng Trực tuyến, Trực tiếp hoặc Bưu chính.",
        ),
        Check("received_at", missing("received_at"), "Thiếu ngày tiếp nhận."),
        Check("received_at", unreadable("received_at", received), DATE_MESSAGE),
        Check("due_at", missing("due_at"), "Thiếu ngày hẹn trả."),
        Check("due_at", unreadable("due_at", due), DATE_MESSAGE),
        Check("due_at", due < received, "Ngày hẹn trả trước ngày tiếp nhận."),
        Check("finished_at", unreadable("finished_at", finished), DATE_MESSAGE),
        Check("finished_at", finished < received, "Ngày kết thúc xử lý trước ngày tiếp nhận."),
        Check("components_total", missing("components_total"), "Thiếu số thành phần hồ sơ."),
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
            "components_digitized",
            missing("components_digitized"),
            "Thiếu số thành phần đã số hóa.",
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
        Check("e_result", unreadable("e_result", v("v_e_result")), YES_NO_MESSAGE),
        Check("fee", v("v_fee") < 0, "Phí, lệ phí không được âm."),
        Check(
            "fee",
            unreadable("fee", v("v_fee")),
            "Phí, lệ phí phải là số tiền bằng đồng, ví dụ 1.500.000.",
        ),
        Check("paid_online", unreadable("paid_online", v("v_paid_online")), YES_NO_MESSAGE),
        Check(
            "paid_online",
            v("v_paid_online") & (v("v_fee") == 0),
            "Thanh toán trực tuyến cần phí, lệ phí lớn hơn 0.",
        ),
        Check(
            "apology_issued_at",
            unreadable("apology_issued_at", v("v_apology_issued_at")),
            DATE_MESSAGE,
        ),
        Check(
            "apology_issued_at",
            v("v_apology_issued_at") < received,
            "Ngày xin lỗi trước ngày tiếp nhận.",
        ),
        Check(
            "apology_new_due_at",
            unreadable("apology_new_due_at", v("v_apology_new_due_at")),
            DATE_MESSAGE,
        ),
        Check(
            "apology_new_due_at",
            v("apology_new_due_at").is_not_null() & apology_date_missing,
            "Có ngày hẹn lại nhưng thiếu ngày xin lỗi.",
        ),
        Check(
            "apology_new_due_at",
            v("v_apology_new_due_at") <= due,
            "Ngày hẹn lại phải sau ngày hẹn trả.",
        ),
        Check(
            "apology_reason",
            v("apology_reason").is_not_null() & apology_date_missing,
            "Có lý do quá hạn nhưng thiếu ngày xin lỗi.",
        ),
    ]
