"""Refused actions: what the server said about each action it refused, and a way to dismiss it.

An action the server rejected (or that lost to a change made there meanwhile) is never sent
again; the cache already shows the server's version. It stays in the outbox, counted as
"N refused" in the header, until the user has read why and dismisses it. The reasons come
from the server, so they are shown literally: never markup, controls made visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from console.screens.dialogs import CANCEL, Dialog
from console.text import format_local_time, literal, safe_text
from local_store.queries import parse_utc

if TYPE_CHECKING:
    from console.app_protocol import ConsoleApp
    from local_store.outbox import OutboxEntry

STATE_LABELS = {
    "rejected": "refused by the server",
    "conflict": "changed on the server meanwhile",
}
REFUSED_PREFIX = "refused by the server ("
EMPTY = (
    "No refused actions. When the server refuses an action sent from here, it shows in this "
    "list with the server's reason until you dismiss it."
)


def refused_prompt(entry: OutboxEntry) -> Text:
    """Two lines: what was asked and when, then what the server said, all literal."""
    queued = parse_utc(entry.created_at)
    when = format_local_time(queued) if queued else entry.created_at
    what = entry.kind.replace("_", " ")
    # The push wrote "<action> on <id>: refused by the server (<reason>)": the first line
    # already says all but the server's own words.
    reason = (entry.outcome_reason or "the server gave no reason").removeprefix(
        f"{what} on {entry.target_id}: "
    )
    if reason.startswith(REFUSED_PREFIX) and reason.endswith(")"):
        reason = "The server said: " + reason.removeprefix(REFUSED_PREFIX).removesuffix(")")
    return Text.assemble(
        (what.capitalize(), "bold"),
        " on ",
        literal(f"{entry.target_table} {entry.target_id}"),
        (f"  queued {when} · {STATE_LABELS.get(entry.state, entry.state)}", "dim"),
        "\n  ",
        literal(reason),
    )


class RefusedDialog(Dialog):
    """The refused actions, oldest first; `d` dismisses the highlighted one, `D` all."""

    DEFAULT_CSS = """
    #refused-dialog {
        width: 110;
    }

    #refused-list {
        height: auto;
        max-height: 20;
    }

    #refused-empty {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding(
            "d,delete",
            "dismiss_one",
            "Dismiss",
            id="refused.dismiss",
            tooltip="Forget the highlighted refused action: you have read why.",
        ),
        Binding(
            "D",
            "dismiss_all",
            "Dismiss all",
            id="refused.dismiss-all",
            tooltip="Forget every refused action in this list.",
        ),
    ]

    class Loaded(Message):
        def __init__(self, entries: list[OutboxEntry]) -> None:
            super().__init__()
            self.entries = entries

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[OutboxEntry] = []

    @property
    def console_app(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="refused-dialog"):
            yield Static(Text("Refused actions", style="bold"), classes="dialog-heading")
            yield Static(EMPTY, id="refused-empty", markup=False)
            yield OptionList(id="refused-list")
            yield Label(
                "d dismisses the highlighted action · D dismisses all · escape closes",
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.watch(self.app, "data_generation", self._reload)

    def _reload(self, _generation: int) -> None:
        if self.console_app.cache.available:
            self._read()
        else:
            self._show([])

    @work(thread=True, exclusive=True, group="refused-read", exit_on_error=False)
    def _read(self) -> None:
        # Imported here: the outbox pulls in SQLModel, which the first paint must not wait on.
        from local_store.outbox import refused_actions

        with self.console_app.cache.borrow() as conn:
            self.post_message(self.Loaded(refused_actions(conn)))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self._show(message.entries)

    def _show(self, entries: list[OutboxEntry]) -> None:
        option_list = self.query_one(OptionList)
        highlighted = option_list.highlighted
        self.entries = entries
        option_list.set_options(Option(refused_prompt(entry), id=entry.key) for entry in entries)
        if entries:
            option_list.highlighted = min(highlighted or 0, len(entries) - 1)
        option_list.display = bool(entries)
        self.query_one("#refused-empty").display = not entries

    def action_dismiss_one(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is None or highlighted >= len(self.entries):
            return
        entry = self.entries[highlighted]
        self.console_app.queue_action(
            "dismiss_refused",
            (entry.key,),
            done=f"Dismissed: {entry.kind.replace('_', ' ')} on {safe_text(entry.target_id)}.",
            undo_label=None,
            error_title="Could not dismiss",
        )

    def action_dismiss_all(self) -> None:
        if not self.entries:
            return
        count = len(self.entries)
        self.console_app.queue_action(
            "dismiss_all_refused",
            (),
            done=f"Dismissed {count} refused action{'s' if count != 1 else ''}.",
            undo_label=None,
            error_title="Could not dismiss",
        )
