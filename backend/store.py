"""The in-memory store: one partner's records per resource, with a change feed.

Every write takes the partner's next sequence number as the record's `version` and appends
(seq, id) to the resource's feed, so a pull is "entries with seq > since, in seq order" found
by bisect. A later write leaves the earlier feed entry stale (skipped when read); a delete
leaves a tombstone. Records are treated as immutable: a write stores a new dict, so a page's
items stay valid after the lock is released.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import random
import secrets
import threading
from array import array
from bisect import bisect_right
from collections.abc import Iterable, KeysView
from dataclasses import dataclass
from datetime import date
from typing import Any

from backend.bulk import paused_gc
from backend.draw import Record, Records
from backend.faults import Faults, FaultState
from backend.generator import PartnerData, generate
from sync.wire import RESOURCE_MODELS

# Dependents removed with a client: (resource, field that points at the client).
CLIENT_DEPENDENTS = (
    ("subscriptions", "client_id"),
    ("renewals", "client_id"),
    ("usage", "client_id"),
    ("alerts", "client_id"),
    ("notes", "target_id"),
)
# Applied action keys kept per partner. A console sends a key again only while the action waits
# in its outbox, so forgetting the oldest of this many cannot make a retry apply twice.
MAX_REMEMBERED_KEYS = 100_000


class TokenExpired(Exception):
    """A change token this store did not issue (another epoch, partner or resource, or junk)."""


@dataclass
class FeedPage:
    items: list[Record]
    encoded: list[bytes]  # the items as compact JSON, in the same order
    deleted: list[str]
    next_seq: int
    has_more: bool


_encode = json.JSONEncoder(separators=(",", ":")).encode


class ResourceFeed:
    """One resource of one partner: live records by id and the append-only feed."""

    def __init__(self) -> None:
        self.records: dict[str, Record] = {}
        self._seqs = array("q")  # 8 bytes an entry instead of a boxed int in a list
        self._ids: list[str] = []
        self._deleted_at: dict[str, int] = {}
        self._indexes: dict[str, dict[Any, set[str]]] = {}
        # Each live record's JSON, made on first read: a repeated full pull then costs a join.
        self._encoded: dict[str, bytes] = {}

    @property
    def last_seq(self) -> int:
        return self._seqs[-1] if self._seqs else 0

    def put(self, record: Record) -> None:
        record_id = record["id"]
        previous = self.records.get(record_id)
        self.records[record_id] = record
        self._encoded.pop(record_id, None)
        self._deleted_at.pop(record_id, None)
        self._seqs.append(record["version"])
        self._ids.append(record_id)
        for field, index in self._indexes.items():
            if previous is not None:
                index.get(previous.get(field), set()).discard(record_id)
            index.setdefault(record.get(field), set()).add(record_id)

    def delete(self, record_id: str, seq: int) -> bool:
        previous = self.records.pop(record_id, None)
        if previous is None:
            return False
        self._encoded.pop(record_id, None)
        self._deleted_at[record_id] = seq
        self._seqs.append(seq)
        self._ids.append(record_id)
        for field, index in self._indexes.items():
            index.get(previous.get(field), set()).discard(record_id)
        return True

    def load(self, records: list[Record], first_seq: int) -> int:
        """Bulk insert into an empty feed, versions from `first_seq` on; returns the last seq."""
        seq = first_seq - 1
        ids = self._ids
        live = self.records
        for record in records:
            seq += 1
            record["version"] = seq  # the store owns the loaded dicts
            record_id = record["id"]
            live[record_id] = record
            ids.append(record_id)
        self._seqs.extend(range(first_seq, seq + 1))
        return seq

    def random_id(self, rng: random.Random) -> str | None:
        """A random live id (often-changed ones a bit likelier), without listing every key."""
        if not self.records:
            return None
        for _ in range(32):
            record_id = self._ids[int(rng.random() * len(self._ids))]
            if record_id in self.records:
                return record_id
        return sorted(self.records)[int(rng.random() * len(self.records))]

    def ids_where(self, field: str, value: Any) -> list[str]:
        """Ids of records whose `field` equals `value`; the index is built on first use."""
        index = self._indexes.get(field)
        if index is None:
            index = self._indexes[field] = {}
            for record_id, record in self.records.items():
                index.setdefault(record.get(field), set()).add(record_id)
        return sorted(index.get(value, ()))

    def page(self, since: int, limit: int) -> FeedPage:
        seqs, ids = self._seqs, self._ids
        position = bisect_right(seqs, since)
        end = len(ids)
        items: list[Record] = []
        encoded: list[bytes] = []
        deleted: list[str] = []
        taken = 0
        last = since
        records_get = self.records.get
        cache = self._encoded
        while position < end and taken < limit:
            seq = seqs[position]
            record_id = ids[position]
            position += 1
            record = records_get(record_id)
            if record is not None:
                if record["version"] != seq:
                    continue  # stale: the record changed again later in the feed
                items.append(record)
                text = cache.get(record_id)
                if text is None:
                    text = cache[record_id] = _encode(record).encode()
                encoded.append(text)
            elif self._deleted_at.get(record_id) == seq:
                deleted.append(record_id)
            else:
                continue
            taken += 1
            last = seq
        while position < end and not self._is_current(ids[position], seqs[position]):
            position += 1
        has_more = position < end
        # Drained: the feed's own last seq, so an unchanged resource keeps the same token.
        next_seq = last if has_more else max(since, self.last_seq)
        return FeedPage(items, encoded, deleted, next_seq, has_more)

    def _is_current(self, record_id: str, seq: int) -> bool:
        record = self.records.get(record_id)
        if record is not None:
            return record["version"] == seq
        return self._deleted_at.get(record_id) == seq


class PartnerStore:
    """One partner's data. Methods lock; hold `lock` yourself around a compound change."""

    def __init__(self, index: int, token: str, records: Records, today: date) -> None:
        if not token:
            raise ValueError("a partner's token must not be empty")
        self.index = index
        self.token = token
        self.today = today
        self.lock = threading.RLock()
        self.head = 0
        # Insertion-ordered, so the oldest key goes first once MAX_REMEMBERED_KEYS is reached.
        self._applied: dict[str, None] = {}
        self.feeds = {resource: ResourceFeed() for resource in RESOURCE_MODELS}
        with paused_gc():
            # Parents first, so a pull in RESOURCE_MODELS order never sees an orphan.
            for resource, feed in self.feeds.items():
                self.head = feed.load(records.get(resource, []), self.head + 1)
        if len(self.feeds["partner"].records) != 1:
            raise ValueError(f"partner {index} must have exactly one partner record")

    @property
    def applied_keys(self) -> KeysView[str]:
        return self._applied.keys()

    def is_applied(self, key: str) -> bool:
        return key in self._applied

    def remember(self, key: str) -> None:
        """Keep an applied key; beyond the bound the oldest is forgotten (issue 20.4)."""
        with self.lock:
            self._applied[key] = None
            if len(self._applied) > MAX_REMEMBERED_KEYS:
                del self._applied[next(iter(self._applied))]

    def employee_emails(self) -> set[str]:
        with self.lock:
            return {employee["email"] for employee in self.feeds["employees"].records.values()}

    def new_note_id(self) -> str:
        # "a" keeps ids the server makes apart from generated ones.
        return f"n-a{self.head + 1}"

    @property
    def partner(self) -> Record:
        return next(iter(self.feeds["partner"].records.values()))

    @property
    def name(self) -> str:
        return str(self.partner["name"])

    def get(self, resource: str, record_id: str) -> Record | None:
        return self.feeds[resource].records.get(record_id)

    def put(self, resource: str, record: Record) -> Record:
        """Store a copy of `record` with the next version; return the stored copy."""
        with self.lock:
            self.head += 1
            stored = {**record, "version": self.head}
            self.feeds[resource].put(stored)
            return stored

    def update(self, resource: str, record_id: str, **changes: Any) -> Record:
        with self.lock:
            return self.put(resource, {**self.feeds[resource].records[record_id], **changes})

    def delete(self, resource: str, record_id: str) -> bool:
        with self.lock:
            if record_id not in self.feeds[resource].records:
                return False
            self.head += 1
            return self.feeds[resource].delete(record_id, self.head)

    def delete_client(self, client_id: str) -> bool:
        """Remove a client and what hangs off it; credit events stay as tier history."""
        with self.lock:
            if not self.delete("clients", client_id):
                return False
            alert_ids = self.feeds["alerts"].ids_where("client_id", client_id)
            for resource, field in CLIENT_DEPENDENTS:
                for record_id in self.feeds[resource].ids_where(field, client_id):
                    self.delete(resource, record_id)
            for alert_id in alert_ids:
                for note_id in self.feeds["notes"].ids_where("target_id", alert_id):
                    self.delete("notes", note_id)
            return True

    def records(self, resource: str) -> list[Record]:
        with self.lock:
            return list(self.feeds[resource].records.values())

    def changes(self, resource: str, since: int, limit: int) -> FeedPage:
        with self.lock:
            return self.feeds[resource].page(since, limit)


