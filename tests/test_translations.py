"""The portal speaks Vietnamese by default and English through Django's translations."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from tests.personas import personas_create

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"


@pytest.fixture
def officer_client(client):
    client.force_login(personas_create()["province_officer"])
    return client


def test_the_english_catalogue_is_committed_compiled_next_to_its_source():
    assert (CATALOGUE / "django.po").is_file()
    assert (CATALOGUE / "django.mo").stat().st_size > 0


def test_every_message_of_the_catalogue_is_translated_and_compiled():
    """msgfmt leaves untranslated and fuzzy entries out of the .mo, so the .mo holding exactly
    the .po's messages (plus the header) means none is missing and the .mo is not stale."""
    source = (CATALOGUE / "django.po").read_text(encoding="utf-8")
    assert "#, fuzzy" not in source
    messages = len(re.findall(r"^msgid ", source, flags=re.MULTILINE)) - 1  # minus the header
    magic, _revision, compiled = struct.unpack("<3I", (CATALOGUE / "django.mo").read_bytes()[:12])
    assert magic == 0x950412DE
    assert compiled - 1 == messages


def test_the_compiled_catalogue_translates_a_heading_and_a_seeded_indicator_name():
    with translation.override("en"):
        assert translation.gettext("Tổng quan toàn tỉnh") == "Province overview"
        assert (
            translation.gettext("Tỷ lệ giải quyết trước hạn, đúng hạn")
            == "Rate of dossiers settled early or on time"
        )


def test_the_overview_is_in_vietnamese_by_default(officer_client):
    page = officer_client.get("/").content.decode()
    assert '<html lang="vi">' in page
    assert "Tổng quan toàn tỉnh" in page
    assert "Tỷ lệ giải quyết trước hạn, đúng hạn" in page
    assert "Province overview" not in page


def test_a_province_officer_who_switches_to_english_sees_the_overview_in_english(officer_client):
    response = officer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert officer_client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"

    page = officer_client.get("/").content.decode()
    assert '<html lang="en">' in page
    assert "<h1>Province overview</h1>" in page
    assert "Tổng quan toàn tỉnh" not in page
    # An indicator name stored in the database (seeded), translated at display time.
    assert "Rate of dossiers settled early or on time" in page
    assert "Departments and agencies" in page  # a level group of the rates table
    assert ">Log out<" in page
    # The switch now offers the way back.
    assert 'value="vi"' in page


def test_switching_back_to_vietnamese_restores_the_default(officer_client):
    officer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    officer_client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = officer_client.get("/").content.decode()
    assert "<h1>Tổng quan toàn tỉnh</h1>" in page


@pytest.mark.parametrize(
    ("path", "english"),
    [
        ("/agencies/QT/", "Overdue dossiers"),
        ("/domains/", "Overdue dossiers and rates by domain"),
        ("/targets/", "Rate of online payments"),
        ("/rankings/", "Administrative procedure reform rankings"),
        ("/reports/06/", "By agency"),
        ("/imports/", "Import history"),
    ],
)
def test_every_page_of_a_province_officer_renders_in_english(officer_client, path, english):
    officer_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = officer_client.get(path)
    assert response.status_code == 200
    assert english in response.content.decode()


def test_a_browser_asking_for_english_still_gets_vietnamese_until_the_user_switches(client):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert '<html lang="vi">' in response.content.decode()
    assert response["Content-Language"] == "vi"
