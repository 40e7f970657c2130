"""The footer rebuilds its keys only when the keys it shows change."""

from __future__ import annotations

from pilot_helpers import settle
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from console.widgets.key_footer import KeyFooter


class FooterApp(App[None]):
    BINDINGS = [
        Binding("x", "extra", "Extra"),
        Binding("q", "quit", "Quit"),
    ]
    show_extra = False

    def compose(self) -> ComposeResult:
        yield Button("one", id="one")
        yield Button("two", id="two")
        yield KeyFooter()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.show_extra if action == "extra" else True

    def action_extra(self) -> None:
        pass


def _keys(app: App) -> list[FooterKey]:
    return list(app.screen.query(FooterKey))


async def test_focus_moves_keep_the_same_keys() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await settle(pilot)
        before = _keys(app)
        assert [key.key for key in before] == ["q", "ctrl+p"]
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "two"
        assert _keys(app) == before  # the same widgets: nothing was rebuilt


async def test_a_key_that_appears_is_shown() -> None:
    app = FooterApp()
    async with app.run_test() as pilot:
        await settle(pilot)
        app.show_extra = True
        app.refresh_bindings()
        await settle(pilot)
        assert [key.key for key in _keys(app)] == ["x", "q", "ctrl+p"]
