"""Figures 1 and 7 (whole-process starts under a pseudo-terminal) and 2 and 3 (in-process,
under Textual's `Pilot`)."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZE = (160, 48)
START_TIMEOUT_S = 120.0


@dataclass
class Start:
    paint_s: float
    rss_mb: float


def _drain(fd: int) -> None:
    """Read the terminal's output so the app never blocks writing it."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


PROFILE = "bench"
"""The profile the product starts on; its cache is `<data dir>/bench.sqlite3`."""


def start_once(mode: str, data_dir: Path | None) -> Start:
    """Spawn `benchmarks.first_paint` on a 160x48 pseudo-terminal; time spawn → first paint."""
    with tempfile.TemporaryDirectory(prefix="partnerops-bench-") as scratch:
        env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(SIZE[0])}
        env.pop("TEXTUAL", None)
        if data_dir is not None:
            config = Path(scratch, "config.toml")
            config.write_text(
                f'default_profile = "{PROFILE}"\n[profiles.{PROFILE}]\n'
                'start_screen = "clients"\nsync_interval_seconds = 0\n'
            )
            env.update(PARTNEROPS_CONFIG=str(config), PARTNEROPS_DATA_DIR=str(data_dir))
        result = Path(scratch, "result.json")
        primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        reader = threading.Thread(target=_drain, args=(primary,), daemon=True)
        reader.start()
        started = time.time()
        process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.first_paint", str(result), mode],
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            cwd=REPO,
            env=env,
            start_new_session=True,
        )
        os.close(secondary)
        try:
            process.wait(timeout=START_TIMEOUT_S)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            os.close(primary)
            reader.join(timeout=5)
        if not result.exists():
            raise RuntimeError(f"the {mode} app exited (code {process.returncode}) before painting")
        measured = json.loads(result.read_text())
        return Start(paint_s=measured["paint"] - started, rss_mb=measured["rss_kb"] / 1024)


def starts(data_dir: Path, repeats: int) -> tuple[list[Start], list[Start]]:
    """Bare and product starts, interleaved so both see the same machine load."""
    bare: list[Start] = []
    product: list[Start] = []
    for _ in range(repeats):
        bare.append(start_once("bare", None))
        product.append(start_once("product", data_dir))
    return bare, product
