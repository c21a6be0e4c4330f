"""The benchmark's files import cleanly: what `make bench` measures is a real, complete import."""

from __future__ import annotations

import csv
from io import StringIO

import pytest
from django.core.management import call_command

from agencies.models import Agency, Procedure
from bench.generate_dossiers import generate
from dossiers.models import Apology, Dossier

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue().strip().splitlines()[-1]


def test_generated_agencies_procedures_and_dossiers_import_without_a_rejected_row(tmp_path):
    paths = generate(out=tmp_path, rows=400)
    with paths["dossiers"].open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    apologies = sum(1 for r in rows if r["Ngày xin lỗi"])

    assert _run("import_agencies", str(paths["agencies"])) == (
        "created 16, updated 0, unchanged 0, rejected 0"
    )
    assert _run("import_procedures", str(paths["procedures"])) == (
        "created 60, updated 0, unchanged 0, rejected 0"
    )
    assert _run("import_dossiers", str(paths["dossiers"])) == (
        "created 400, updated 0, unchanged 0, rejected 0"
    )
    assert Agency.objects.count() == 16
    assert Procedure.objects.count() == 60
    assert Dossier.objects.count() == 400
    assert Apology.objects.count() == apologies


def test_importing_the_same_generated_file_again_changes_nothing(tmp_path):
    paths = generate(out=tmp_path, rows=150)
    _run("import_agencies", str(paths["agencies"]))
    _run("import_procedures", str(paths["procedures"]))
    _run("import_dossiers", str(paths["dossiers"]))
    stamps = dict(Dossier.objects.values_list("code", "updated_at"))

    again = _run("import_dossiers", str(paths["dossiers"]))

    assert again == "created 0, updated 0, unchanged 150, rejected 0"
    assert dict(Dossier.objects.values_list("code", "updated_at")) == stamps


def test_the_generated_xlsx_file_imports_like_the_csv(tmp_path):
    paths = generate(out=tmp_path, rows=60, file_format="xlsx", code_prefix="X")
    _run("import_agencies", str(paths["agencies"]))
    _run("import_procedures", str(paths["procedures"]))
    assert _run("import_dossiers", str(paths["dossiers"])) == (
        "created 60, updated 0, unchanged 0, rejected 0"
    )
    assert Dossier.objects.filter(code__startswith="X").count() == 60
