"""Tier: credited tier, points and credit over time (PRODUCT.md §2). Not built yet."""

from __future__ import annotations

from console.screens.placeholder import PlaceholderScreen


class TierScreen(PlaceholderScreen):
    SCREEN_TITLE = "Tier"
    PLANNED = (
        "The credited tier and current performance, total points and points to the next "
        "tier, median app usage and certified status, and when the vendor last refreshed "
        "the figures. A monthly chart of sold tier credit broken down into new, increased, "
        "expired and decreased credit, with the clients behind each figure, and a projection "
        "of the credit that expires in the next three months."
    )