class Store:
    """All partners of one server run. `epoch` is new per instance, so old tokens expire."""

    def __init__(self, partners: list[PartnerStore], faults: Faults | None = None) -> None:
        tokens = [partner.token for partner in partners]
        if len(set(tokens)) != len(tokens):
            raise ValueError("every partner needs its own token")
        self.epoch = secrets.token_hex(6)
        self.partners = partners
        self.fault_state = FaultState(faults or Faults())

    @classmethod
    def from_partner_data(
        cls,
        portfolios: list[PartnerData],
        tokens: Iterable[str] | None = None,
        today: date | None = None,
        faults: Faults | None = None,
    ) -> Store:
        """A store over generated portfolios; random tokens unless given. Takes the dicts over."""
        token_list = list(tokens) if tokens is not None else []
        token_list += [secrets.token_urlsafe(24) for _ in portfolios[len(token_list) :]]
        day = today or date.today()
        partners = [
            PartnerStore(index, token, portfolio.records, day)
            for index, (portfolio, token) in enumerate(zip(portfolios, token_list, strict=False))
        ]
        return cls(partners, faults)

    @classmethod
    def generate(
        cls,
        clients: int,
        seed: int,
        today: date,
        tokens: Iterable[str] | None = None,
        faults: Faults | None = None,
    ) -> Store:
        return cls.from_partner_data(generate(clients, seed, today), tokens, today, faults)

    @property
    def faults(self) -> Faults:
        return self.fault_state.settings

    @faults.setter
    def faults(self, settings: Faults) -> None:
        self.fault_state = FaultState(settings)

    def credentials(self) -> list[tuple[str, str]]:
        """(partner name, bearer token) per partner, in order; partner 0 is the big one."""
        return [(partner.name, partner.token) for partner in self.partners]

    def authenticate(self, token: str) -> PartnerStore | None:
        """Compare against every token in constant time, so timing reveals nothing."""
        found = None
        offered = token.encode()
        for partner in self.partners:
            if hmac.compare_digest(offered, partner.token.encode()):
                found = partner
        return found

    def change_token(self, partner: PartnerStore, resource: str, seq: int) -> str:
        raw = f"{self.epoch}:{partner.index}:{resource}:{seq}".encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def parse_change_token(self, partner: PartnerStore, resource: str, token: str) -> int:
        """The seq inside a token this store issued for this partner and resource."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            epoch, index, token_resource, seq_text = raw.split(":")
            seq = int(seq_text)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise TokenExpired("the change token is not one this server issued") from None
        if epoch != self.epoch:
            raise TokenExpired("the change token is from an earlier run of this server")
        if (
            index != str(partner.index)
            or token_resource != resource
            or not 0 <= seq <= partner.head
        ):
            raise TokenExpired("the change token does not belong to this feed")
        return seq
