"""Inbox: alerts as a triage queue (PRODUCT.md §2). Not built yet."""

from __future__ import annotations

from console.screens.placeholder import PlaceholderScreen


class InboxScreen(PlaceholderScreen):
    SCREEN_TITLE = "Inbox"
    PLANNED = (
        "Alerts as a triage queue, in sections defined in the config file, such as "
        '"My renewals in the next 45 days", "Setup issues" and "Engagement dropped", with '
        "sensible defaults for each archetype. Each alert shows its kind, severity, client, "
        "title, due date, status and assignee. Acknowledge, snooze until a date, assign, "
        "resolve and add a note all work offline and are synced later."
    )
