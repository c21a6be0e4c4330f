"""The targets page: every target set and the latest changes."""

from __future__ import annotations

from typing import Any

from reports.models import Target, TargetChange


def targets_overview() -> dict[str, Any]:
    """Every target set (most general first per indicator) and the latest 50 changes."""
    targets = list(
        Target.objects.select_related("indicator").order_by(
            "indicator__sort_order", "indicator__code", "year", "level"
        )
    )
    changes = list(TargetChange.objects.select_related("indicator", "changed_by")[:50])
    return {"targets": targets, "changes": changes}
