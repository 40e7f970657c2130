"""The footer of every screen: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


def _shown_keys(screen: Screen) -> tuple[Hashable, ...]:
    return tuple(
        (binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
        for _, binding, enabled, tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    """Textual's footer rebuilds every key on each focus change, though most changes leave
    the same keys: with fifteen keys, about a sixth of the console's start-up. This one
    rebuilds only when the keys change."""

    _composed: tuple[Hashable, ...] | None = None

    def compose(self) -> ComposeResult:
        # Private `_bindings_ready` (no public flag): Footer composes empty until it is set.
        if self._bindings_ready:
            self._composed = _shown_keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if self._composed is not None and _shown_keys(screen) == self._composed:
            return
        super().bindings_changed(screen)
