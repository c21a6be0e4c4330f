"""The whole Quảng Trị demo, loaded from above every app (docs/architecture.md).

The dossier side (agencies, catalogue, dossiers, users: `dossiers/demo/loader.py`) and the
directive side (tasks, pilot nominations, staff postings: `directives/demo.py`) each know only the
apps below them; this module, in the top app, puts them together in the order their rows protect
each other: loading dossiers before the directive, wiping the directive before the dossiers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from directives.demo import directive_demo_load, directive_demo_wipe
from dossiers.demo.loader import DemoLoadResult, demo_load, demo_wipe


def portal_demo_load(
    *,
    force: bool = False,
    directory: Path | None = None,
    log: Callable[[str], None] = lambda message: None,
) -> DemoLoadResult:
    """Load the demo unless it is already there (or reload it with `force`)."""
    if force:
        directive_demo_wipe()  # its rows protect the agencies, procedures and users
    result = demo_load(force=force, directory=directory, log=log)
    if result.loaded:
        clock = time.perf_counter()
        directive_demo_load()
        result.seconds["directive"] = time.perf_counter() - clock
    return result


def portal_demo_wipe(*, catalogue: bool = False) -> None:
    """Remove the whole demo (see `dossiers.demo.loader.demo_wipe` for what `catalogue` adds)."""
    directive_demo_wipe()
    demo_wipe(catalogue=catalogue)
