"""`manage.py load_demo [--force] [--keep-files DIR]`: the Quảng Trị demo.

Writes the demo as the one-stop system's CSV files and imports them through the real importer,
then creates the demo logins. On a database that already holds the demo it does nothing and
says so (`make run` calls it every time); `--force` wipes the demo's dossiers and reloads.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dossiers.demo.loader import DemoLoadError
from dossiers.demo.reference import DEMO_PASSWORD, DEMO_USERS
from reports.demo import portal_demo_load


class Command(BaseCommand):
    help = "Nạp dữ liệu mẫu tỉnh Quảng Trị (đơn vị, thủ tục, hồ sơ 2022-2023, tài khoản demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="xóa dữ liệu mẫu đã có rồi nạp lại"
        )
        parser.add_argument(
            "--keep-files",
            type=Path,
            metavar="DIR",
            help="ghi các tệp CSV mẫu vào thư mục này (mặc định: thư mục tạm, xóa sau khi nhập)",
        )

    def handle(self, *args, **options) -> None:
        started = time.perf_counter()
        try:
            result = portal_demo_load(
                force=options["force"],
                directory=options["keep_files"],
                log=lambda message: self.stdout.write(message),
            )
        except DemoLoadError as exc:
            raise CommandError(str(exc)) from exc
        if not result.loaded:
            self.stdout.write(
                "Dữ liệu mẫu Quảng Trị đã có trong cơ sở dữ liệu: không làm gì "
                "(dùng --force để nạp lại)."
            )
            return
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã nạp dữ liệu mẫu Quảng Trị trong {elapsed:.1f} giây: "
                f"{result.agencies} đơn vị, {result.procedures} thủ tục, "
                f"{result.dossiers:,} hồ sơ, {result.apologies:,} phiếu xin lỗi.".replace(",", ".")
            )
        )
        if options["verbosity"] > 1:
            for step, seconds in result.seconds.items():
                self.stdout.write(f"  {step}: {seconds:.1f} s")
        if options["keep_files"]:
            self.stdout.write(f"Các tệp CSV mẫu: {options['keep_files']}")
        self.stdout.write(f"Tài khoản demo (mật khẩu «{DEMO_PASSWORD}»):")
        for user in DEMO_USERS:
            role = user.title or "không có vai trò"
            where = f", {user.agency}" if user.agency else ""
            self.stdout.write(
                f"  {user.username:<9} {user.first_name} {user.last_name} — {role}{where}"
            )
