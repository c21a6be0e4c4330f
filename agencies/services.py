"""Writes to the organisation that span several agencies."""

from __future__ import annotations

from agencies.models import Agency


def agency_paths_rebuild() -> int:
    """Recompute every agency's materialised `path` from its parent chain; return how many changed.

    `Agency.save()` keeps one agency's path, but moving an agency under a new parent also moves
    its whole subtree; this walks the (small) tree once, parents before children.
    """
    agencies = list(Agency.objects.only("id", "code", "parent_id", "path"))
    children: dict[int | None, list[Agency]] = {}
    for agency in agencies:
        children.setdefault(agency.parent_id, []).append(agency)
    changed: list[Agency] = []
    pending = [(agency, "/") for agency in children.get(None, [])]
    while pending:
        agency, prefix = pending.pop()
        path = f"{prefix}{agency.code}/"
        if agency.path != path:
            agency.path = path
            changed.append(agency)
        pending.extend((child, path) for child in children.get(agency.id, []))
    Agency.objects.bulk_update(changed, ["path"], batch_size=500)
    return len(changed)
