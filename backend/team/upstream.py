"""Filling and refreshing the team's records from upstream: the demo generator, a data file or
HubSpot (`backend.team.hubspot`).

The first load of a partner is a bulk insert. A later refresh merges the resources the upstream
provides (HubSpot: clients and subscriptions only): new records are added, changed ones
rewritten, ones gone upstream deleted. What the team decided stays the team's: a
field a person changed (the record carries `changed_by`) keeps the team's value, notes are never
touched by a refresh, and a record the team deleted (end services) is not brought back. A
record upstream deleted and later lists again (HubSpot restores archived records) comes back.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from backend.draw import Record, Records
from backend.team.audit import AUDIT
from backend.team.database import writer
from backend.team.records import (
    PARTNERS,
    RECORDS,
    PartnerRecords,
    encode,
    lock_partner,
    parent_of,
)
from sync.wire import RESOURCE_MODELS, ActionKind, ActionOutcome


@dataclass(frozen=True)
class Pulled:
    """One partner's records as upstream has them."""

    upstream_id: str
    """The partner's id upstream: the same id is the same partner at every pull."""
    name: str
    records: Records
    resources: tuple[str, ...] = tuple(RESOURCE_MODELS)
    """The resources this upstream provides; a refresh leaves every other one as it is."""
    rejected: tuple[str, ...] = ()
    """Records upstream sent that are not valid wire records, one line each: not stored."""


Upstream = Callable[[], Sequence[Pulled | Records]]
"""Each partner's records: `Pulled`, or a whole portfolio in the API's shape (its partner
record names the partner)."""

TEAM_FIELDS = {
    "clients": ("owner_email", "changed_by"),
    "renewals": ("communication_owner", "changed_by"),
    "alerts": ("status", "assignee", "snoozed_until", "changed_by"),
}
_BULK_CHUNK = 5_000
log = logging.getLogger(__name__)


@dataclass
class RefreshReport:
    partner: str
    written: int = 0
    deleted: int = 0
    rejected: int = 0

    def line(self) -> str:
        line = f"partner {self.partner}: {self.written:,} written, {self.deleted:,} deleted"
        return line + (f", {self.rejected:,} rejected (invalid)" if self.rejected else "")


def generator_upstream(clients: int, seed: int) -> Upstream:
    def pull() -> list[Records]:
        from backend.generator import generate

        return [portfolio.records for portfolio in generate(clients, seed, _today())]

    return pull


def data_file_upstream(path: Path) -> Upstream:
    """Each partner of the file; its `token` is ignored (people get their own tokens)."""

    def pull() -> list[Records]:
        from backend.datafile import read_data_file

        return [records for _, records in read_data_file(path)]

    return pull


def _pulled(item: Pulled | Records) -> Pulled:
    if isinstance(item, Pulled):
        return item
    partner = item["partner"][0]
    return Pulled(str(partner["id"]), str(partner["name"]), item)


def _today() -> date:
    return datetime.now(UTC).date()


def refresh(engine: Engine, upstream: Upstream) -> list[RefreshReport]:
    """Pull upstream once and bring every partner's records up to date, partner by partner."""
    return [_refresh_partner(engine, _pulled(item)) for item in upstream()]


def _refresh_partner(engine: Engine, pulled: Pulled) -> RefreshReport:
    report = RefreshReport(pulled.name, rejected=len(pulled.rejected))
    with writer(engine).begin() as connection:
        partner_id = _partner_id(connection, pulled.upstream_id, pulled.name)
        head = lock_partner(connection, partner_id)
        if head == 0:
            report.written = _bulk_load(connection, partner_id, pulled.records)
            return report
        store = PartnerRecords(connection, partner_id, _today(), head)
        ended = _ended_by_team(connection, partner_id)
        for resource in RESOURCE_MODELS:
            if resource in pulled.resources:
                incoming = pulled.records.get(resource, [])
                _merge_resource(store, resource, incoming, ended, report)
        store.finish()
    return report


def _partner_id(connection: Connection, upstream_id: str, name: str) -> int:
    found = connection.execute(
        select(PARTNERS.c.id).where(PARTNERS.c.upstream_id == upstream_id)
    ).scalar_one_or_none()
    if found is not None:
        connection.execute(update(PARTNERS).where(PARTNERS.c.id == found).values(name=name))
        return int(found)
    created = connection.execute(
        insert(PARTNERS).values(upstream_id=upstream_id, name=name, head=0).returning(PARTNERS.c.id)
    )
    return int(created.scalar_one())


def _rows(
    partner_id: int, records: Records
) -> Iterator[tuple[int, str, str, int, str | None, str]]:
    seq = 0
    for resource in RESOURCE_MODELS:  # parents first, as the feed is read
        for record in records.get(resource, []):
            seq += 1
            stored = {**record, "version": seq}
            yield (
                partner_id,
                resource,
                str(stored["id"]),
                seq,
                parent_of(resource, stored),
                encode(stored),
            )


