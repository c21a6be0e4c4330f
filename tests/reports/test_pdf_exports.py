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


def test_the_report06_pdf_has_the_header_groups_and_the_total(db, tmp_path):
    ranking_province_create()
    call_command("compute_kpis", "--full", verbosity=0)
    path = tmp_path / "bieu-06.pdf"
    call_command("export_report06", "--period", "2023-H1", "-o", str(path))
    text = _text(path)
    for phrase in (
        "TỔNG HỢP TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
        "Số hồ sơ nhận giải quyết",
        "Sở, ban, ngành",
        "UBND xã Hải An",
        "Tổng cộng",
    ):
        assert phrase in text


def test_the_pdf_downloads(client, db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    people = ranking_personas_create()
    client.force_login(people["home_affairs"])
    query = {"period": "2023-H1", "basis": "calendar"}
    response = client.get("/rankings/export.pdf", query)
    assert response["Content-Type"] == "application/pdf"
    assert "Sở Tài nguyên và Môi trường" in _text(io.BytesIO(response.content))
    response = client.get("/reports/06/export.pdf", query)
    assert "UBND thị trấn Diên Sanh" in _text(io.BytesIO(response.content))
