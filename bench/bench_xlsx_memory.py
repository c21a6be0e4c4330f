"""Peak memory of reading a dense XLSX sheet: the bounded reader against the old one, same run.

    .venv/bin/python bench/bench_xlsx_memory.py [--rows 200000] [--columns 15]

Builds a dense sheet as Excel writes one (a shared-strings table, cells referring to it,
numbers as numbers; issue 15's was 200.000 × 15 in 7,9 MB), then reads it in fresh processes:

* baseline: the reader before the bounded one (`git show ad50e63^:…/reading.py`: pandas
  `read_excel` with calamine, then a polars frame), which held the whole sheet several times;
* bounded: `dossiers.importing.reading.read_table` (the child reads, the parent holds the table).

Each reading runs in its own process and reports its peak resident size (ru_maxrss), and for the
bounded reader its child's too. Printed as MB and as ratios to the baseline (docs/benchmarks.md,
"Reading a dense XLSX"). No database is needed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.reliability.workbooks import column_letters, write_workbook  # noqa: E402

VALUES = ["HL-TT", "1.001193", "Trực tuyến", "Có", "Không", "STP", "Trực tiếp", "1.004222"]

# The reader as it was before the bounded one (commit ad50e63^), loaded from git.
OLD_READER = "ad50e63^:dossiers/importing/reading.py"
BASELINE = """
import importlib.util, resource, sys, time
from pathlib import Path
spec = importlib.util.spec_from_file_location("old_reading", sys.argv[2])
old = sys.modules["old_reading"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(old)
started = time.perf_counter()
table = old.read_table(Path(sys.argv[1]), file_name="day.xlsx")
seconds = time.perf_counter() - started
print(table.frame.height, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, 0, seconds)
"""

BOUNDED = """
import resource, sys, time
from pathlib import Path
from dossiers.importing.reading import read_table
started = time.perf_counter()
table = read_table(Path(sys.argv[1]), file_name="day.xlsx")
seconds = time.perf_counter() - started
own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(table.frame.height, own, child, seconds)
"""


def build(path: Path, rows: int, columns: int) -> Path:
    strings = [*VALUES, *(f"H-{n:07d}" for n in range(rows))]
    index = {text: n for n, text in enumerate(strings)}

    def row_xml(number: int) -> str:
        if number == 1:
            cells = [
                f'<c r="{column_letters(c)}1" t="inlineStr"><is><t>Cột {c + 1}</t></is></c>'
                for c in range(columns)
            ]
            return f'<row r="1">{"".join(cells)}</row>'
        cells = [f'<c r="A{number}" t="s"><v>{index[f"H-{number - 2:07d}"]}</v></c>']
        for c in range(1, columns):
            ref = f"{column_letters(c)}{number}"
            if c % 3 == 0:
                cells.append(f'<c r="{ref}"><v>{(number * c) % 100000}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="s"><v>{(number + c) % len(VALUES)}</v></c>')
        return f'<row r="{number}">{"".join(cells)}</row>'

    return write_workbook(
        path,
        (row_xml(n) for n in range(1, rows + 2)),
        dimension=f"A1:{column_letters(columns - 1)}{rows + 1}",
        shared_strings=strings,
    )


def measure(script: str, *args: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(done.stderr)
    rows, own, child, seconds = done.stdout.split()
    return {
        "rows": int(rows),
        "parent_mb": int(own) / 1024,
        "child_mb": int(child) / 1024,
        "seconds": float(seconds),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--columns", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        path = build(Path(directory) / "day.xlsx", args.rows, args.columns)
        size = path.stat().st_size
        started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        old_reader = Path(directory) / "old_reading.py"
        old_reader.write_bytes(subprocess.check_output(["git", "show", OLD_READER], cwd=ROOT))
        baseline = measure(BASELINE, path, old_reader)
        bounded = measure(BOUNDED, path)
    peak = max(bounded["parent_mb"], bounded["child_mb"])
    print(
        json.dumps(
            {
                "run": started,
                "sheet": f"{args.rows} x {args.columns}, {size / 1e6:.1f} MB",
                "baseline": baseline,
                "bounded": bounded,
                "largest_process_ratio": round(peak / baseline["parent_mb"], 2),
                "seconds_ratio": round(bounded["seconds"] / baseline["seconds"], 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
