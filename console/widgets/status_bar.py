"""The header line: partner and tier, profile and archetype, and how fresh the cache is."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from console.status import StatusSnapshot
from console.text import literal


class StatusBar(Horizontal):
    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;

        & > Label { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #status-partner { text-style: bold; }
        & > #status-profile { color: $text-muted; padding-left: 4; width: 1fr; }
        & > #status-sync { color: $text-muted; padding-left: 2; }
        & > #status-sync.-attention { color: $text-warning; }
        & > #status-sync.-paused { color: $text-error; text-style: bold; }
    }
    """

    def __init__(self, profile_name: str, archetype_label: str) -> None:
        super().__init__()
        profile_label = Text.assemble(
            "profile ", literal(profile_name), " · ", literal(archetype_label)
        )
        # Held directly: a status update that lands while the screen is being torn down
        # must not fail looking for children that are already gone.
        self._partner = Label(id="status-partner")
        self._profile = Label(profile_label, id="status-profile")
        self._sync = Label(id="status-sync")
        self._sync_text_width = 0

    def compose(self) -> ComposeResult:
        yield self._partner
        yield self._profile
        yield self._sync

    def show(self, snapshot: StatusSnapshot) -> None:
        partner = snapshot.partner
        partner_text = (
            Text.assemble(literal(partner.name), " · ", literal(partner.credited_tier))
            if partner
            else Text("no partner data yet")
        )
        self._partner.update(partner_text)
        sync = self._sync
        sync_text = Text(snapshot.sync_text())
        self._sync_text_width = sync_text.cell_len
        sync.update(sync_text)
        sync.tooltip = snapshot.sync_tooltip()
        overview = snapshot.overview
        needs_attention = snapshot.offline or bool(
            overview
            and (overview.last_error or overview.actions_waiting or overview.actions_refused)
        )
        sync.set_class(needs_attention, "-attention")
        sync.set_class(bool(snapshot.paused), "-paused")
        self._share_width()

    def on_resize(self) -> None:
        self._share_width()

    def _share_width(self) -> None:
        """When the line is too short for all three, the sync state keeps its room (up to
        three fifths), then the partner; the profile gives way first. Cut text ends in an
        ellipsis, and the sync state's tooltip has it whole."""
        width = self.content_size.width
        if not width:
            return
        sync = self._sync
        sync_width = min(self._sync_text_width + sync.styles.gutter.width, width * 3 // 5)
        sync.styles.max_width = sync_width
        # The profile's own padding stays as the gap between the partner and the sync state.
        gap = self._profile.styles.gutter.width
        self._partner.styles.max_width = max(width - sync_width - gap, 0)
