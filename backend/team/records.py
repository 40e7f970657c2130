"""One partner's records in the database: the change feed, and the writes actions make.

`PartnerRecords` implements `backend.actions.ActionStore`, so the team server applies actions
with the very code the reference backend uses. It works inside the caller's transaction, which
must have locked the partner first (`lock_partner`): writes to a partner are then serialised
and their change numbers commit in order. Call `finish` before the transaction commits.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.engine import Connection

from backend.draw import Record
from backend.team.tables import TeamAppliedKey, TeamPartner, TeamRecord, table

RECORDS = table(TeamRecord.__tablename__)
PARTNERS = table(TeamPartner.__tablename__)
APPLIED_KEYS = table(TeamAppliedKey.__tablename__)

# The field naming what a record hangs off; end_services deletes what hangs off the client.
# Credit events name a client too but stay as tier history, so they have no parent here.
PARENT_FIELDS = {
    "subscriptions": "client_id",
    "renewals": "client_id",
    "usage": "client_id",
    "alerts": "client_id",
    "notes": "target_id",
}
KEY_RETENTION_DAYS = 90
encode = json.JSONEncoder(separators=(",", ":")).encode


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parent_of(resource: str, record: Record) -> str | None:
    field = PARENT_FIELDS.get(resource)
    value = record.get(field) if field else None
    return value if isinstance(value, str) else None


def lock_partner(connection: Connection, partner_id: int) -> int:
    """Take the partner's write lock for this transaction; returns its head."""
    query = select(PARTNERS.c.head).where(PARTNERS.c.id == partner_id).with_for_update()
    return int(connection.execute(query).scalar_one())


@dataclass
class FeedPage:
    bodies: list[str]
    deleted: list[str]
    next_seq: int
    has_more: bool


def feed_page(
    connection: Connection, partner_id: int, resource: str, since: int, limit: int
) -> FeedPage:
    query = (
        select(RECORDS.c.seq, RECORDS.c.id, RECORDS.c.body)
        .where(
            RECORDS.c.partner_id == partner_id,
            RECORDS.c.resource == resource,
            RECORDS.c.seq > since,
        )
        .order_by(RECORDS.c.seq)
        .limit(limit + 1)
    )
    rows = connection.execute(query).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    bodies = [row.body for row in rows if row.body is not None]
    deleted = [row.id for row in rows if row.body is None]
    # Drained: the resource's own last number, so an unchanged resource keeps its token.
    next_seq = rows[-1].seq if rows else since
    return FeedPage(bodies, deleted, next_seq, has_more)


class PartnerRecords:
    """One partner's records inside one locked transaction (see the module's doc)."""

    def __init__(self, connection: Connection, partner_id: int, today: date, head: int) -> None:
        self.connection = connection
        self.partner_id = partner_id
        self._today = today
        self.head = head
        self._stored_head = head
        # Applied keys, written in one statement by `finish` (a batch holds many).
        self._new_keys: dict[str, None] = {}

    @property
    def today(self) -> date:
        return self._today

    def _key(self, resource: str, record_id: str) -> Any:
        return and_(
            RECORDS.c.partner_id == self.partner_id,
            RECORDS.c.resource == resource,
            RECORDS.c.id == record_id,
        )

    def _next_seq(self) -> int:
        # The partner's row is locked for the whole transaction, so its head is written once,
        # by `finish`.
        self.head += 1
        return self.head

    def finish(self) -> None:
        """Write what was held back: the partner's head and the applied keys."""
        if self.head != self._stored_head:
            self.connection.execute(
                update(PARTNERS).where(PARTNERS.c.id == self.partner_id).values(head=self.head)
            )
            self._stored_head = self.head
        if self._new_keys:
            applied_at = now_text()
            self.connection.execute(
                insert(APPLIED_KEYS),
                [
                    {"partner_id": self.partner_id, "key": key, "applied_at": applied_at}
                    for key in self._new_keys
                ],
            )
            self._new_keys = {}

    def get(self, resource: str, record_id: str) -> Record | None:
        body = self.connection.execute(
            select(RECORDS.c.body).where(self._key(resource, record_id))
        ).scalar_one_or_none()
        return None if body is None else dict(json.loads(body))

    def exists_or_deleted(self, resource: str, record_id: str) -> bool:
        found = self.connection.execute(
            select(RECORDS.c.seq).where(self._key(resource, record_id))
        ).first()
        return found is not None

    def put(self, resource: str, record: Record) -> Record:
        seq = self._next_seq()
        stored = {**record, "version": seq}
        values = {"seq": seq, "body": encode(stored), "parent_id": parent_of(resource, stored)}
        changed = self.connection.execute(
            update(RECORDS).where(self._key(resource, stored["id"])).values(**values)
        )
        if changed.rowcount == 0:
            self.connection.execute(
                insert(RECORDS).values(
                    partner_id=self.partner_id, resource=resource, id=stored["id"], **values
                )
            )
        return stored

    def update(self, resource: str, record_id: str, **changes: Any) -> Record:
        current = self.get(resource, record_id)
        if current is None:
            raise KeyError(f"{resource} {record_id}")
        return self.put(resource, {**current, **changes})

    def delete(self, resource: str, record_id: str) -> bool:
        if self.get(resource, record_id) is None:
            return False
        self.connection.execute(
            update(RECORDS)
            .where(self._key(resource, record_id))
            .values(seq=self._next_seq(), body=None)
        )
        return True

    def _children(self, parent_id: str) -> list[tuple[str, str]]:
        query = select(RECORDS.c.resource, RECORDS.c.id).where(
            RECORDS.c.partner_id == self.partner_id,
            RECORDS.c.parent_id == parent_id,
            RECORDS.c.body.is_not(None),
        )
        return [(row.resource, row.id) for row in self.connection.execute(query)]

    def delete_client(self, client_id: str) -> bool:
        """Remove a client and what hangs off it (notes on its alerts too); credits stay."""
        if not self.delete("clients", client_id):
            return False
        for resource, record_id in self._children(client_id):
            self.delete(resource, record_id)
            if resource == "alerts":
                for note_resource, note_id in self._children(record_id):
                    self.delete(note_resource, note_id)
        return True

    def records(self, resource: str) -> list[Record]:
        query = select(RECORDS.c.body).where(
            RECORDS.c.partner_id == self.partner_id,
            RECORDS.c.resource == resource,
            RECORDS.c.body.is_not(None),
        )
        return [json.loads(body) for body in self.connection.execute(query).scalars()]

    def employee_emails(self) -> set[str]:
        return {employee["email"] for employee in self.records("employees")}

    def new_note_id(self) -> str:
        # "t" keeps ids the team server makes apart from upstream and console ones.
        return f"n-t{secrets.token_hex(6)}"

    def is_applied(self, key: str) -> bool:
        if key in self._new_keys:
            return True
        query = select(func.count()).where(
            APPLIED_KEYS.c.partner_id == self.partner_id, APPLIED_KEYS.c.key == key
        )
        return bool(self.connection.execute(query).scalar_one())

    def remember(self, key: str) -> None:
        self._new_keys[key] = None


def forget_old_keys(connection: Connection, days: int = KEY_RETENTION_DAYS) -> int:
    """Drop applied keys older than `days` (a console resends a key only while it waits)."""
    cutoff = (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = connection.execute(delete(APPLIED_KEYS).where(APPLIED_KEYS.c.applied_at < cutoff))
    return int(result.rowcount or 0)
