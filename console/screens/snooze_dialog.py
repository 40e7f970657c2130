"""The inbox's own dialog: snooze until a date, with a reason (notes and assignees use the
shared ones in `console.screens.dialogs`).

Each dialog only asks; the inbox applies the action. Names and emails come from the server,
so they are shown through `safe_text`/`literal`, never as markup.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label

from console.screens.dialogs import Dialog
from local_store.alert_filter import TriageError, parse_until


class SnoozeChoice(NamedTuple):
    until: date
    reason: str


class SnoozeModal(Dialog):
    """Until when (3d, 2w or an ISO date) and why; enter in either field snoozes."""

    def __init__(self, subject: str, today: date) -> None:
        super().__init__()
        self.subject = subject
        """What is snoozed ("3 alerts", or an alert's title from the server)."""
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="snooze-modal"):
            yield self.heading("Snooze", self.subject)
            yield Label("Until (3d, 2w or 2026-12-24)", classes="dialog-hint")
            yield Input(value="3d", id="snooze-until", compact=True)
            yield Label("Reason (kept as a note)", classes="dialog-hint")
            yield Input(placeholder="optional", id="snooze-reason", compact=True)
            yield Label("", id="snooze-error", classes="dialog-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Snooze", id="confirm", variant="primary", compact=True)

    def on_mount(self) -> None:
        self.query_one("#snooze-until", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def _confirm(self) -> None:
        text = self.query_one("#snooze-until", Input).value
        try:
            until = parse_until(text, self.today)
        except TriageError as exc:
            self.query_one("#snooze-error", Label).update(Text(str(exc)))
            return
        reason = self.query_one("#snooze-reason", Input).value.strip()
        self.dismiss(SnoozeChoice(until, reason))
