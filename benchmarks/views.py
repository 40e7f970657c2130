"""Figure 8: every screen switch and view change, in-process and through a pseudo-terminal.

In-process (under `Pilot`, 160x48): `App._display` is wrapped on the app instance to stamp
each repaint, and `VirtualTable.show` on the class (for the run) to stamp when a table got new
rows. Two times per step, both from just before its key:

- answer: to the first repaint after a table got its new rows (a list's first page; its count
  and totals may still be on their way, the status line saying "counting…"); for a step that
  shows no table (a revisit, the Team screen), the same as settled;
- settled: to the last repaint before the app is idle again (no worker running, no message
  waiting): counts and totals on screen too.

Pseudo-terminal: `partnerops` itself on a 160x48 pty, the key written to it as a terminal
would; a step's time runs from the write to the last byte of output before the terminal has
been quiet for `QUIET_S`.

The steps (`STEPS`) start on Clients and visit every screen, then change each view: the
Renewals window (w, through 120/30/60/90 days) and its sort, the Inbox section (]) and its
search filter (`/` to the search box, then `r`, each key its own step, as a person sees each
answer), and the Clients sort. (Clients search, the other filter, is figure 2.) The first
visits are a person's first: the app builds the screens ahead after its first paint, and
the first key is pressed once the app is idle, or its output quiet, as a person would.
"""

from __future__ import annotations

import asyncio
import fcntl
import gc
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.pilot import settle

SIZE = (160, 48)
WAIT_LIMIT_S = 60.0
QUIET_S = 0.4
"""The pty is done answering once nothing was written for this long."""
ANSWER_LIMIT_S = 10.0
"""How long a key may take before its answer starts."""


@dataclass(frozen=True)
class Step:
    name: str
    keys: str
    """Written to the pty as they are (and pressed under Pilot one by one)."""


STEPS: tuple[Step, ...] = (
    Step("switch to Inbox (first visit)", "1"),
    Step("switch to Renewals (first visit)", "3"),
    Step("switch to Tier (first visit)", "4"),
    Step("switch to Team (first visit)", "5"),
    Step("switch to Clients", "2"),
    Step("switch to Renewals", "3"),
    Step("Renewals window 120 days", "w"),
    Step("Renewals window 30 days", "w"),
    Step("Renewals window 60 days", "w"),
    Step("Renewals window 90 days", "w"),
    Step("Renewals sort", "s"),
    Step("switch to Inbox", "1"),
    Step("Inbox section", "]"),
    Step("Inbox section again", "]"),
    Step("Inbox search box '/'", "/"),
    Step("Inbox filter 'r'", "r"),
    Step("switch to Clients (from Inbox)", "2"),
    Step("Clients sort", "s"),
)

PILOT_KEYS = {"/": "slash", "]": "right_square_bracket"}


@dataclass
class ViewFigures:
    answer_ms: dict[str, list[float]] = field(default_factory=dict)
    in_process_ms: dict[str, list[float]] = field(default_factory=dict)
    """Settled: until the app is idle again."""
    pty_ms: dict[str, list[float]] = field(default_factory=dict)


# In-process.


async def _in_process(cache: Path, repeats: int, figures: ViewFigures) -> None:
    from console.widgets.virtual_table import VirtualTable

    shown: list[float] = []
    show = VirtualTable.show

    def stamped_show(table: Any, *args: Any, **kwargs: Any) -> None:
        show(table, *args, **kwargs)
        shown.append(time.perf_counter())

    VirtualTable.show = stamped_show  # type: ignore[method-assign,assignment]
    try:
        for _ in range(repeats):
            await _in_process_once(cache, figures, shown)
    finally:
        VirtualTable.show = show  # type: ignore[method-assign]


async def _in_process_once(cache: Path, figures: ViewFigures, shown: list[float]) -> None:
    from console.app import PartnerOpsApp
    from sync.profile import Profile

    profile = Profile(name="bench", cache_path=cache, sync_interval_s=0, start_screen="clients")
    app = PartnerOpsApp(profile)
    gc.freeze()  # as `console.tui.open_tui` does before the app runs
    paints: list[float] = []
    async with app.run_test(size=SIZE) as pilot:
        display = app._display

        def stamped(
            screen: Any, renderable: Any, display: Callable = display, paints: list = paints
        ) -> None:
            display(screen, renderable)
            if renderable is not None:
                paints.append(time.perf_counter())

        app._display = stamped  # type: ignore[method-assign]
        # As the pty run: the first key once the app is idle and a second has passed.
        await settle(pilot)
        await asyncio.sleep(1.0)
        await settle(pilot)
        for step in STEPS:
            paints.clear()
            shown.clear()
            started = time.perf_counter()
            for key in step.keys:
                await pilot.press(PILOT_KEYS.get(key, key))
            await settle(pilot)
            settled = paints[-1] if paints else time.perf_counter()
            answered = next((t for t in paints if shown and t >= shown[0]), settled)
            figures.answer_ms.setdefault(step.name, []).append((answered - started) * 1000)
            figures.in_process_ms.setdefault(step.name, []).append((settled - started) * 1000)
            if step.keys == "r":
                await pilot.press("enter")  # back to the list, as a user would
                await settle(pilot)
        await pilot.press("ctrl+q")


