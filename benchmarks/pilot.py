"""Figures 2 and 3, in-process under Textual's `Pilot` at 160x48 (headless).

Two hooks on the app instance, nothing in the product changed: `App._display` (called with
each composed screen update) stamps the time of every repaint, and the clients table's `show`
wraps the page reader it is given, to count the rows read. A keystroke's latency is from just
before the key is sent to the first repaint after the table received its new rows.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SIZE = (160, 48)
WAIT_LIMIT_S = 30.0


@dataclass
class Marks:
    shown_at: float | None = None
    painted_at: float | None = None
    rows_read: int = 0
    paints: list[tuple[float, int]] = field(default_factory=list)
    """(time, cursor row) of each repaint."""

    def reset(self) -> None:
        self.shown_at = self.painted_at = None
        self.rows_read = 0
        self.paints.clear()


@dataclass
class PilotFigures:
    search_ms: dict[str, list[float]] = field(default_factory=dict)
    scroll_ms: dict[str, list[float]] = field(default_factory=dict)
    scroll_rows: dict[str, list[int]] = field(default_factory=dict)
    rows: int = 0


def _hook(app: Any, table: Any, marks: Marks) -> None:
    display, show = app._display, table.show

    def counting(fetch):  # noqa: ANN001, ANN202
        def read(offset: int, limit: int):  # noqa: ANN202
            rows = fetch(offset, limit)
            marks.rows_read += len(rows)
            return rows

        return read

    def hooked_show(row_count: int, fetch, *args: Any, **kwargs: Any) -> None:  # noqa: ANN001
        show(row_count, counting(fetch), *args, **kwargs)
        marks.shown_at = time.perf_counter()

    def hooked_display(screen, renderable) -> None:  # noqa: ANN001
        display(screen, renderable)
        if renderable is None:
            return
        now = time.perf_counter()
        marks.paints.append((now, table.cursor_row))
        if marks.shown_at is not None and marks.painted_at is None:
            marks.painted_at = now

    app._display = hooked_display
    table.show = hooked_show
    table._fetch = counting(table._fetch)


async def settle(pilot: Any) -> None:
    """Until no worker runs and no message waits (twice in a row)."""
    app = pilot.app
    quiet = 0
    deadline = time.monotonic() + WAIT_LIMIT_S
    while quiet < 2:
        if time.monotonic() > deadline:
            raise RuntimeError("the app kept working")
        await pilot.pause()
        await app.workers.wait_for_complete()
        busy = app.message_queue_size or any(
            node.message_queue_size for node in app.screen.walk_children(with_self=True)
        )
        quiet = 0 if busy else quiet + 1


async def _until(condition, what: str) -> None:  # noqa: ANN001
    deadline = time.perf_counter() + WAIT_LIMIT_S
    while not condition():
        if time.perf_counter() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        await asyncio.sleep(0.0005)


async def _keystroke(pilot: Any, marks: Marks, key: str) -> float:
    """ms from the key to the repaint that shows the table's new rows."""
    marks.reset()
    started = time.perf_counter()
    await pilot.press(key)
    await _until(lambda: marks.painted_at is not None, f"the table after {key!r}")
    assert marks.painted_at is not None
    return (marks.painted_at - started) * 1000


async def _scroll(pilot: Any, marks: Marks, table: Any, key: str) -> tuple[float, int]:
    """ms from the key to the repaint with the cursor where it went, and rows read meanwhile."""
    marks.reset()
    started = time.perf_counter()
    await pilot.press(key)
    target = table.cursor_row
    await _until(lambda: any(row == target for _, row in marks.paints), f"repaint after {key!r}")
    painted = next(at for at, row in marks.paints if row == target)
    return (painted - started) * 1000, marks.rows_read


SEARCHES = {
    "one letter 'a'": ("", "a"),
    "no match 'zzqx'": ("zzq", "x"),
    "every client '.'": ("", "."),
}
"""Label → (text already typed, the keystroke measured). Every domain has a dot."""


async def _measure(cache: Path, repeats: int) -> PilotFigures:
    from textual.widgets import Input

    from console.app import PartnerOpsApp
    from console.widgets.client_table import ClientTable
    from sync.profile import Profile

    profile = Profile(name="bench", cache_path=cache, sync_interval_s=0, start_screen="clients")
    app = PartnerOpsApp(profile)
    figures = PilotFigures()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = app.screen.query_one(ClientTable)
        figures.rows = table.row_count
        marks = Marks()
        _hook(app, table, marks)
        search = app.screen.query_one("#client-search", Input)
        for _ in range(repeats):
            for label, (typed, key) in SEARCHES.items():
                search.focus()
                search.value = typed
                search.cursor_position = len(typed)  # the key is typed after the text, not in it
                await settle(pilot)
                figures.search_ms.setdefault(label, []).append(await _keystroke(pilot, marks, key))
            search.value = ""
            await settle(pilot)
            table.focus()
            for key in ("home", "end", "home", "pagedown", "pagedown"):
                await settle(pilot)
                latency, rows = await _scroll(pilot, marks, table, key)
                if key != "home":
                    figures.scroll_ms.setdefault(key, []).append(latency)
                    figures.scroll_rows.setdefault(key, []).append(rows)
        await pilot.press("ctrl+q")
    return figures


def measure(cache: Path, repeats: int) -> PilotFigures:
    return asyncio.run(_measure(cache, repeats))
