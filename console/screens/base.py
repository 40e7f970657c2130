"""What every screen of the console shares: the header, a title line and the footer."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, NamedTuple, TypeVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from console.status import StatusSnapshot
from console.widgets.key_footer import KeyFooter
from console.widgets.status_bar import StatusBar
from console.widgets.virtual_table import VirtualTable
from local_store.pending import pending_targets

if TYPE_CHECKING:
    from console.app_protocol import ConsoleApp


Row = TypeVar("Row")


class PaletteCommand(NamedTuple):
    """A command-palette entry that only makes sense on one screen."""

    name: str
    help: str
    run: Callable[[], object]


class PendingTargetsRead(Message):
    def __init__(self, read: int, targets: Mapping[str, frozenset[str]]) -> None:
        super().__init__()
        self.read = read
        self.targets = targets


class PartnerOpsScreen(Screen[None], inherit_bindings=False):
    SCREEN_TITLE = ""
    MARKS_PENDING: ClassVar[bool] = False
    """Whether the screen's lists mark the rows with a change waiting to sync."""
    # Textual's own screen keys, again with ids so that a keymap can rebind them.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "tab",
            "app.focus_next",
            "Next field",
            show=False,
            id="screen.focus-next",
            tooltip="Move the focus to the next field.",
        ),
        Binding(
            "shift+tab",
            "app.focus_previous",
            "Previous field",
            show=False,
            id="screen.focus-previous",
            tooltip="Move the focus to the previous field.",
        ),
        Binding(
            "ctrl+c,super+c",
            "screen.copy_text",
            "Copy",
            show=False,
            id="screen.copy",
            tooltip="Copy the selected text.",
        ),
    ]
    _stale = False
    _pending_reads = 0
    _pending_shown = 0
    pending_targets: Mapping[str, frozenset[str]] = {}
    """Ids with a change waiting to sync, by table (see `local_store.pending`)."""

    @property
    def console_app(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def page_or_nothing(self, read_page: Callable[[], Sequence[Row]]) -> Sequence[Row]:
        """A list's page, read on the UI thread while the table draws, where an exception
        would end the app: a damaged or locked cache is said in a toast and draws nothing."""
        try:
            return read_page()
        except sqlite3.DatabaseError as exc:
            self.notify(
                f"{type(exc).__name__}: {exc}",
                title="Could not read the cache",
                severity="error",
                markup=False,
            )
            return []

    def compose(self) -> ComposeResult:
        self._set_breakpoint_class(self.app.size.width)
        profile = self.console_app.profile
        yield StatusBar(profile.name, profile.archetype_label)
        yield Static(self.SCREEN_TITLE, classes="screen-title", markup=False)
        yield from self.compose_body()
        yield KeyFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def _set_breakpoint_class(self, width: int) -> None:
        """The class Textual gives the screen for this width, set before its widgets are
        styled: Textual sets it at the first resize, which restyled every widget once more
        before the first paint."""
        breakpoints = sorted(self.HORIZONTAL_BREAKPOINTS or [])
        reached = [name for least, name in breakpoints if width >= least]
        for _, name in breakpoints:
            self.set_class(bool(reached) and name == reached[-1], name)

    def on_mount(self) -> None:
        self.watch(self.app, "status", self._status_changed)
        self.watch(self.app, "data_generation", self._data_changed, init=False)
        self._read_pending_targets()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            self.console_app.report_worker_error(event.worker)

    def _status_changed(self, snapshot: StatusSnapshot) -> None:
        # A screen in another mode is not drawn; it catches up when it is shown again.
        if self.is_current:
            self.query_one(StatusBar).show(snapshot)

    def _data_changed(self, generation: int) -> None:
        if self.is_current:
            self.reload()
            self._read_pending_targets()
        else:
            self._stale = True

    def on_screen_resume(self) -> None:
        self.query_one(StatusBar).show(self.console_app.status)
        if self._stale:
            self._stale = False
            self.reload()
            self._read_pending_targets()

    def is_pending(self, table: str, row_id: str) -> bool:
        return row_id in self.pending_targets.get(table, ())

    def _read_pending_targets(self) -> None:
        if self.MARKS_PENDING and self.console_app.cache.available:
            self._pending_reads += 1
            self._read_pending_worker(self._pending_reads)

    # Not exclusive: a cancelled read would be lost work, and the reads are numbered instead,
    # so an older one that finishes last is ignored.
    @work(thread=True, group="pending-targets", exit_on_error=False)
    def _read_pending_worker(self, read: int) -> None:
        with self.console_app.cache.borrow() as conn:
            self.post_message(PendingTargetsRead(read, pending_targets(conn)))

    @on(PendingTargetsRead)
    def _pending_targets_read(self, message: PendingTargetsRead) -> None:
        if message.read < self._pending_shown:
            return
        self._pending_shown = message.read
        if message.targets == self.pending_targets:
            return
        self.pending_targets = message.targets
        for table in self.query(VirtualTable):
            table.redraw_rows()

    def reload(self) -> None:
        """Read the cache again after a sync changed it."""

    def palette_commands(self) -> Iterable[PaletteCommand]:
        return ()