# Through a pseudo-terminal.


class _Terminal:
    """A process on a pty whose output is drained and time-stamped."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.primary, secondary = pty.openpty()
        fcntl.ioctl(secondary, termios.TIOCSWINSZ, struct.pack("HHHH", SIZE[1], SIZE[0], 0, 0))
        self.last_output = time.perf_counter()
        self.bytes = 0
        self.process = subprocess.Popen(
            argv,
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            env=env,
            start_new_session=True,
        )
        os.close(secondary)
        self._reader = threading.Thread(target=self._drain, daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while True:
            try:
                chunk = os.read(self.primary, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.bytes += len(chunk)
            self.last_output = time.perf_counter()

    def quiet(self, since: float) -> float:
        """Wait for output after `since` (up to `ANSWER_LIMIT_S`), then until the output has
        been quiet for `QUIET_S`; the last output's time (`since` if there was none)."""
        deadline = time.perf_counter() + WAIT_LIMIT_S
        answer_by = time.perf_counter() + ANSWER_LIMIT_S
        while self.last_output < since and time.perf_counter() < answer_by:
            time.sleep(0.005)
        while time.perf_counter() - max(self.last_output, since) < QUIET_S:
            if time.perf_counter() > deadline:
                raise RuntimeError("the terminal never went quiet")
            time.sleep(0.01)
        return max(self.last_output, since)

    def send(self, keys: str) -> float:
        started = time.perf_counter()
        os.write(self.primary, keys.encode())
        return started

    def close(self) -> None:
        if self.process.poll() is None:
            os.write(self.primary, b"\x11")  # ctrl+q
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        os.close(self.primary)
        self._reader.join(timeout=5)


def _through_pty(data_dir: Path, profile: str, figures: ViewFigures) -> None:
    with tempfile.TemporaryDirectory(prefix="partnerops-bench-") as scratch:
        config = Path(scratch, "config.toml")
        config.write_text(
            f'default_profile = "{profile}"\n[profiles.{profile}]\n'
            'start_screen = "clients"\nsync_interval_seconds = 0\n'
        )
        env = {
            **os.environ,
            "TERM": "xterm-256color",
            "PARTNEROPS_CONFIG": str(config),
            "PARTNEROPS_DATA_DIR": str(data_dir),
        }
        env.pop("TEXTUAL", None)
        terminal = _Terminal([sys.executable, "-m", "console.launch"], env)
        try:
            terminal.quiet(time.perf_counter() + 1.0)  # first paint and the first query
            if terminal.process.poll() is not None:
                raise RuntimeError(f"partnerops exited ({terminal.process.returncode})")
            for step in STEPS:
                started = terminal.send(step.keys)
                ended = terminal.quiet(started)
                figures.pty_ms.setdefault(step.name, []).append((ended - started) * 1000)
                if step.keys == "r":
                    terminal.quiet(terminal.send("\r"))
        finally:
            terminal.close()


def measure(cache: Path, data_dir: Path, profile: str, repeats: int) -> ViewFigures:
    figures = ViewFigures()
    asyncio.run(_in_process(cache, repeats, figures))
    for _ in range(repeats):
        _through_pty(data_dir, profile, figures)
    return figures


if __name__ == "__main__":  # python -m benchmarks.views CACHE_DIR: print the figures alone
    directory = Path(sys.argv[1])
    measured = measure(directory / "bench.sqlite3", directory, "bench", 1)
    print(f"{'step':36} {'answer':>8} {'settled':>8} {'pty':>8}  (ms)")
    for name in (step.name for step in STEPS):
        print(
            f"{name:36} {min(measured.answer_ms[name]):8.0f} "
            f"{min(measured.in_process_ms[name]):8.0f} {min(measured.pty_ms[name]):8.0f}"
        )
