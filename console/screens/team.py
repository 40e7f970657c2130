"""HubSpot Team: one card per vendor contact who supports the partner (PRODUCT.md §2).

Email and copy work offline: the address is in the cache, `mailto:` is opened by the mail
client (or shown and copied when nothing can open it), and the clipboard needs no network.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar
from urllib.parse import quote, urlparse

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.text import safe_text
from console.widgets.contact_card import ContactCard
from local_store.queries import partner_header
from local_store.team import TeamContact, team_contacts

_CARD_ACTIONS = frozenset({"send_email", "copy_email", "open_meeting"})
NO_CONTACTS = (
    "No HubSpot contacts in the cache yet. Press r to sync: your Partner Development Manager "
    "and the rest of your HubSpot team show here once the backend sends them."
)


def email_subject(partner_name: str | None) -> str:
    """The subject a new email to a HubSpot contact starts with: it names the partner."""
    return f"{partner_name or 'Your partner'} — HubSpot Solutions Partner"


def mailto_link(email: str, subject: str) -> str | None:
    """A `mailto:` link with the subject filled in, or None for an unusable address.

    Both parts are percent-encoded, so an address from the server cannot add headers or
    recipients of its own (`?bcc=…`).
    """
    address = email.strip()
    local, at, domain = address.partition("@")
    if not (local and at and domain) or safe_text(address) != address or " " in address:
        return None
    return f"mailto:{quote(address, safe='@')}?subject={quote(subject, safe='')}"


class TeamScreen(PartnerOpsScreen):
    DEFAULT_CSS = """
    #team-cards {
        height: 1fr;
        padding: 1 0 0 0;
    }

    #team-empty {
        display: none;
        margin: 1 2;
        max-width: 90;
        color: $foreground;
    }
    """
    SCREEN_TITLE = "HubSpot Team"
    HELP_NOTES = (
        "Up and down (or tab) move between contacts. Sending an email opens your mail client; "
        "when nothing can open it, the link is shown and copied instead."
    )

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "e,enter",
            "send_email",
            "Send email",
            id="team.email",
            tooltip="Write to the selected contact in your mail client, subject filled in.",
        ),
        Binding(
            "y",
            "copy_email",
            "Copy address",
            id="team.copy",
            tooltip="Copy the selected contact's email address to the clipboard.",
        ),
        Binding(
            "o",
            "open_meeting",
            "Book meeting",
            id="team.meeting",
            tooltip="Open the selected contact's meeting link in your browser.",
        ),
        Binding(
            "down,right",
            "app.focus_next",
            "Next contact",
            show=False,
            id="team.next",
            tooltip="Move to the next contact.",
        ),
        Binding(
            "up,left",
            "app.focus_previous",
            "Previous contact",
            show=False,
            id="team.previous",
            tooltip="Move to the previous contact.",
        ),
    ]

    class Loaded(Message):
        """The contacts and the partner's name, read by a worker."""

        def __init__(self, contacts: Sequence[TeamContact], partner_name: str | None) -> None:
            super().__init__()
            self.contacts = contacts
            self.partner_name = partner_name

    def __init__(self) -> None:
        super().__init__()
        self.contacts: list[TeamContact] = []
        self.partner_name: str | None = None

    def compose_body(self) -> ComposeResult:
        cache = self.console_app.cache
        if not cache.available:
            yield Static(cache.problem or "", id="empty-state", markup=False)
            return
        yield VerticalScroll(id="team-cards", can_focus=False)
        yield Static(NO_CONTACTS, id="team-empty", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.reload()

    def reload(self) -> None:
        if not self.query("#team-cards"):
            if self.console_app.cache.available:
                self.call_later(self._rebuild)
            return
        self._load()

    async def _rebuild(self) -> None:
        """The cache appeared since this screen was built."""
        await self.recompose()
        self._load()

    @work(thread=True, exclusive=True, group="team-query", exit_on_error=False)
    def _load(self) -> None:
        with self.console_app.cache.borrow() as conn:
            contacts = team_contacts(conn)
            partner = partner_header(conn)
        self.post_message(self.Loaded(contacts, partner.name if partner else None))

    @on(Loaded)
    async def _show_loaded(self, message: Loaded) -> None:
        focused = self.selected
        self.contacts = list(message.contacts)
        self.partner_name = message.partner_name
        cards = self.query_one("#team-cards", VerticalScroll)
        await cards.remove_children()
        await cards.mount_all(ContactCard(contact) for contact in self.contacts)
        self.query_one("#team-empty", Static).display = not self.contacts
        cards.display = bool(self.contacts)
        if self.contacts:
            keep = next(
                (c for c in self.query(ContactCard) if focused and c.contact.id == focused.id),
                self.query(ContactCard).first(),
            )
            keep.focus()

    @property
    def selected(self) -> TeamContact | None:
        focused = self.focused
        return focused.contact if isinstance(focused, ContactCard) else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action not in _CARD_ACTIONS:
            return True
        contact = self.selected
        if action == "open_meeting":
            # Shown only for a contact with a meeting link.
            return bool(contact and contact.meeting_url) or None
        return contact is not None or None

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    # Actions.

    def action_send_email(self) -> None:
        contact = self.selected
        if contact is None:
            return
        link = mailto_link(contact.email, email_subject(self.partner_name))
        if link is None:
            self.notify(
                f"{safe_text(contact.name)} has no usable email address.",
                severity="warning",
                markup=False,
            )
            return
        self.console_app.open_link(link, "mail client")

    def action_copy_email(self) -> None:
        contact = self.selected
        if contact is None:
            return
        self.console_app.copy_text(contact.email, "address")

    def action_open_meeting(self) -> None:
        contact = self.selected
        if contact is None or not contact.meeting_url:
            return
        if urlparse(contact.meeting_url).scheme not in ("http", "https"):
            self.notify(
                "This contact's meeting link is not a web address.",
                severity="warning",
                markup=False,
            )
            return
        self.console_app.open_link(contact.meeting_url, "meeting link")

    # The command palette. Names only of our own: the palette parses a command's name as
    # markup, so contacts' names from the server never go in one.

    def palette_commands(self) -> Iterable[PaletteCommand]:
        contact = self.selected
        if contact is None:
            return
        yield PaletteCommand(
            "Send email to HubSpot contact",
            "Write to the selected contact in your mail client.",
            self.action_send_email,
        )
        yield PaletteCommand(
            "Copy HubSpot contact's address",
            "Copy the selected contact's email address.",
            self.action_copy_email,
        )
        if contact.meeting_url:
            yield PaletteCommand(
                "Book a meeting with HubSpot contact",
                "Open the selected contact's meeting link.",
                self.action_open_meeting,
            )
