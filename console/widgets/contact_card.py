"""One HubSpot team contact as a focusable card: role, name, email, phone, description, link."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.widget import Widget

from console.text import literal, safe_text
from local_store.team import TeamContact


class ContactCard(Widget, can_focus=True):
    DEFAULT_CSS = """
    ContactCard {
        height: auto;
        max-width: 100;
        margin: 0 1 1 1;
        padding: 0 1;
        border: round $foreground 30%;
        background: $surface;
    }
    ContactCard:focus {
        border: round $accent;
        background-tint: $foreground 5%;
    }
    ContactCard .contact-card--role {
        color: $text-accent;
        text-style: bold;
    }
    ContactCard .contact-card--muted {
        color: $text-muted;
    }
    """
    COMPONENT_CLASSES = {"contact-card--role", "contact-card--muted"}

    def __init__(self, contact: TeamContact, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.contact = contact

    def render(self) -> Group:
        contact = self.contact
        role = self.get_component_rich_style("contact-card--role")
        muted = self.get_component_rich_style("contact-card--muted")
        reach = [literal(contact.email, "underline")]
        if contact.phone:
            reach += [Text(" · "), literal(contact.phone)]
        lines = [
            Text.assemble(literal(contact.role, role), Text("  "), literal(contact.name, "bold")),
            Text.assemble(*reach),
            # The description may wrap; it is still inert text, never markup.
            Text(safe_text(contact.description)),
        ]
        if contact.meeting_url:
            lines.append(Text.assemble(Text("Meeting: ", muted), literal(contact.meeting_url)))
        return Group(*lines)
