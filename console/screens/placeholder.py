"""A screen that is planned but not built yet: it says what it will show."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static

from console.screens.base import PartnerOpsScreen


class PlaceholderScreen(PartnerOpsScreen):
    PLANNED = ""

    def compose_body(self) -> ComposeResult:
        yield Static(self.PLANNED, classes="planned", markup=False)
        yield Static(
            "This screen is not built yet in this version.", classes="planned-note", markup=False
        )
