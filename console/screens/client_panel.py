"""One client's detail panel over the screen the user is on (Tier opens it with enter).

The same panel as under the Clients table, read from the cache in a worker; the screen behind
keeps its place, its filters and its selection. `g` goes to the client on Clients instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Label

from console.screens.dialogs import CANCEL, Dialog
from console.widgets.client_detail import ClientDetailPanel

if TYPE_CHECKING:
    from console.app_protocol import ConsoleApp
    from local_store.client_detail import ClientDetail


class ClientPanelDialog(Dialog):
    DEFAULT_CSS = """
    #client-panel-dialog {
        width: 95%;
        max-width: 150;
        height: 85%;
        padding: 0 1;
    }

    #client-panel-dialog ClientDetailPanel {
        height: 1fr;
        border-top: none;
    }

    ClientPanelDialog.-narrow .detail-columns {
        layout: vertical;
    }
    """
    # Fields and subscriptions side by side need the Clients screen's 120 columns inside the
    # dialog's border and padding; below that they stack.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (140, "-wide")]

    BINDINGS: ClassVar[list[BindingType]] = [
        CANCEL,
        Binding(
            "right_square_bracket",
            "next_tab",
            "Next tab",
            id="client-panel.next-tab",
            tooltip="Show the panel's next tab.",
        ),
        Binding(
            "left_square_bracket",
            "previous_tab",
            "Previous tab",
            id="client-panel.previous-tab",
            tooltip="Show the panel's previous tab.",
        ),
        Binding(
            "g",
            "go_to_clients",
            "Go to Clients",
            id="client-panel.go-to-clients",
            tooltip="Close this and select the client on the Clients screen.",
        ),
    ]

    class Read(Message):
        def __init__(self, detail: ClientDetail | None) -> None:
            super().__init__()
            self.detail = detail

    def __init__(self, client_id: str, name: str) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_name = name
        self.panel = ClientDetailPanel()

    @property
    def console_app(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="client-panel-dialog"):
            yield self.panel
            yield Label(
                "[ and ] switch tabs · g shows the client on Clients · escape closes",
                classes="dialog-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.panel.show_reading(self.client_id, self.client_name)
        self._read()

    @work(thread=True, exclusive=True, group="client-panel", exit_on_error=False)
    def _read(self) -> None:
        from local_store.client_detail import client_detail

        with self.console_app.cache.borrow() as conn:
            self.post_message(self.Read(client_detail(conn, self.client_id)))

    @on(Read)
    def _show(self, message: Read) -> None:
        if message.detail is None:
            self.panel.show_missing()
        else:
            self.panel.show(message.detail)

    def action_next_tab(self) -> None:
        self.panel.switch_tab(1)

    def action_previous_tab(self) -> None:
        self.panel.switch_tab(-1)

    async def action_go_to_clients(self) -> None:
        self.dismiss(None)
        await self.console_app.jump_to_client(self.client_id)
