"""Figure 6: `partnerops export clients --format csv` against `sqlite3 -csv`, whole processes.

The baseline selects the same columns of the same clients in the same order (the Clients
screen's default: active clients by name) and writes them to a file, as the export does.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.tui import PROFILE, REPO

BASELINE_SQL = (
    "SELECT id, name, domain, products, relationship, mrr_cents, engagement_score, "
    "engagement_band, owner_email, "
    "(SELECT e.name FROM employee e WHERE e.email = client.owner_email LIMIT 1) AS owner_name, "
    "next_renewal_date, health_score, crm_url, account_url "
    "FROM client WHERE services_status != 'ended' ORDER BY name, rowid"
)


def sqlite3_available() -> bool:
    return shutil.which("sqlite3") is not None


def export_built() -> bool:
    return (REPO / "console" / "export_cli.py").exists()


def _timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=REPO, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def export_once(data_dir: Path) -> tuple[float, float, int]:
    """(product seconds, sqlite3 seconds, product output lines)."""
    with tempfile.TemporaryDirectory(prefix="partnerops-bench-") as scratch:
        config = Path(scratch, "config.toml")
        config.write_text(f'default_profile = "{PROFILE}"\n[profiles.{PROFILE}]\n')
        env = {**os.environ, "PARTNEROPS_CONFIG": str(config), "PARTNEROPS_DATA_DIR": str(data_dir)}
        product_file, baseline_file = Path(scratch, "product.csv"), Path(scratch, "sqlite3.csv")
        product = _timed(
            [
                sys.executable, "-m", "console.launch", "export", "clients",
                "--format", "csv", "--output", str(product_file),
            ],
            env,
        )  # fmt: skip
        cache = data_dir / f"{PROFILE}.sqlite3"
        baseline = _timed(
            [
                "sqlite3",
                "-csv",
                "-header",
                f"file:{cache}?mode=ro",
                f".output {baseline_file}",
                BASELINE_SQL,
            ],
            env,
        )
        with product_file.open("rb") as written:
            lines = sum(1 for _ in written)
        return product, baseline, lines
