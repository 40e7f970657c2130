"""Key storms: seeded random key sequences typed in bursts into the console under Pilot.

A storm starts on a screen (optionally with a few keys that open a dialog, a select or the
palette first), then types its keys in bursts of 1-8 with no wait inside a burst, the way a
fast hand or a pasted sequence reaches the terminal. Afterwards the app must have raised
nothing, go idle (no worker running, no message waiting, nothing started again while idle),
and still answer: escape closes whatever is open and a screen key shows its screen.

`run_storm` raises `StormFailed` naming the start, seed and keys, so a failure replays with
`replay(start, seed)` (or the pytest id it printed).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from console_fixtures import FIXED_NOW
from pilot_helpers import settle
from textual import events
from textual.pilot import Pilot
from textual.screen import ModalScreen
from textual.widgets import Input
from textual.widgets._select import SelectOverlay
from textual.worker_manager import WorkerManager

from console.app import PartnerOpsApp
from sync.profile import Profile

SIZE = (160, 48)
STORM_LENGTH = 40

SCREEN_KEYS = {"inbox": "1", "clients": "2", "renewals": "3", "tier": "4", "team": "5"}

# Every key a screen, dialog, select or list binds (test_storm.py checks none is missing),
# weighted towards moving about, plus typing. Left out: q and ctrl+q (quit), 1-5 (the screen
# keys, pressed as the probe instead) and super+c (ctrl+c's twin).
POOL: tuple[str, ...] = (
    *("up", "down", "up", "down", "left", "right", "pageup", "pagedown", "home", "end"),
    *("tab", "shift+tab", "tab", "enter", "enter", "escape", "escape", "space"),
    *("left_square_bracket", "right_square_bracket", "right_square_bracket"),
    *("slash", "question_mark", "ctrl+p", "ctrl+s", "ctrl+e", "ctrl+z", "ctrl+c", "backspace"),
    *("delete", "w", "s", "S", "f", "m", "a", "k", "z", "x", "n", "c", "u", "o", "O", "e"),
    *("y", "g", "p", "h", "r", "R", "d", "D", "t", "l"),
)
EXCLUDED_KEYS = frozenset({"q", "ctrl+q", "1", "2", "3", "4", "5", "super+c"})

CHARACTERS = {
    "space": " ",
    "enter": "\r",
    "tab": "\t",
    "escape": "\x1b",
    "backspace": "\x7f",
    "slash": "/",
    "question_mark": "?",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
}


@dataclass(frozen=True)
class Start:
    """Where a storm begins: a screen and the keys that open what the storm should hit."""

    name: str
    screen: str
    keys: tuple[str, ...] = ()
    opens: str | None = None
    """The dialog the start keys open: checked before the storm, so a start that stops
    reaching its dialog (a key changed) fails instead of storming the screen behind."""
    app_action: str | None = None
    """An app action run before the keys, for a dialog no key opens in every state."""


STARTS: tuple[Start, ...] = (
    Start("inbox", "inbox"),
    Start("inbox-sections-twice", "inbox", ("right_square_bracket", "right_square_bracket")),
    Start("inbox-note", "inbox", ("n",), opens="NoteDialog"),
    Start("inbox-snooze", "inbox", ("z",), opens="SnoozeModal"),
    Start("inbox-assign", "inbox", ("a",), opens="PersonDialog"),
    Start("inbox-filter", "inbox", ("slash",)),
    Start("clients", "clients"),
    Start("clients-note", "clients", ("n",), opens="NoteDialog"),
    Start("clients-owner", "clients", ("a",), opens="PersonDialog"),
    Start("clients-end-services", "clients", ("ctrl+e",), opens="EndServicesModal"),
    Start("clients-filter", "clients", ("f",), opens="FilterModal"),
    Start("clients-detail", "clients", ("enter",)),
    Start("renewals", "renewals"),
    Start("renewals-window-select", "renewals", ("tab", "down", "pagedown")),
    Start("renewals-owner-select", "renewals", ("slash", "enter", "pageup", "pagedown")),
    Start("renewals-comms-owner", "renewals", ("c",), opens="CommunicationOwnerModal"),
    Start("tier", "tier"),
    Start("tier-month-pick", "tier", ("p", "left", "left")),
    Start(
        "tier-client-panel", "tier", ("right_square_bracket", "enter"), opens="ClientPanelDialog"
    ),
    Start("team", "team"),
    Start("team-copy", "team", ("down", "y")),
    Start("help", "clients", ("question_mark",), opens="HelpScreen"),
    Start("palette", "inbox", ("ctrl+p",), opens="SafeCommandPalette"),
    Start("refused", "inbox", opens="RefusedDialog", app_action="refused"),
)
STARTS_BY_NAME = {start.name: start for start in STARTS}


class StormFailed(AssertionError):
    pass


def storm_keys(seed: int, length: int = STORM_LENGTH) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(POOL) for _ in range(length)]


def _bursts(seed: int, keys: Sequence[str]) -> list[list[str]]:
    rng = random.Random(seed * 7919 + 1)
    bursts: list[list[str]] = []
    index = 0
    while index < len(keys):
        size = rng.randint(1, 8)
        bursts.append(list(keys[index : index + size]))
        index += size
    return bursts


def _send_at_once(app: PartnerOpsApp, keys: Sequence[str]) -> None:
    """Queue the keys as the terminal driver does, without waiting for any to be handled."""
    driver = app._driver
    assert driver is not None
    for key in keys:
        char = CHARACTERS.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        driver.send_message(event)


class _WorkerCounter:
    """Counts workers started anywhere in the app, to tell an idle app from a spinning one."""

    def __init__(self) -> None:
        self.started = 0
        self._original = WorkerManager.add_worker

    def __enter__(self) -> _WorkerCounter:
        counter = self

        def add_worker(manager: WorkerManager, *args: Any, **kwargs: Any) -> None:
            counter.started += 1
            counter._original(manager, *args, **kwargs)

        WorkerManager.add_worker = add_worker  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        WorkerManager.add_worker = self._original  # type: ignore[method-assign]


async def _assert_idle(pilot: Pilot, counter: _WorkerCounter) -> None:
    await settle(pilot)
    before = counter.started
    await pilot.pause(0.3)
    await settle(pilot)
    if counter.started != before:
        raise AssertionError(f"{counter.started - before} workers started while nobody typed")


async def _assert_answers(pilot: Pilot, counter: _WorkerCounter) -> None:
    app = pilot.app
    assert isinstance(app, PartnerOpsApp)
    # Escape closes what is open and leaves a text field (which takes digits), as a user would.
    for _ in range(4):
        if not isinstance(app.screen, ModalScreen) and not isinstance(
            app.focused, Input | SelectOverlay
        ):
            break
        await pilot.press("escape")
        await settle(pilot)
    if isinstance(app.screen, ModalScreen):
        raise AssertionError(f"escape did not close {type(app.screen).__name__}")
    if isinstance(app.focused, Input | SelectOverlay):
        raise AssertionError(f"escape did not leave {app.focused!r}")
    target = "team" if app.current_mode != "team" else "inbox"
    await pilot.press(SCREEN_KEYS[target])
    await settle(pilot)
    if app.current_mode != target or app.screen.__class__.__name__ == "Screen":
        raise AssertionError(f"pressing {SCREEN_KEYS[target]} did not show {target}")
    await _assert_idle(pilot, counter)


async def run_storm(profile: Profile, start: Start, seed: int) -> None:
    keys = storm_keys(seed)
    app = PartnerOpsApp(profile, start_screen=start.screen, clock=lambda: FIXED_NOW)
    where = f"storm {start.name!r} seed {seed}: start keys {list(start.keys)}, keys {keys}"
    try:
        with _WorkerCounter() as counter:
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                if start.app_action:
                    # Called, not run as an action: `check_action` hides it while nothing
                    # was refused, yet the palette still offers it.
                    getattr(app, f"action_{start.app_action}")()
                if start.opens:
                    # One key at a time: the dialog must open, then the storm hits it.
                    for key in start.keys:
                        _send_at_once(app, [key])
                        await settle(pilot)
                else:
                    _send_at_once(app, start.keys)
                if start.opens and type(app.screen).__name__ != start.opens:
                    raise AssertionError(f"the start keys showed {type(app.screen).__name__}")
                for burst in _bursts(seed, keys):
                    _send_at_once(app, burst)
                    await pilot.pause()
                await _assert_idle(pilot, counter)
                await _assert_answers(pilot, counter)
    except Exception as exc:
        raise StormFailed(f"{where}\n{type(exc).__name__}: {exc}") from exc
