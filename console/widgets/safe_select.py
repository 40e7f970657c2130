"""Textual's `Select`, with its drop-down safe to page before it is laid out.

Textual 8.2.8 (and earlier 8.x) raises `KeyError: 0` in `OptionList._move_page` when
PageUp/PageDown reach a `SelectOverlay` opened but not yet laid out (its content region is
still empty, so its line map is too): Tab to a select, Down, PageDown at once crashed the app.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select
from textual.widgets._select import SelectCurrent, SelectOverlay  # no public path to them


class SafeSelectOverlay(SelectOverlay):
    """Pages only once laid out: before that the page keys move to the first or last option."""

    def action_page_down(self) -> None:
        if self.scrollable_content_region:
            super().action_page_down()
        else:
            self.action_last()

    def action_page_up(self) -> None:
        if self.scrollable_content_region:
            super().action_page_up()
        else:
            self.action_first()


class SafeSelect(Select[object]):
    """A `Select` whose overlay is a `SafeSelectOverlay` (same CSS type name as Textual's)."""

    def compose(self) -> ComposeResult:
        # Mirrors `Select.compose` (checked by tests/console/test_textual_private_api.py).
        yield SelectCurrent(self.prompt)
        yield SafeSelectOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact
        )
