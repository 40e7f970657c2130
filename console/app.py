"""The Partner Ops Console TUI.

Screens are Textual modes: the first is built before the first paint, the others one by one
after it (`_build_next_screen_ahead`), so a first visit shows a screen already built.
Everything shown comes from the local cache through `local_store.queries`; the header's data is
re-read every 30 seconds, each read chained from the end of the last.

A background sync runs in a worker, which must not touch widgets: it reports through messages
posted to the app: `SyncProgress` while it runs and `SyncFinished` at the end. The header shows
them, and `SyncFinished` makes every screen re-read the cache.
"""

from __future__ import annotations

import gc
import importlib
import sqlite3
from collections.abc import Callable, Collection, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from time import monotonic
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.worker import Worker, WorkerState

from console.app_protocol import ShowsClients
from console.cache import CacheReader
from console.keymap import check_keymap
from console.local_writes import LocalWrite, LocalWriter, Undone, Written
from console.status import StatusSnapshot, SyncFinished, SyncProgress, SyncUnreachable
from console.text import safe_text
from console.worker_errors import worker_error_title
from local_store.database import write_transaction
from local_store.impact import impact_is_current, refresh_impact
from local_store.queries import PartnerHeader, SyncOverview, partner_header, sync_overview

if TYPE_CHECKING:
    from collections.abc import Sequence

    from textual.actions import ActionParseResult
    from textual.command import CommandListItem, Provider
    from textual.dom import DOMNode
    from textual.screen import Screen
    from textual.widget import AwaitMount

    from sync.profile import Profile

DIALOG_WAIT_SECONDS = 1.0
"""How long keys typed after `expect_dialog` are kept from the screen behind the dialog."""
ALWAYS_RUN = frozenset({"quit", "command_palette"})

STATUS_REFRESH_SECONDS = 30.0
STARTUP_SYNC_DELAY_SECONDS = 1.0

Clock = Callable[[], datetime]


SCREEN_MODULES: dict[str, tuple[str, str]] = {
    "inbox": ("console.screens.inbox", "InboxScreen"),
    "clients": ("console.screens.clients", "ClientsScreen"),
    "renewals": ("console.screens.renewals", "RenewalsScreen"),
    "tier": ("console.screens.tier", "TierScreen"),
    "team": ("console.screens.team", "TeamScreen"),
}
"""Each mode's screen, imported when it is built: importing all five before the first
paint cost more than the bare Textual app takes to paint."""


AHEAD_ORDER = ("inbox", "clients", "renewals", "tier", "team")
"""The screens built ahead of their first visit, most visited first."""
AHEAD_PAUSE_SECONDS = 0.15
"""Between building one screen ahead and the next, so keys pressed meanwhile wait for one
screen at most."""


def _screen_factory(mode: str) -> Callable[[], Screen]:
    def build() -> Screen:
        module_name, class_name = SCREEN_MODULES[mode]
        return getattr(importlib.import_module(module_name), class_name)()

    return build


def _partnerops_commands() -> type[Provider]:
    # Imported when the palette first opens, to keep it off the path to the first paint.
    from console.commands import PartnerOpsCommands

    return PartnerOpsCommands


class StatusRead(Message):
    """The header's data, read by a worker."""

    def __init__(self, partner: PartnerHeader | None, overview: SyncOverview) -> None:
        super().__init__()
        self.partner = partner
        self.overview = overview


class LinkNotOpened(Message):
    """No browser or mail client took the link: the user gets it shown and copied."""

    def __init__(self, url: str, what: str) -> None:
        super().__init__()
        self.url = url
        self.what = what


