"""Loading the Quảng Trị demo's dossier side: write the generated data as the one-stop system's
files, import them through the real import path (so the demo leaves import batches like any other
file), and create the demo users.

The whole demo (this, then the directive's tasks) is loaded by `reports/demo.py`, which sits above
every app; this module knows nothing of `directives`.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from agencies.models import Agency, Domain, Membership, Procedure
from dossiers.demo.generator import LAYOUT_SECTION_9, LAYOUT_SYNC, DemoData, generate_demo
from dossiers.demo.reference import DEMO_PASSWORD, DEMO_USERS, PROVINCE_CODE, demo_procedures
from dossiers.models import (
    Apology,
    Dossier,
    ImportBatch,
    ImportKind,
    ImportStatus,
    TouchedCell,
)
from dossiers.services import import_file

AGENCIES_FILE = "quang-tri-demo-don-vi.csv"
PROCEDURES_FILE = "quang-tri-demo-thu-tuc.csv"
DOSSIERS_FILE = "quang-tri-demo-ho-so.csv"
# The second half of 2023 as the national sync record (domain.md section 11).
SYNC_FILE = "quang-tri-demo-ho-so-dong-bo.json"
DEMO_FILES = (AGENCIES_FILE, PROCEDURES_FILE, DOSSIERS_FILE, SYNC_FILE)

DATE_TIME = "%d/%m/%Y %H:%M:%S"
SYNC_DATE_TIME = "%Y%m%d%H%M%S"
# The local suffix the province's one-stop system adds to national procedure codes.
SYNC_PROCEDURE_SUFFIX = ".000.00.00.H45"
RESULT_LINK = "https://dichvucong.quangtri.gov.vn/ket-qua/"


class DemoLoadError(Exception):
    """An import of the demo did not apply cleanly (the message says which and why)."""


@dataclass
class DemoLoadResult:
    loaded: bool  # False when the demo was already there and nothing was done
    agencies: int = 0
    procedures: int = 0
    dossiers: int = 0
    apologies: int = 0
    batches: list[ImportBatch] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def demo_is_loaded() -> bool:
    """The demo's dossier files were applied and the demo users exist."""
    applied = (
        ImportBatch.objects.filter(
            kind=ImportKind.DOSSIERS,
            original_name__in=(DOSSIERS_FILE, SYNC_FILE),
            status=ImportStatus.APPLIED,
            dry_run=False,
        )
        .values("original_name")
        .distinct()
        .count()
        == 2
    )
    users = get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS])
    return applied and users.count() == len(DEMO_USERS)


