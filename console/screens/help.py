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


def _node_bindings(node: DOMNode) -> list[Binding]:
    # `_bindings` is what Textual itself dispatches on (class bindings with any keymap
    # applied); there is no public accessor for a node that does not have focus.
    return [binding for _key, binding in node._bindings if not binding.system]


def _console_widgets(screen: Screen) -> Iterable[DOMNode]:
    """The screen's own widgets whose keys work when they have focus (not the footer's)."""
    seen: set[type] = set()
    for widget in screen.walk_children(Widget):
        kind = type(widget)
        if kind.__module__.startswith("console.") and widget.can_focus and kind not in seen:
            seen.add(kind)
            yield widget


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
            yield Static(self._table(bindings))
            notes = getattr(self._underneath, "HELP_NOTES", "")
            if notes:
                yield Static(notes, classes="help-notes", markup=False)
            yield Static(Text("Everywhere", style="bold"), classes="help-heading")
            yield Static(self._table(_node_bindings(self.app)))
            yield Static("escape, ? or q closes this help.", classes="help-notes", markup=False)

    def _table(self, bindings: Iterable[Binding]) -> Table:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(no_wrap=True)
        table.add_column()
        shown: set[tuple[str, str]] = set()
        for binding in bindings:
            if (binding.key, binding.action) in shown:
                continue
            shown.add((binding.key, binding.action))
            table.add_row(
                Text(self.app.get_key_display(binding)),
                Text(binding.description),
                Text(binding.tooltip),
            )
        return table