class PartnerOpsApp(App[None]):
    TITLE = "Partner Ops Console"
    # Absolute, because Textual resolves a relative path against the module of a subclass.
    CSS_PATH = Path(__file__).with_name("app.tcss")
    COMMANDS = App.COMMANDS | {_partnerops_commands}

    MODES: ClassVar = {mode: _screen_factory(mode) for mode in SCREEN_MODULES}
    SCREEN_TITLES: ClassVar[dict[str, str]] = {
        "inbox": "Inbox",
        "clients": "Clients",
        "renewals": "Renewals",
        "tier": "Tier",
        "team": "HubSpot Team",
    }
    """Kept here, not read from the screen classes, so naming a screen imports nothing."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "switch_mode('inbox')", "Inbox", id="app.inbox", tooltip="Alerts to triage."),
        Binding(
            "2",
            "switch_mode('clients')",
            "Clients",
            id="app.clients",
            tooltip="Search, sort and browse clients.",
        ),
        Binding(
            "3",
            "switch_mode('renewals')",
            "Renewals",
            id="app.renewals",
            tooltip="Upcoming renewal decisions.",
        ),
        Binding(
            "4",
            "switch_mode('tier')",
            "Tier",
            id="app.tier",
            tooltip="Partner tier, points and credit.",
        ),
        Binding(
            "5", "switch_mode('team')", "Team", id="app.team", tooltip="Your HubSpot contacts."
        ),
        Binding(
            "r",
            "sync_now",
            "Sync",
            id="app.sync",
            tooltip="Pull fresh data and send actions waiting to sync.",
        ),
        Binding(
            "u,ctrl+z",
            "undo",
            "Undo",
            show=False,
            id="app.undo",
            tooltip="Take back the last action that has not been synced yet.",
        ),
        Binding(
            "question_mark", "help", "Help", id="app.help", tooltip="Every key of this screen."
        ),
        # In the footer only while there are refused actions to read (see `check_action`).
        Binding(
            "R",
            "refused",
            "Refused",
            id="app.refused",
            tooltip="What the server said about each refused action; dismiss them.",
        ),
        # Not shown in the footer: the footer has its own place for the palette's key.
        Binding(
            "ctrl+p",
            "command_palette",
            "Commands",
            show=False,
            priority=True,
            id="app.commands",
            tooltip="Search every command.",
        ),
        Binding("q", "quit", "Quit", show=False, id="app.quit", tooltip="Quit the console."),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            show=False,
            priority=True,
            id="app.quit-anywhere",
            tooltip="Quit the console, even from a text field.",
        ),
    ]

    status: var[StatusSnapshot] = var(StatusSnapshot, init=False)
    """What the header shows; every screen's header watches it."""
    data_generation: var[int] = var(0, init=False)
    """Bumped when the cache changed under the screens, which then read it again."""

    def __init__(
        self, profile: Profile, *, start_screen: str | None = None, clock: Clock | None = None
    ) -> None:
        start_screen = start_screen or profile.start_screen
        if start_screen not in self.MODES:
            raise ValueError(
                f"start screen must be one of {', '.join(self.MODES)}, not {start_screen!r}"
            )
        # The start screen is the first mode, so no blank default screen is built first.
        self.DEFAULT_MODE = start_screen  # type: ignore[misc]  # Textual reads it per instance
        super().__init__()
        self.profile = profile
        # Checked before the first paint: a wrong id or key is one line and exit 2, never a
        # keymap silently ignored.
        self.set_keymap(check_keymap(profile.keymap, type(self)))
        self.cache = CacheReader(profile.cache_path)
        self._clock: Clock = clock or (lambda: datetime.now(UTC))
        self._partner: PartnerHeader | None = None
        self._overview: SyncOverview | None = None
        self._activity: str | None = None
        self._offline = False
        self._paused: str | None = None
        self._sync_problem: str | None = None
        self._status_timer: Timer | None = None
        self._sync_timer: Timer | None = None
        self._dialog_asked_at: float | None = None
        self._writer: LocalWriter | None = None
        self._drawn_ahead: set[str] = set()

    def now(self) -> datetime:
        """The app's clock (fixed in tests), so every screen agrees on what "today" is."""
        return self._clock()

    def today(self) -> date:
        """Today in the user's time zone: renewal windows and due dates are local dates."""
        return self._clock().astimezone().date()

    def on_load(self) -> None:
        # Before the first screen is composed: it shows either the clients or why not.
        self.cache.open()

    def on_mount(self) -> None:
        self.refresh_status()
        self.call_after_refresh(self._build_next_screen_ahead)
        if self.can_sync and self.profile.sync_interval_s > 0:
            # After the first paint: the cache is on screen while the sync catches up.
            self._sync_timer = self.set_timer(STARTUP_SYNC_DELAY_SECONDS, self.start_sync)

    def _build_next_screen_ahead(self) -> None:
        """One step ahead of the user, then chain the next: build and style the next screen
        not yet built; once all are, lay out and draw the next one not yet drawn (their reads
        are done by then), all without showing them. A first visit cost 200-700 ms at 100,000
        clients, most of it Textual composing, styling, laying out and drawing the screen;
        done ahead, a first visit is a repaint like a revisit."""
        # Private Textual (pinned; tests/console/test_textual_private_api.py): `_init_mode` is
        # what `switch_mode` runs for a mode it has not built; `_css_update_count` says the
        # screen was styled with the current stylesheet, which `switch_mode` would otherwise
        # apply again to every screen built so far; `_refresh_layout` and the compositor's
        # `render_update` are what a shown screen runs to lay out and draw itself.
        if not self.is_running:
            return
        if (ahead := self._next_mode_ahead(self._screen_stacks)) is not None:
            self._init_mode(ahead)
            self._screen_stacks[ahead][0]._css_update_count = self._css_update_count
        elif (ahead := self._next_mode_ahead(self._drawn_ahead)) is not None:
            self._drawn_ahead.add(ahead)
            screen = self._screen_stacks[ahead][0]
            if not screen.is_current:
                screen._refresh_layout(self.size)
                screen._compositor.render_update(full=True)
        else:
            # What was built is here to stay: a full collection now, while nobody waits, and
            # not at a key press (one took ~100 ms of a first visit). `open_tui` froze what
            # the app was built from; the screens join it, out of every later collection.
            gc.collect()
            if gc.get_freeze_count():
                gc.freeze()
            return
        self.set_timer(AHEAD_PAUSE_SECONDS, self._build_next_screen_ahead)

    def _next_mode_ahead(self, done: Collection[str]) -> str | None:
        return next((mode for mode in AHEAD_ORDER if mode not in done), None)

    def on_unmount(self) -> None:
        self.cache.close()

    # The header.

    def refresh_status(self) -> None:
        """Re-read the header's data now; the next read is chained from the end of this one."""
        if self._status_timer is not None:
            self._status_timer.stop()
            self._status_timer = None
        if self.cache.available:
            self._read_status()
        else:
            self._publish_status()
            self._chain_status_refresh()

    @work(thread=True, exclusive=True, group="status", exit_on_error=False)
    def _read_status(self) -> None:
        with self.cache.borrow() as conn:
            self.post_message(StatusRead(partner_header(conn), sync_overview(conn)))

    @on(StatusRead)
    def _status_read(self, message: StatusRead) -> None:
        refused_before = self._overview.actions_refused if self._overview else 0
        self._partner, self._overview = message.partner, message.overview
        if message.overview.actions_refused != refused_before:
            self.refresh_bindings()
        self._publish_status()
        self._chain_status_refresh()
        self._bring_impact_to_today(self.today())

    @work(thread=True, exclusive=True, group="impact", exit_on_error=False)
    def _bring_impact_to_today(self, today: date) -> None:
        """The inbox walks the stored impacts when they are today's (`local_store.impact`): on
        a new day, or after a sync that could not finish its signals, they are computed again
        here, with every status read."""
        try:
            with self.cache.borrow() as conn:
                if not impact_is_current(conn, today):
                    with write_transaction(conn):
                        refresh_impact(conn, today)
        except sqlite3.Error:
            pass  # a locked or read-only cache: the inbox computes them; the next read retries

    def _chain_status_refresh(self) -> None:
        # A read overtaken by `refresh_status` still reports; one timer only, so the chains
        # never pile up.
        if self._status_timer is not None:
            self._status_timer.stop()
        self._status_timer = self.set_timer(STATUS_REFRESH_SECONDS, self.refresh_status)

    def _publish_status(self) -> None:
        self.status = StatusSnapshot(
            partner=self._partner,
            overview=self._overview,
            activity=self._activity,
            offline=self._offline,
            now=self._clock(),
            paused=self._paused,
            problem=self._sync_problem,
        )

    def set_sync_state(self, text: str | None) -> None:
        """Show what a running sync is doing ("syncing 42%"), or None when it is done.

        Call it on the UI thread; a worker posts `SyncProgress` instead.
        """
        self._activity = text
        self._publish_status()

    @on(SyncProgress)
    def _sync_progress(self, message: SyncProgress) -> None:
        # Progress is only reported for pages that arrived: the backend is back.
        self._offline = False
        if message.fraction is None:
            text = "syncing…"
        else:
            text = f"syncing {round(message.fraction * 100)}%"
        if message.detail:
            text += f" {message.detail}"
        self.set_sync_state(text)

    @on(SyncUnreachable)
    def _sync_unreachable(self, message: SyncUnreachable) -> None:
        """Offline at the first attempt that cannot connect; the worker retries quietly."""
        self._offline = True
        self._activity = None
        self._sync_problem = message.reason
        self._publish_status()

    @on(SyncFinished)
    def _sync_finished(self, message: SyncFinished) -> None:
        self._activity = None
        self._offline = message.offline
        if message.error is None:
            self._paused = self._sync_problem = None
        else:
            self._sync_problem = message.error
            if message.user_must_act:
                # Kept in the header until a sync succeeds: offline does not prove it fixed.
                self._paused = message.paused or "needs your attention"
        if message.error and not message.offline:
            error = message.error
            if message.user_must_act and self.profile.sync_interval_s > 0:
                if not error.endswith((".", "!", "?")):
                    error += "."
                error += " Background sync is paused until you sync again with r."
            self.notify(error, title="Sync failed", severity="error", markup=False)
        for line in message.refused:
            self.notify(line, title="Action not applied", severity="warning", markup=False)
        self.cache.open()
        if self.cache.available:
            self.writer.forget_undo()
        self.data_generation += 1
        self.refresh_status()
        self._chain_periodic_sync(paused=message.user_must_act)

    def _chain_periodic_sync(self, *, paused: bool = False) -> None:
        """The next periodic sync starts from the end of the last, so runs never pile up;
        `paused` (a token or setting to fix) leaves the next one to the user."""
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
        if not paused and self.can_sync and self.profile.sync_interval_s > 0:
            self._sync_timer = self.set_timer(self.profile.sync_interval_s, self.start_sync)

    # Actions.

    def action_sync_now(self) -> None:
        self.start_sync()

    @property
    def writer(self) -> LocalWriter:
        """The one serial writer every local action and undo goes through, in key order."""
        if self._writer is None:
            self._writer = LocalWriter(self, self.cache.path)
        return self._writer

    def write_locally(self, write: LocalWrite) -> None:
        """Queue `write` behind every write asked for before it; see `console.local_writes`."""
        self.writer.submit(write)

    def queue_action(
        self,
        outbox_action: str,
        args: tuple[object, ...],
        *,
        done: str,
        undo_label: str | None,
        error_title: str,
    ) -> None:
        """Write `local_store.outbox.<outbox_action>(conn, *args)` through the serial writer;
        then say `done`, and every screen reads the cache again."""

        def step(conn: sqlite3.Connection) -> object:
            # Imported here: the first paint must not wait on the write path.
            from local_store import outbox

            return getattr(outbox, outbox_action)(conn, *args)

        self.write_locally(LocalWrite((step,), done, undo_label, error_title))

    @on(Written)
    def _written(self, message: Written) -> None:
        if message.errors:
            more = len(message.errors) - 1
            self.notify(
                message.errors[0] + (f" (and {more} more)" if more else ""),
                title=message.write.error_title,
                severity="error",
                markup=False,
            )
        if message.applied:
            self.notify(message.write.done, markup=False)
            self.data_generation += 1
            self.refresh_status()

    def action_undo(self) -> None:
        if self.cache.available:
            self.writer.undo()

    @on(Undone)
    def _undone(self, message: Undone) -> None:
        if message.what is None:
            self.notify("Nothing to undo: every action has been synced.", markup=False)
            return
        # Not `capitalize()`: it lower-cases the client names that follow.
        self.notify(message.what[:1].upper() + message.what[1:], markup=False)
        self.data_generation += 1
        self.refresh_status()

    @property
    def can_sync(self) -> bool:
        return self.profile.has_source

    def start_sync(self) -> None:
        """Start a background sync; its worker reports with `SyncProgress`/`SyncFinished`."""
        if not self.can_sync:
            self.notify(
                "This profile has no backend to sync with: set PARTNEROPS_BACKEND_URL and "
                "PARTNEROPS_TOKEN, or run `partnerops demo`.",
                severity="warning",
                markup=False,
            )
            return
        if any(w.group == "sync" and w.is_running for w in self.workers):
            if self._offline:
                self.notify(
                    "Offline: the backend cannot be reached. Still trying in the background.",
                    markup=False,
                )
            else:
                self.notify("A sync is already running.", markup=False)
            return
        if self._sync_timer is not None:
            self._sync_timer.stop()
            self._sync_timer = None
        # Offline stays shown until the backend answers: a retry is no news.
        self.set_sync_state("syncing 0%")
        if self.cache.available:
            self.writer.forget_undo()
        self._sync_in_background()

    @work(thread=True, exclusive=True, group="sync", exit_on_error=False)
    def _sync_in_background(self) -> None:
        # Imported here: sync pulls in httpx and pydantic, which the first paint must not wait on.
        from local_store.database import CacheError
        from sync.client import BackendUnavailable, CredentialsRejected, MissingToken, SyncError
        from sync.engine import ConfigError, run_sync
        from sync.profile import ProfileError
        from sync.wire import RESOURCE_MODELS

        order = list(RESOURCE_MODELS)

        def progress(resource: str, count: int) -> None:
            self.post_message(SyncProgress(order.index(resource) / len(order), resource))

        def unreachable(reason: str) -> None:
            self.post_message(SyncUnreachable(reason))

        try:
            # Off the UI thread: the sync reads the OS keyring for the token each time, so a
            # `partnerops login` in another terminal is picked up.
            report = run_sync(self.profile, progress=progress, on_unreachable=unreachable)
        except BackendUnavailable as exc:
            self.post_message(SyncFinished(str(exc), offline=True))
        except SyncError as exc:
            paused = (
                "token rejected"
                if isinstance(exc, CredentialsRejected)
                else "no token"
                if isinstance(exc, MissingToken)
                else "config error"
                if isinstance(exc, ConfigError)
                else None
            )
            self.post_message(
                SyncFinished(str(exc), user_must_act=exc.user_must_act, paused=paused)
            )
        except ProfileError as exc:  # a token in the keyring that cannot be sent
            self.post_message(SyncFinished(str(exc), user_must_act=True, paused="token unusable"))
        except CacheError as exc:
            self.post_message(SyncFinished(str(exc)))
        except Exception as exc:
            self.post_message(SyncFinished(f"sync stopped unexpectedly ({type(exc).__name__})"))
        else:
            self.post_message(SyncFinished(refused=report.pushed.refused))

    def action_refused(self) -> None:
        from console.screens.refused import RefusedDialog

        if not isinstance(self.screen, RefusedDialog):
            self.push_screen(RefusedDialog())

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "refused":
            # In the footer only while there is something to read; the palette always has it.
            return bool(self._overview and self._overview.actions_refused)
        return True

    def _fatal_error(self) -> None:
        """Textual's crash report without each frame's local variables: in the sync path they
        hold the token and the Authorization header (httpx and h11 keep them as plain values).
        Overrides a private method of Textual; tests/hardening/test_hardening_crash_report.py
        fails if it stops being called."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def action_command_palette(self) -> None:
        # Textual's own, with a palette whose page keys cannot crash (console.commands).
        from textual.command import CommandPalette

        from console.commands import SafeCommandPalette

        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(SafeCommandPalette(id="--command-palette"))

    def search_themes(self) -> None:
        # Textual's, with the safe palette: its theme list paged before layout crashed too.
        from textual.theme import ThemeProvider

        from console.commands import SafeCommandPalette

        self.push_screen(
            SafeCommandPalette(providers=[ThemeProvider], placeholder="Search for themes…")
        )

    def search_commands(
        self, commands: Sequence[CommandListItem], placeholder: str = "Search for commands…"
    ) -> AwaitMount:
        # Textual's, with the safe palette (see `search_themes`).
        from textual.command import SimpleProvider

        from console.commands import SafeCommandPalette

        # A provider instance, as Textual's own does, though its annotation names classes.
        provider = SimpleProvider(self.screen, list(commands))
        return self.push_screen(
            SafeCommandPalette(providers=[provider], placeholder=placeholder)  # type: ignore[list-item]
        )

    def action_help(self) -> None:
        from console.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def open_link(self, url: str, what: str) -> None:
        """Open `url` (https or mailto) with the system's handler; `what` names it for the user.

        The one way every screen opens a link. One that `console.links` refuses (a newline, a
        space, a control character: paste-jacking) is neither opened nor copied, and the user
        is told why. Over SSH or on a machine with no browser nothing can open it, so the link
        is then shown and copied to the clipboard instead of failing silently.
        """
        from console.links import link_refusal

        if reason := link_refusal(url):
            self.notify(
                f"Not opened, nor copied: the {what}'s link {reason}.",
                title="Link refused",
                severity="warning",
                markup=False,
            )
            return
        self._open_link_in_background(url, what)

    def copy_text(self, text: str, what: str) -> None:
        """Copy server text (an address) to the clipboard, refused as `open_link` refuses."""
        from console.links import copy_refusal

        if reason := copy_refusal(text):
            self.notify(
                f"Not copied: the {what} {reason}.",
                title="Copy refused",
                severity="warning",
                markup=False,
            )
            return
        self.copy_to_clipboard(text)
        self.notify(f"Copied {safe_text(text)}", title=f"{what.capitalize()} copied", markup=False)

    @work(thread=True, group="open-link", exit_on_error=False)
    def _open_link_in_background(self, url: str, what: str) -> None:
        # `webbrowser.open` can block while it starts a browser, so it runs off the UI thread.
        import webbrowser

        try:
            opened = webbrowser.open(url, new=2)
        except webbrowser.Error:
            opened = False
        if not opened:
            self.post_message(LinkNotOpened(url, what))

    @on(LinkNotOpened)
    def _link_not_opened(self, message: LinkNotOpened) -> None:
        self.copy_to_clipboard(message.url)
        self.notify(
            f"Nothing here could open the {message.what}, so its link is copied to the "
            f"clipboard:\n{safe_text(message.url)}",
            title="Link copied",
            markup=False,
        )

    async def jump_to_client(self, client_id: str) -> None:
        await self.switch_mode("clients")
        screen = self.screen
        if isinstance(screen, ShowsClients):
            screen.jump_to(client_id)

    # Keys typed for a dialog that is still being read.

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        if isinstance(action, str):
            name = action.rsplit(".", 1)[-1].split("(")[0]
            if name not in ALWAYS_RUN and self._dialog_pending():
                # `a` reads the people before its dialog opens; the arrows typed right after
                # were meant for the dialog, and moved (and scrolled) the list behind it.
                return True
        return await super().run_action(action, default_namespace, namespaces)

    def expect_dialog(self) -> None:
        """A screen has started reading what its dialog needs: keys typed until the dialog
        opens are for it. Called only when the dialog will open (a key on an empty list
        opens none, and must not swallow the keys after it); a failed read ends the wait."""
        self._dialog_asked_at = monotonic()

    def _dialog_pending(self) -> bool:
        asked = self._dialog_asked_at
        if asked is None:
            return False
        if isinstance(self.screen, ModalScreen) or monotonic() - asked > DIALOG_WAIT_SECONDS:
            self._dialog_asked_at = None
            return False
        return True

    # Errors from workers.

    @on(Worker.StateChanged)
    def _app_worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.report_worker_error(event.worker)

    def report_worker_error(self, worker: Worker) -> None:
        """The one place a worker's error becomes a message the user can read.

        `Worker.StateChanged` does not bubble, so screens forward their workers' errors here.
        """
        self._dialog_asked_at = None  # a failed read opens no dialog: stop holding keys
        error = worker.error
        self.notify(
            f"{type(error).__name__}: {error}",
            title=worker_error_title(worker.group),
            severity="error",
            markup=False,
        )
        if worker.group == "status":
            self._chain_status_refresh()
