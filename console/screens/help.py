"""Help: every key of the screen underneath and the keys that work everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Static

from console.screens.dialogs import DismissOnce

MOVING_KEYS = frozenset(
    {"up", "down", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end", "tab", "shift+tab"}
)
"""Keys that move a cursor or the focus the same way in every list: one line says them all."""
MOVING_NOTE = (
    "↑ ↓ pgup pgdn home end move in a list (and home/end pick the first and latest month on "
    "the chart); ← → scroll a wide list; tab and shift+tab move between parts of the screen; "
    "ctrl+c copies selected text."
)


def _node_bindings(node: DOMNode) -> list[Binding]:
    # `_bindings` are the class bindings, and the app's `_keymap` is what Textual applies to
    # them when it dispatches a key: there is no public accessor for a node without focus.
    bindings = node._bindings.copy()
    if node.app._keymap:
        bindings.apply_keymap(node.app._keymap)
    return [binding for _key, binding in bindings if not binding.system]


def _console_widgets(screen: Screen) -> Iterable[DOMNode]:
    """The screen's own widgets whose keys work when they have focus (not the footer's)."""
    seen: set[type] = set()
    for widget in screen.walk_children(Widget):
        kind = type(widget)
        if kind.__module__.startswith("console.") and widget.can_focus and kind not in seen:
            seen.add(kind)
            yield widget


def meaningful(bindings: Iterable[Binding]) -> list[tuple[list[str], Binding]]:
    """The console's own bindings (those with an id: Textual's stock widget keys have none),
    one row per id with all its keys, without the keys `MOVING_NOTE` covers or the screen's
    generic field and list keys (the list's own moves are the ones `MOVING_NOTE` names)."""
    rows: dict[str, tuple[list[str], Binding]] = {}
    for binding in bindings:
        if (
            not binding.id
            or not binding.description
            or binding.id.startswith("screen.")
            or (binding.id.startswith("table.") and binding.id != "table.open")
            or binding.key in MOVING_KEYS
        ):
            continue
        keys, _first = rows.setdefault(binding.id, ([], binding))
        if binding.key not in keys:
            keys.append(binding.key)
    return list(rows.values())


class HelpScreen(ModalScreen[None], DismissOnce):
    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }

    #help-panel {
        width: 90%;
        max-width: 120;
        height: 80%;
        padding: 1 2;
        background: $surface;
        border: round $primary;
    }

    .help-heading {
        margin: 1 0 0 0;
        color: $text-accent;
    }

    .help-notes {
        margin: 1 0 0 0;
        color: $text-muted;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape,question_mark,q", "dismiss", "Close", id="help.close", tooltip="Close the help."
        ),
    ]

    def __init__(self, underneath: Screen) -> None:
        super().__init__()
        self._underneath = underneath

    def compose(self) -> ComposeResult:
        title = getattr(self._underneath, "SCREEN_TITLE", "") or "This screen"
        bindings = _node_bindings(self._underneath)
        for widget in _console_widgets(self._underneath):
            bindings += _node_bindings(widget)
        with VerticalScroll(id="help-panel"):
            yield Static(Text(f"{title} — keys", style="bold"), classes="help-heading")
            yield Static(self._table(meaningful(bindings)), id="help-screen-keys")
            notes = getattr(self._underneath, "HELP_NOTES", "")
            if notes:
                yield Static(notes, classes="help-notes", markup=False)
            yield Static(Text("Everywhere", style="bold"), classes="help-heading")
            yield Static(self._table(meaningful(_node_bindings(self.app))), id="help-app-keys")
            yield Static(MOVING_NOTE, classes="help-notes", markup=False)
            yield Static(
                "Keys can be changed in the config file's [keymap] (docs/configuration.md). "
                "escape, ? or q closes this help.",
                classes="help-notes",
                markup=False,
            )

    def _table(self, rows: Iterable[tuple[list[str], Binding]]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        for keys, binding in rows:
            shown = " ".join(self.app.get_key_display(binding.with_key(key)) for key in keys)
            table.add_row(Text(shown), Text(binding.description), Text(binding.tooltip))
        return table
