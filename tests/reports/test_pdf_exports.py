"""The PDFs for signing and filing: their text, extracted with pypdf, keeps the diacritics."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from pypdf import PdfReader

from tests.reports.ranking_data import ranking_personas_create, ranking_province_create

pytestmark = pytest.mark.django_db


def _text(source) -> str:
    reader = PdfReader(source)
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_ranking_pdf_names_the_agencies_with_their_diacritics(db, tmp_path):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    path = tmp_path / "xep-hang.pdf"
    call_command("export_ranking", "--period", "2023-H1", "--format", "pdf", "-o", str(path))
    text = _text(path)
    for name in ("UBND huyện Hải Lăng", "Sở Tài chính", "UBND huyện Gio Linh"):
        assert name in text
    assert "BẢNG XẾP HẠNG KẾT QUẢ CẢI CÁCH THỦ TỤC HÀNH CHÍNH" in text
    assert "6 tháng đầu năm 2023" in text
    assert "83,33" in text  # Sở Tài chính's score


def test_the_report06_pdf_is_the_form_with_its_signature_block_and_page_numbers(db, tmp_path):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    path = tmp_path / "bieu-06.pdf"
    call_command("export_report06", "--period", "2023-H1", "-o", str(path))
    # a heading wrapped in its narrow cell reads as one line here
    text = " ".join(_text(path).split())
    for phrase in (
        "Biểu số 06/VPCP/KSTT",
        "Thông tư số 01/2020/TT-VPCP",
        "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT TTHC TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP",
        "(Từ ngày 01/01/2023 đến ngày 30/06/2023)",
        "Đơn vị báo cáo: UBND tỉnh Quảng Trị",
        "Đơn vị nhận báo cáo: Văn phòng Chính phủ",
        "Kỳ báo cáo: 6 tháng đầu năm 2023",
        "Đơn vị tính: Số hồ sơ TTHC",
        "Số hồ sơ nhận giải quyết",
        "Trong đó",
        "Từ kỳ trước",
        "(13)",
        "Sở, ban, ngành",
        "UBND cấp xã",
        "Tổng cộng",
        "NGƯỜI LẬP BIỂU",
        "THỦ TRƯỞNG ĐƠN VỊ",
        "Trang 1/",
    ):
        assert phrase in text, phrase
    # by agency, the communes are rows of their own
    call_command("export_report06", "--period", "2023-H1", "--by", "agency", "-o", str(path))
    assert "UBND xã Hải An" in _text(path)


def test_a_long_report06_numbers_every_page_and_repeats_its_headings(db, tmp_path):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    path = tmp_path / "bieu-06.pdf"
    call_command("export_report06", "--period", "2023-H1", "--by", "agency", "-o", str(path))
    pages = [page.extract_text() for page in PdfReader(path).pages]
    for number, page in enumerate(pages, start=1):
        assert f"Trang {number}/{len(pages)}" in page
        assert "Số hồ sơ nhận giải quyết" in page


def test_the_pdf_downloads(client, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = ranking_personas_create()
    client.force_login(people["home_affairs"])
    query = {"period": "2023-H1", "basis": "calendar"}
    response = client.get("/rankings/export.pdf", query)
    assert response["Content-Type"] == "application/pdf"
    assert "Sở Tài nguyên và Môi trường" in _text(io.BytesIO(response.content))
    response = client.get("/reports/06/export.pdf", query | {"by": "agency"})
    assert "UBND thị trấn Diên Sanh" in _text(io.BytesIO(response.content))
    response = client.get("/reports/06/export.pdf", query)  # the form's own rows by default
    text = _text(io.BytesIO(response.content))
    assert "Sở, ban, ngành" in text and "UBND thị trấn Diên Sanh" not in text
