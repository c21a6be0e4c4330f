"""No template prints its own source. Django's `{# … #}` comment ends on its own line: one that
runs over several lines is printed on the page, as the import result pages once printed theirs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

ROOT = Path(settings.BASE_DIR)


def _template_files() -> list[Path]:
    folders = [ROOT / "templates", *ROOT.glob("*/templates")]
    return sorted(p for folder in folders for p in folder.rglob("*.html") if ".venv" not in p.parts)


def test_there_are_templates_to_check():
    assert len(_template_files()) > 20


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_one_line_comment_closes_on_its_line(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        opened = [m.start() for m in re.finditer(r"\{#", line)]
        closed = [m.start() for m in re.finditer(r"#\}", line)]
        assert len(opened) == len(closed), f"{path}:{number}: {{# … #}} must end on its line"


def test_a_multi_line_comment_would_be_printed():
    """The rule above guards against what Django really does (so the test can fail)."""
    template = engines["django"].from_string("{# one\ntwo #}shown")
    assert "{#" in template.render({})
