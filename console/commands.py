"""The command palette: switch screens, sync, jump to a client, and the current screen's own
commands."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual.await_complete import AwaitComplete
from textual.binding import Binding, BindingType
from textual.command import CommandList, CommandPalette, DiscoveryHit, Hit, Hits, Provider

from console.screens.base import PartnerOpsScreen
from console.text import literal
from local_store.queries import ClientName, search_client_names

if TYPE_CHECKING:
    from console.app_protocol import ConsoleApp

JUMP_LIMIT = 8


class SafeCommandPalette(CommandPalette):
    """Textual's palette, whose page keys wait for its list to be laid out.

    Textual 8.2.8 raises KeyError in `OptionList._move_page` for ctrl+p then PageUp at once
    (see `console.widgets.safe_select`); before the list is laid out they go to its ends.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("pagedown", "page('down')", "Next page", show=False),
        Binding("pageup", "page('up')", "Previous page", show=False),
    ]

    def dismiss(self, result: None = None) -> AwaitComplete:
        # Two enters queued at once select twice; the second comes after the palette closed,
        # and Textual 8.2.8 then pops the screen under it (ScreenStackError with only one).
        if self.app.screen is not self:
            return AwaitComplete(asyncio.sleep(0))
        return super().dismiss(result)

    def action_page(self, direction: str) -> None:
        found = self.query(CommandList)
        if not found:
            return  # the palette is not composed yet
        commands = found.first()
        laid_out = bool(commands.scrollable_content_region)
        if direction == "down":
            (commands.action_page_down if laid_out else commands.action_last)()
        else:
            (commands.action_page_up if laid_out else commands.action_first)()


class PartnerOpsCommands(Provider):
    @property
    def console_app(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def _commands(self) -> Iterator[tuple[str, str, Callable[[], object]]]:
        app = self.console_app
        for mode, title in app.SCREEN_TITLES.items():
            yield f"Go to {title}", f"Switch to the {title} screen.", partial(app.switch_mode, mode)
        yield "Sync now", "Pull fresh data and send actions waiting to sync.", app.action_sync_now
        yield "Help", "Show every key of this screen.", app.action_help
        yield "Refused actions", "What the server said about refused actions.", app.action_refused
        if isinstance(self.screen, PartnerOpsScreen):
            for command in self.screen.palette_commands():
                yield command.name, command.help, command.run

    async def discover(self) -> Hits:
        for name, help_text, run in self._commands():
            yield DiscoveryHit(Text(name), run, text=name, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, run in self._commands():
            score = matcher.match(name)
            if score > 0:
                # Our own names only: `highlight` parses markup.
                yield Hit(score, matcher.highlight(name), run, text=name, help=help_text)
        for client in await self._client_names(query):
            # Names come from the server: a rich Text is shown as is, and the palette would
            # parse a plain string (or `help`) as markup, so neither carries them.
            display = Text.assemble(
                "Jump to client ", literal(client.name, "bold"), "  ", literal(client.domain, "dim")
            )
            yield Hit(
                max(matcher.match(client.name), 0.1),
                display,
                partial(self.console_app.jump_to_client, client.id),
                text=f"Jump to client {client.name}",
                help="Select this client on the Clients screen.",
            )

    async def _client_names(self, query: str) -> list[ClientName]:
        cache = self.console_app.cache
        if len(query.strip()) < 2 or not cache.available:
            return []

        def read() -> list[ClientName]:
            with cache.borrow() as conn:
                return search_client_names(conn, query, JUMP_LIMIT)

        # A LIKE scan of every name: too slow for the event loop at 100,000 clients.
        return await asyncio.to_thread(read)
