"""Textual's option lists (`OptionList`, `Select`'s drop-down, the command palette's list),
safe to page before they are laid out.

Textual 8.2.8 (and earlier 8.x) raises `KeyError` in `OptionList._move_page` when PageUp or
PageDown reach an option list shown but not yet laid out (its content region is still empty,
so its line map is too): Tab to a select, Down, PageDown at once crashed the app, and so did
ctrl+p then PageUp, or a dialog's list paged as it opened.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import OptionList, Select
from textual.widgets._select import SelectCurrent, SelectOverlay  # no public path to them


class SafeOptionList(OptionList):
    """An `OptionList` that pages only once laid out; before that the page keys go to its
    first or last option."""

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


class SafeSelectOverlay(SelectOverlay, SafeOptionList):
    """`Select`'s drop-down, paging safely. `SelectOverlay` first: Textual's CSS type names
    (which `Select` queries its overlay by) follow the first base only."""


class SafeSelect(Select[object]):
    """A `Select` whose overlay is a `SafeSelectOverlay` (same CSS type name as Textual's)."""

    def compose(self) -> ComposeResult:
        # Mirrors `Select.compose` (checked by tests/console/test_textual_private_api.py).
        yield SelectCurrent(self.prompt)
        yield SafeSelectOverlay(type_to_search=self._type_to_search).data_bind(
            compact=Select.compact
        )
