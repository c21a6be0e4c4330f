"""The Quảng Trị 2023 directive's two pilot tasks on the personas' small tree."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from agencies.models import Agency, AgencyLevel, Domain, Procedure
from directives.deadlines import LOCAL
from directives.models import Directive, DirectiveTask, TaskKind


def vn(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LOCAL)


@dataclass
class PilotData:
    directive: Directive
    nomination: DirectiveTask
    compilation: DirectiveTask
    eligible: Procedure
    eligible_too: Procedure
    not_eligible: Procedure


def pilot_data_create(agencies: dict[str, Agency]) -> PilotData:
    directive = Directive.objects.create(
        number="08/CT-UBND",
        issued_on=dt.date(2023, 7, 10),
        title="Đẩy mạnh cải cách thủ tục hành chính",
        issuer="UBND tỉnh Quảng Trị",
    )
    nomination = DirectiveTask.objects.create(
        directive=directive,
        title="Đề xuất dịch vụ công trực tuyến toàn trình thí điểm",
        due_on=dt.date(2023, 7, 20),
        kind=TaskKind.PILOT_NOMINATION,
        assigned_levels=[AgencyLevel.DEPARTMENT, AgencyLevel.DISTRICT],
    )
    compilation = DirectiveTask.objects.create(
        directive=directive,
        title="Tổng hợp, trình danh sách thí điểm",
        due_on=dt.date(2023, 7, 30),
        kind=TaskKind.PILOT_COMPILATION,
    )
    compilation.assigned_agencies.add(agencies["QT"])
    land = Domain.objects.create(name="Đất đai")
    civil = Domain.objects.create(name="Hộ tịch")
    return PilotData(
        directive=directive,
        nomination=nomination,
        compilation=compilation,
        eligible=Procedure.objects.create(
            code="1.001193", name="Đăng ký khai sinh", domain=civil, full_process_eligible=True
        ),
        eligible_too=Procedure.objects.create(
            code="1.004227",
            name="Đăng ký biến động đất đai",
            domain=land,
            full_process_eligible=True,
        ),
        not_eligible=Procedure.objects.create(
            code="1.000001", name="Cấp giấy chứng nhận lần đầu", domain=land
        ),
    )
