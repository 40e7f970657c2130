"""The partner's HubSpot team contacts, for the Team screen and `partnerops export team`.

Plain `sqlite3` and NamedTuples, like `local_store.queries`. Roles are data: whatever roles
the server sends are listed, in the server's order.
"""

import sqlite3
from typing import NamedTuple


class TeamContact(NamedTuple):
    """One HubSpot contact. Field names are stable: the export writes them as they are.

    `phone` and `meeting_url` are None when the server does not know them.
    """

    id: str
    role: str
    name: str
    email: str
    description: str
    phone: str | None
    meeting_url: str | None


def team_contacts(conn: sqlite3.Connection) -> list[TeamContact]:
    """Every contact, in the order the server first sent them (a pull's upsert keeps rowids)."""
    rows = conn.execute(
        "SELECT id, role, name, email, description, phone, meeting_url FROM team_contact "
        "ORDER BY rowid"
    )
    return [TeamContact(*values) for values in rows]
