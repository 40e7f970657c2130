"""The benchmark suite runs end to end in quick mode and reports every figure.

Timings are not asserted (PRODUCT.md §8 is checked by running the suite, not by CI): only
that each figure was measured and judged against its target.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.run import FIGURES

REPO = Path(__file__).resolve().parents[2]


def test_quick_run_reports_every_figure() -> None:
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    lines = finished.stdout.splitlines()
    for figure in FIGURES:
        row = next((line for line in lines if line.startswith(figure + " ")), None)
        assert row is not None, f"{figure!r} missing from:\n{finished.stdout}"
        result = row.rsplit("|", 1)[1].strip()
        export_missing = "export not built" in row
        assert result in ("PASS", "FAIL") or export_missing, row
