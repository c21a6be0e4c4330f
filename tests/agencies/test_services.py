"""Agency services."""

from __future__ import annotations

import pytest

from agencies.models import Agency, AgencyLevel
from agencies.services import agency_paths_rebuild

pytestmark = pytest.mark.django_db


def test_rebuilding_paths_fixes_a_moved_subtree_and_reports_how_many_changed():
    province = Agency.objects.create(code="QT", name="Tỉnh", level=AgencyLevel.PROVINCE)
    old = Agency.objects.create(code="HL", name="HL", level=AgencyLevel.DISTRICT, parent=province)
    new = Agency.objects.create(code="GL", name="GL", level=AgencyLevel.DISTRICT, parent=province)
    commune = Agency.objects.create(code="X", name="X", level=AgencyLevel.COMMUNE, parent=old)
    Agency.objects.filter(pk=commune.pk).update(parent=new)  # moved without save()

    assert agency_paths_rebuild() == 1
    assert agency_paths_rebuild() == 0
    commune.refresh_from_db()
    assert commune.path == "/QT/GL/X/"
