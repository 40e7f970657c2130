"""The footer of every screen: Textual's, rebuilt only when the keys it shows change."""

from __future__ import annotations

from collections.abc import Hashable

from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


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

    DEFAULT_CSS = """
    /* Textual's compact style gives the palette key a right margin, and the last column
       then shows a letter of the keys scrolled under it. */
    KeyFooter.-compact FooterKey.-command-palette {
        margin-right: 0;
        padding-right: 1;
    }
    """

    _composed: tuple[Hashable, ...] | None = None

    COMPACT_BELOW = 180
    """Narrower terminals get the compact footer (less space between keys), so the keys a
    screen shows, help among them, still fit at 160 columns."""

    def compose(self) -> ComposeResult:
        # Set without its watcher, before the keys exist: they are built in the right style.
        compact = self.app.size.width < self.COMPACT_BELOW
        self.set_reactive(Footer.compact, compact)
        self.set_class(compact, "-compact", update=False)
        # Private `_bindings_ready` (no public flag): Footer composes empty until it is set.
        if self._bindings_ready:
            self._composed = _shown_keys(self.screen)
        for widget in super().compose():
            if isinstance(widget, FooterKey) and "compact" in (widget._reactive_connect or {}):
                # FooterKey and `_reactive_connect` (its data bindings) are private
                # (tests/console/test_textual_private_api.py checks them). A key starts
                # compact, then is bound to the footer's `compact`: each change set or cleared
                # a class and restyled the key, a fifth of a screen's first visit. Given the
                # value first, neither does. (The palette's key is not bound: left alone.)
                widget.set_reactive(FooterKey.compact, self.compact)
                widget.set_class(self.compact, "-compact", update=False)
            yield widget

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < self.COMPACT_BELOW

    def bindings_changed(self, screen: Screen) -> None:
        if self._composed is not None and _shown_keys(screen) == self._composed:
            return
        super().bindings_changed(screen)
