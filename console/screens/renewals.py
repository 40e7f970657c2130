"""Renewals: upcoming renewal decisions (PRODUCT.md §2). Not built yet."""

from __future__ import annotations

from console.screens.placeholder import PlaceholderScreen


class RenewalsScreen(PlaceholderScreen):
    SCREEN_TITLE = "Renewals"
    PLANNED = (
        "Upcoming renewal decisions: client, products renewing, renewal date, decision "
        "deadline (45 days before the renewal starts), days left, status, MRR now and its "
        "forecast change, the renewal communication owner, the HubSpot renewal manager and "
        "the last active partner employee. Sort by deadline or MRR change, filter by a 30, 60, "
        "90 or 120-day window, owner and status, and set the communication owner offline."
    )
