"""Which reading of domain.md does a product export follow? (a tool, not a test)

    ORACLE_DUMP=/tmp/exports.json pytest tests/oracle
    python -m tests.oracle.diagnose /tmp/exports.json

Recomputes the KPI checks under variants of the oracle that each drop one rule the product may
not follow yet, and prints, per variant, how many mismatches remain, so each mismatch can be
put down to one rule."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from unittest import mock

from tests.oracle import dataset, oracle
from tests.oracle.test_oracle import KPI_PERIODS


def _unknown_counted(d: dict) -> dict:
    """Unknown facts counted in the denominator, never in the numerator."""
    out = dict(d)
    if d["components_total"] is None:
        out["components_total"], out["components_digitized"] = 1, 0
    if d["channel"] is None:
        out["channel"] = "unknown"
    if d["e_result"] is None:
        out["e_result"] = False
    return out


def _no_supplementation(d: dict) -> dict:
    return d | {"supplement_requested_at": None, "supplement_completed_at": None}


def _supplementation_only_when_finished(d: dict) -> dict:
    """Marks the dossier so that the patched judgement drops the clock while open or waiting."""
    return d | {"_finished_only": True}


VARIANTS = {
    "supplementation_only_finished": _supplementation_only_when_finished,
    "unknown_in_den": _unknown_counted,
    "no_supplementation": _no_supplementation,
}


def mismatches(data, exports, transforms, status78_in_e_result) -> list:
    dossiers = data.dossiers
    for t in transforms:
        dossiers = [VARIANTS[t](d) for d in dossiers]
    org = oracle.Organisation(data.agencies)
    patch = mock.patch.object(
        oracle, "ENDED_WITHOUT_RESULT", set() if status78_in_e_result else {7, 8}
    )
    original = oracle.judgement

    def judgement(d: dict, p):
        if d.get("_finished_only") and not (d["finished_at"] and d["finished_at"] <= p.e):
            return original(_no_supplementation(d), p)
        return original(d, p)

    out = []
    with patch, mock.patch.object(oracle, "judgement", judgement):
        for code, basis in KPI_PERIODS:
            want = oracle.kpis(org, data.procedures, dossiers, oracle.period(code, basis))
            rows = exports["kpis"][f"{code}|{basis}|"]["rows"]
            got = {(r["agency"], r["indicator"]): (r["numerator"], r["denominator"]) for r in rows}
            for key, value in want.items():
                if got.get(key, (0, 0)) != value:
                    out.append((key, code, basis, value, got.get(key)))
    return out


def main(path: str) -> None:
    exports = json.loads(Path(path).read_text(encoding="utf-8"))
    data = dataset.build(seed=int(os.environ.get("ORACLE_SEED") or dataset.SEED))
    for n in range(len(VARIANTS) + 1):
        for transforms in itertools.combinations(VARIANTS, n):
            for s78 in (False, True):
                left = mismatches(data, exports, transforms, s78)
                label = "+".join(transforms) or "domain.md"
                print(f"{label:40} status78_in_e_result={s78!s:5} mismatches={len(left)}")
                if len(left) < 15:
                    for m in left:
                        print("    ", m)


if __name__ == "__main__":
    main(sys.argv[1])
