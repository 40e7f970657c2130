"""Waiting for the TUI to finish what a key press or a message started."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot

SETTLE_ROUNDS = 400


def _busy(app: App) -> bool:
    if any(worker.is_running for worker in app.workers):
        return True
    if app.message_queue_size:
        return True
    return any(node.message_queue_size for node in app.screen.walk_children(with_self=True))


async def settle(pilot: Pilot) -> None:
    """Wait until no worker runs and no message waits, twice in a row.

    `Pilot.pause()` alone guesses from CPU idleness, which a loaded CI machine defeats; a
    worker's result arrives as a message after the worker ends, so both are checked.
    """
    app = pilot.app
    quiet_rounds = 0
    for _ in range(SETTLE_ROUNDS):
        await pilot.pause()
        await app.workers.wait_for_complete()
        quiet_rounds = 0 if _busy(app) else quiet_rounds + 1
        if quiet_rounds == 2:
            return
        await pilot.pause(0.01)
    raise AssertionError("the app kept working: workers or messages still pending")
