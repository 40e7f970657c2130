"""The static gates, run with the tests so CI's one command runs them: ruff's lint and format
check, mypy and the import contracts (import-linter), each configured in pyproject.toml.

Each runs as its own process from the repository root; a failure shows the tool's output.
`-m "not static"` leaves them out of a quick local run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

GATES = {
    "ruff check": [sys.executable, "-m", "ruff", "check", "--no-fix", "."],
    "ruff format": [sys.executable, "-m", "ruff", "format", "--check", "."],
    "mypy": [sys.executable, "-m", "mypy"],
    "import contracts": [str(BIN / "lint-imports"), "--no-cache"],
}

pytestmark = pytest.mark.static


@pytest.mark.parametrize("command", GATES.values(), ids=GATES.keys())
def test_gate_passes(command: list[str]) -> None:
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        shown = (
            command[2:] if command[0] == sys.executable else [Path(command[0]).name, *command[1:]]
        )
        pytest.fail(
            f"`{' '.join(shown)}` failed ({result.returncode}):\n{result.stdout}{result.stderr}",
            pytrace=False,
        )
