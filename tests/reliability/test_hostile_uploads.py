"""Uploaded files: never served back as HTML, stored under names that cannot leave the storage
folder, and bounded in size with a clear message (web form and command)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.core.management import CommandError, call_command
from django.urls import reverse

from agencies.models import Domain, Procedure
from dossiers import uploads
from dossiers.models import ImportBatch, ImportKind, ImportStatus
from dossiers.services import import_batch_create
from tests.dossiers.conftest import dossier_csv
from tests.personas import agencies_create, personas_create

pytestmark = pytest.mark.django_db

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>\n"


@pytest.fixture
def office(client, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    agencies = agencies_create()
    civil = Domain.objects.create(name="Hộ tịch")
    Procedure.objects.create(code="1.001193", name="Đăng ký khai sinh", domain=civil)
    client.force_login(personas_create(agencies)["province_officer"])
    return client


def _upload(client, name: str, content: bytes):
    return client.post(
        reverse("imports:index"),
        {"kind": "dossiers", "file": SimpleUploadedFile(name, content, content_type="text/html")},
    )


def _inside_media(batch: ImportBatch) -> bool:
    media = Path(settings.MEDIA_ROOT).resolve()
    return Path(batch.file.path).resolve().is_relative_to(media)


def test_an_html_file_comes_back_only_as_an_opaque_download(office):
    response = _upload(office, "trang.csv", HTML)
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    original = office.get(reverse("imports:original", args=[batch.pk]))
    assert original.status_code == 200
    assert original["Content-Type"] == "application/octet-stream"
    assert original["Content-Disposition"].startswith("attachment;")
    assert original["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in original["Content-Security-Policy"]
    assert b"".join(original.streaming_content) == HTML
    errors = office.get(reverse("imports:errors_csv", args=[batch.pk]))
    assert errors["Content-Type"].startswith("text/csv")
    assert errors["Content-Disposition"].startswith("attachment;")
    assert errors["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:evil.csv", "evil.csv"),
        ("ho-so\x00.csv", "ho-so.csv"),  # PostgreSQL refuses NUL in text
        ("\x00", "tep-nhap"),
        ("..", "tep-nhap"),
    ],
)
def test_a_stored_name_cannot_escape_the_storage_folder(db, given, kept):
    batch = import_batch_create(
        kind=ImportKind.DOSSIERS,
        uploaded_file=io.BytesIO(b"a,b\n1,2\n"),
        original_name=given,
    )
    batch.refresh_from_db()
    assert batch.original_name == kept
    assert _inside_media(batch)
    # The stored name is the checksum, whatever the user called the file.
    assert Path(batch.file.name).name == batch.sha256


def test_a_web_upload_named_like_a_path_stays_inside(office):
    _upload(office, "../../../../tmp/evil.csv", dossier_csv([{}]).encode())
    batch = ImportBatch.objects.get()
    assert batch.original_name == "evil.csv"
    assert _inside_media(batch)


def test_a_command_path_with_dot_dots_is_named_by_its_base_name(db, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "ho-so.csv").write_text(dossier_csv([{"agency_code": "NOPE"}]), "utf-8")
    given = str(tmp_path / "sub" / ".." / "ho-so.csv")
    call_command("import_dossiers", given, stderr=io.StringIO())
    batch = ImportBatch.objects.get()
    assert batch.original_name == "ho-so.csv"
    assert _inside_media(batch)


@pytest.fixture
def small_limit(settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100


def test_a_large_web_upload_is_refused_with_a_clear_message(office, small_limit):
    response = _upload(office, "lon.csv", b"x" * 500)
    assert response.status_code == 400
    text = response.content.decode()
    # filesizeformat: 500 bytes and 100 bytes, in Vietnamese, a no-break space before the unit.
    assert "Tệp quá lớn (" in text
    assert "chỉ nhận tệp tối đa 100\u00a0byte." in text
    assert not ImportBatch.objects.exists()
    # The upload was cut off at the limit, not stored whole and measured afterwards.
    assert response.wsgi_request.import_upload_too_large


def test_the_size_bound_stops_storing_past_the_limit(rf):
    request = rf.post("/")
    handler = uploads.BoundedUploadHandler(100, request)
    assert handler.receive_data_chunk(b"x" * 64, 0) == b"x" * 64
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * 64, 64)  # 128 bytes > 100
    assert not stopped.value.connection_reset  # the page still answers, with its message
    assert request.import_upload_too_large


def test_the_upload_form_still_requires_a_csrf_token(office):
    office.handler.enforce_csrf_checks = True
    response = _upload(office, "ho-so.csv", dossier_csv([{}]).encode())
    assert response.status_code == 403
    assert not ImportBatch.objects.exists()


def test_a_large_agency_file_given_to_the_command_is_refused_and_not_kept(
    office, tmp_path, small_limit
):
    # Read whole, an agency file stays bounded; a dossier file is streamed and is not
    # (tests/dossiers/test_import_streaming.py).
    path = tmp_path / "lon.csv"
    path.write_bytes(b"x" * 500)
    with pytest.raises(CommandError) as refused:
        call_command("import_agencies", str(path))
    assert str(refused.value) == (
        "Tệp lon.csv quá lớn (500\u00a0byte); chỉ nhận tệp tối đa 100\u00a0byte. "
        "Hãy chia tệp thành nhiều phần."
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.REFUSED
    assert not batch.file
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()
    assert office.get(reverse("imports:original", args=[batch.pk])).status_code == 404
    assert office.get(reverse("imports:detail", args=[batch.pk])).status_code == 200