def demo_write_files(*, data: DemoData, directory: Path) -> dict[str, Path]:
    """The demo as the files a one-stop system exports: agencies, procedures and the dossiers
    outside the second half of 2023 as CSV in section 9's layout; the second half of 2023 as the
    national sync record in JSON (domain.md section 11)."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / name for name in DEMO_FILES}
    pl.DataFrame(
        {
            "Mã đơn vị": [a.code for a in data.agencies],
            "Tên đơn vị": [a.name for a in data.agencies],
            "Cấp": [a.level for a in data.agencies],
            "Mã đơn vị cấp trên": [a.parent or "" for a in data.agencies],
            # The two-tier government of 1/7/2025 (domain.md sections 9 and 12).
            "Hiệu lực từ": [_day(a.valid_from) for a in data.agencies],
            "Hiệu lực đến": [_day(a.valid_to) for a in data.agencies],
            "Hợp nhất từ": [";".join(a.merged_from) for a in data.agencies],
        }
    ).write_csv(paths[AGENCIES_FILE])
    pl.DataFrame(
        {
            "Mã thủ tục": [p.code for p in data.procedures],
            "Tên thủ tục": [p.name for p in data.procedures],
            "Lĩnh vực": [p.domain for p in data.procedures],
            "Mức độ": [p.online_level for p in data.procedures],
            "Đủ điều kiện toàn trình": [int(p.full_process_eligible) for p in data.procedures],
            "Kết quả bản giấy": [int(p.paper_result) for p in data.procedures],
        }
    ).write_csv(paths[PROCEDURES_FILE])
    frame = data.dossiers.filter(pl.col("layout") == LAYOUT_SECTION_9).sort("received_at", "code")
    frame.select(
        pl.col("code").alias("Mã hồ sơ"),
        pl.col("agency").alias("Mã đơn vị"),
        pl.col("procedure").alias("Mã thủ tục"),
        pl.col("channel").alias("Kênh nộp"),
        pl.col("received_at").dt.strftime(DATE_TIME).alias("Ngày tiếp nhận"),
        pl.col("due_at").dt.strftime(DATE_TIME).alias("Ngày hẹn trả"),
        pl.col("finished_at").dt.strftime(DATE_TIME).alias("Ngày kết thúc xử lý"),
        pl.col("components_total").alias("Số thành phần hồ sơ"),
        pl.col("components_digitized").alias("Số thành phần đã số hóa"),
        pl.col("e_result").cast(pl.Int8).alias("Kết quả điện tử"),
        pl.col("fee").alias("Phí, lệ phí (đồng)"),
        pl.col("paid_online").cast(pl.Int8).alias("Thanh toán trực tuyến"),
        pl.col("apology_issued_at").dt.strftime(DATE_TIME).alias("Ngày xin lỗi"),
        pl.col("apology_new_due_at").dt.strftime(DATE_TIME).alias("Ngày hẹn lại"),
        pl.col("apology_reason").alias("Lý do quá hạn"),
    ).write_csv(paths[DOSSIERS_FILE])
    _sync_records(data.dossiers.filter(pl.col("layout") == LAYOUT_SYNC)).write_json(
        paths[SYNC_FILE]
    )
    return paths


def _day(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def _sync_records(frame: pl.DataFrame) -> pl.DataFrame:
    """Dossiers as the one-stop system syncs them to the National Public Service Portal: the
    field names, codes, types and date form of domain.md section 11 (written as a JSON array of
    records: codes as numbers, the fees as a list, an empty field as null)."""

    def stamp(column: str) -> pl.Expr:
        return pl.col(column).dt.strftime(SYNC_DATE_TIME)

    channel_code = {"truc_tiep": 1, "truc_tuyen": 2, "buu_chinh": 3}
    fee = pl.struct(TenPhiLePhi=pl.lit("Lệ phí"), Gia=pl.col("fee"))
    no_fee = pl.lit([], dtype=pl.List(pl.Struct({"TenPhiLePhi": pl.String, "Gia": pl.Int64})))
    return frame.sort("received_at", "code", nulls_last=True).select(
        pl.col("code").alias("MaHoSo"),
        pl.col("agency").alias("MaDonVi"),
        (pl.col("procedure") + SYNC_PROCEDURE_SUFFIX).alias("MaTTHC"),
        pl.col("channel").replace_strict(channel_code, return_dtype=pl.Int8).alias("KenhThucHien"),
        stamp("received_at").alias("NgayTiepNhan"),
        stamp("due_at").alias("NgayHenTra"),
        stamp("finished_at").alias("NgayKetThucXuLy"),
        pl.col("status").alias("TrangThaiHoSo"),
        (pl.col("components_digitized") == pl.col("components_total"))
        .cast(pl.Int8)
        .alias("HoSoCoThanhPhanSoHoa"),
        pl.when(pl.col("e_result"))
        .then(pl.lit(RESULT_LINK) + pl.col("code") + pl.lit(".pdf"))
        .alias("DuongDanTepTinKetQua"),
        # Paid online: on the national portal, or (one in ten) the province's gateway.
        pl.when(pl.col("paid_online"))
        .then(pl.when(pl.col("code").str.ends_with("3")).then(2).otherwise(1))
        .otherwise(0)
        .cast(pl.Int8)
        .alias("DuocThanhToanTrucTuyen"),
        pl.when(pl.col("fee") > 0)
        .then(pl.concat_list(fee))
        .otherwise(no_fee)
        .alias("DanhSachLePhi"),
        pl.col("supplement_requests").alias("SoLanYeuCauBoSung"),
        stamp("supplement_requested_at").alias("NgayYeuCauBoSung"),
        stamp("supplement_completed_at").alias("NgayHoanThanhBoSung"),
        stamp("apology_issued_at").alias("NgayXinLoi"),
        stamp("apology_new_due_at").alias("NgayHenLai"),
        pl.col("apology_reason").alias("LyDoQuaHan"),
    )


def demo_users_create() -> None:
    """The demo logins, all with the password `demo` (reset on every call)."""
    User = get_user_model()
    agencies = {a.code: a for a in Agency.objects.filter(code__in=_user_agency_codes())}
    # One hash for all: the password is published anyway, and each hash costs a second.
    password = make_password(DEMO_PASSWORD)
    for spec in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=spec.username)
        user.first_name = spec.first_name
        user.last_name = spec.last_name
        user.email = f"{spec.username}@quangtri.gov.vn"
        user.is_staff = spec.superuser
        user.is_superuser = spec.superuser
        user.is_active = True
        user.password = password
        user.save()
        if spec.role is None:
            Membership.objects.filter(user=user).delete()
            continue
        Membership.objects.update_or_create(
            user=user,
            defaults={
                "role": spec.role,
                "agency": agencies.get(spec.agency) if spec.agency else None,
                "title": spec.title,
            },
        )


def _user_agency_codes() -> list[str]:
    return [u.agency for u in DEMO_USERS if u.agency]


def demo_wipe(*, catalogue: bool = False) -> None:
    """Remove the demo's dossiers, import batches and users; with `catalogue`, also its agencies,
    domains and procedures (they are otherwise kept and re-imported, which updates them).

    The directive's demo rows protect the agencies, procedures and users: wipe them first
    (`reports.demo.portal_demo_wipe` does both, in that order)."""
    tree = Agency.objects.filter(path__startswith=f"/{PROVINCE_CODE}/")
    agency_ids = list(tree.values_list("pk", flat=True))
    with transaction.atomic():
        # Set-based deletes: the ORM's collector would load every dossier to cascade to its
        # apology (over a minute for the demo's 400,000 rows).
        if agency_ids:
            dossiers = connection.ops.quote_name(Dossier._meta.db_table)
            apologies = connection.ops.quote_name(Apology._meta.db_table)
            in_tree = "agency_id IN (" + ", ".join(["%s"] * len(agency_ids)) + ")"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {apologies} WHERE dossier_id IN "
                    f"(SELECT id FROM {dossiers} WHERE {in_tree})",
                    agency_ids,
                )
                cursor.execute(f"DELETE FROM {dossiers} WHERE {in_tree}", agency_ids)
        TouchedCell.objects.filter(agency_id__in=agency_ids).delete()
        ImportBatch.objects.filter(original_name__in=DEMO_FILES).delete()
        get_user_model().objects.filter(username__in=[u.username for u in DEMO_USERS]).delete()
        if catalogue:
            procedures = Procedure.objects.filter(code__in=[p.code for p in demo_procedures()])
            domain_ids = set(procedures.values_list("domain_id", flat=True))
            procedures.delete()
            Domain.objects.filter(pk__in=domain_ids, procedures__isnull=True).delete()
            # Children before parents: the tree's keys protect parents.
            for agency in sorted(tree, key=lambda a: a.path.count("/"), reverse=True):
                agency.delete()


def demo_load(
    *,
    force: bool = False,
    directory: Path | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoLoadResult:
    """Load the demo unless it is already there (or reload it with `force`)."""
    if demo_is_loaded() and not force:
        return DemoLoadResult(loaded=False)
    result = DemoLoadResult(loaded=True)
    clock = time.perf_counter()
    if force:
        demo_wipe()
        result.seconds["wipe"] = time.perf_counter() - clock
    clock = time.perf_counter()
    data = generate_demo()
    result.seconds["generate"] = time.perf_counter() - clock
    with tempfile.TemporaryDirectory(prefix="kpi-demo-") as temp:
        clock = time.perf_counter()
        paths = demo_write_files(data=data, directory=directory or Path(temp))
        result.seconds["write"] = time.perf_counter() - clock
        for kind, name in (
            (ImportKind.AGENCIES, AGENCIES_FILE),
            (ImportKind.PROCEDURES, PROCEDURES_FILE),
            (ImportKind.DOSSIERS, DOSSIERS_FILE),
            (ImportKind.DOSSIERS, SYNC_FILE),
        ):
            clock = time.perf_counter()
            log(f"Nhập {name}…")
            batch = import_file(kind=kind, path=paths[name], source="demo", original_name=name)
            result.seconds[f"import {kind}"] = time.perf_counter() - clock
            if batch.status != ImportStatus.APPLIED or batch.rejected:
                first = batch.row_errors.filter(is_warning=False).first()
                detail = (
                    f" (dòng {first.row_number}, {first.column}: {first.message})" if first else ""
                )
                raise DemoLoadError(
                    f"Nhập {name} không thành công: trạng thái {batch.status}, "
                    f"{batch.rejected} dòng lỗi. {batch.refusal}{detail}"
                )
            result.batches.append(batch)
    # Display details the import formats do not carry.
    clock = time.perf_counter()
    for order, agency in enumerate(data.agencies):
        Agency.objects.filter(code=agency.code).update(
            short_name=agency.short_name, sort_order=order
        )
    demo_users_create()
    result.seconds["users"] = time.perf_counter() - clock
    result.agencies = len(data.agencies)
    result.procedures = len(data.procedures)
    result.dossiers = data.dossiers.height
    result.apologies = data.dossiers.get_column("apology_issued_at").is_not_null().sum()
    return result