def _bulk_load(connection: Connection, partner_id: int, records: Records) -> int:
    columns = ("partner_id", "resource", "id", "seq", "parent_id", "body")
    count = 0
    if connection.dialect.name == "postgresql":
        # COPY is several times faster than batched INSERTs for millions of rows.
        raw = connection.connection.driver_connection
        assert raw is not None
        with raw.cursor() as cursor:
            statement = f"COPY team_record ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(statement) as copy:
                for row in _rows(partner_id, records):
                    copy.write_row(row)
                    count += 1
    else:
        chunk: list[dict[str, object]] = []
        for row in _rows(partner_id, records):
            chunk.append(dict(zip(columns, row, strict=True)))
            if len(chunk) == _BULK_CHUNK:
                connection.execute(insert(RECORDS), chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            connection.execute(insert(RECORDS), chunk)
            count += len(chunk)
    connection.execute(update(PARTNERS).where(PARTNERS.c.id == partner_id).values(head=count))
    if connection.dialect.name == "postgresql":
        # Fresh statistics, or the planner guesses the feed's index scan from an empty table.
        connection.exec_driver_sql("ANALYZE team_record")
    return count


def _stored(store: PartnerRecords, resource: str) -> dict[str, str | None]:
    query = select(RECORDS.c.id, RECORDS.c.body).where(
        RECORDS.c.partner_id == store.partner_id, RECORDS.c.resource == resource
    )
    return {row.id: row.body for row in store.connection.execute(query)}


def _ended_by_team(connection: Connection, partner_id: int) -> set[str]:
    """The clients the team ended (end services, from the audit, written in the action's own
    transaction): they and what hung off them stay deleted whatever upstream says."""
    query = select(AUDIT.c.target_id).where(
        AUDIT.c.partner_id == partner_id,
        AUDIT.c.kind == ActionKind.END_SERVICES.value,
        AUDIT.c.outcome == ActionOutcome.APPLIED.value,
    )
    return set(connection.execute(query).scalars())


def _merge_resource(
    store: PartnerRecords,
    resource: str,
    incoming: list[Record],
    ended: set[str],
    report: RefreshReport,
) -> None:
    stored = _stored(store, resource)
    seen: set[str] = set()
    for record in incoming:
        record_id = str(record["id"])
        seen.add(record_id)
        if record_id not in stored:
            store.put(resource, record)
            report.written += 1
            continue
        body = stored[record_id]
        if resource == "notes":
            continue  # the team's now
        if body is None:
            if record_id in ended or parent_of(resource, record) in ended:
                continue  # the team ended this client: it stays ended
            # Deleted because upstream stopped listing it; listed again (HubSpot restores an
            # archived record), it comes back.
            store.put(resource, record)
            report.written += 1
            continue
        current = json.loads(body)
        merged = {**record, "version": current["version"]}
        if "changed_by" in current:
            merged.update({f: current[f] for f in TEAM_FIELDS.get(resource, ()) if f in current})
        if merged != current:
            store.put(resource, merged)
            report.written += 1
    if resource == "notes":
        return
    for record_id, body in stored.items():
        if body is not None and record_id not in seen:
            gone = (
                store.delete_client(record_id)
                if resource == "clients"
                else store.delete(resource, record_id)
            )
            report.deleted += int(gone)


class Refresher:
    """Runs refreshes one at a time: on demand (`trigger`) and every `interval_s` if given."""

    def __init__(self, engine: Engine, upstream: Upstream, interval_s: float = 0) -> None:
        self.engine = engine
        self.upstream = upstream
        self.interval_s = interval_s
        self.last_error: str | None = None
        self.last_reports: list[RefreshReport] = []
        self._running = threading.Lock()
        self._stop = threading.Event()
        self._schedule: threading.Thread | None = None

    def run_now(self) -> bool:
        """Refresh in this thread; False when another refresh is running already."""
        if not self._running.acquire(blocking=False):
            return False
        try:
            self.last_reports = refresh(self.engine, self.upstream)
            self.last_error = None
        except Exception as exc:  # noqa: BLE001 - a failed pull must not stop the server
            self.last_error = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("upstream refresh failed: %s", self.last_error)
        finally:
            self._running.release()
        return True

    def trigger(self) -> bool:
        """Start a refresh in the background; False when one is running already."""
        if self._running.locked():
            return False
        threading.Thread(target=self.run_now, name="partnerops-refresh", daemon=True).start()
        return True

    def start_schedule(self) -> None:
        if self.interval_s > 0:
            self._schedule = threading.Thread(
                target=self._every_interval, name="partnerops-schedule", daemon=True
            )
            self._schedule.start()

    def _every_interval(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.run_now()

    def stop(self) -> None:
        self._stop.set()
