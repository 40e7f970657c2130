"""HubSpot Team: the vendor contacts who support the partner (PRODUCT.md §2). Not built yet."""

from __future__ import annotations

from console.screens.placeholder import PlaceholderScreen


class TeamScreen(PlaceholderScreen):
    SCREEN_TITLE = "HubSpot Team"
    PLANNED = (
        "The HubSpot contacts who support the partner, such as the Partner Development "
        "Manager: role, name, email, a short description of how they help, and phone and "
        "meeting link when known. Send email opens your mail client with the subject filled "
        "in, and the address can be copied."
    )
