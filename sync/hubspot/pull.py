"""Pulling partner clients and partner services from HubSpot into the cache, page by page.

Each object's sync is a pass, chosen per sync:
- a full pass (small portfolios, the first sync, a changed mapping): list everything with the
  `after` cursor as a full resync, so what HubSpot no longer has is swept at the end;
- an incremental pass (large portfolios), in phases:
  1. search `hs_lastmodifieddate` over [watermark, now), ordered and resumed by `hs_object_id`
     (the tie-breaker when many records share a timestamp); a window whose result count
     exceeds search's cap is halved first;
  2. the look-back [watermark − look-back, watermark), for changes search indexed late: one
     count first, and only when HubSpot counts more (or fewer) records there than the cache
     holds is the window read, skipping every record whose id and `hs_lastmodifieddate` the
     cache already has;
  3. a list pass over `archived=true` removes what was archived;
  4. on schedule, an id-only list of every record removes ids that vanished without being
     archived (merged away, deleted) and fetches any the searches missed.

Wherever a record carries `hs_merged_object_ids`, the ids merged into it leave the cache.
Associations are re-read for every changed record on either side, and swept in full on
schedule (`sync.hubspot.associations`).

Every page is committed with the state to resume from (the change token, kept under the
console resource so the cache's bookkeeping is the same as for the backend; its
`hubspot:<object>:` prefix tells a HubSpot token from a backend one), so a killed sync, or one
stopped by the daily limit, continues where it stopped, and then catches up to now in the same
sync, so nothing changed meanwhile waits for the sync after.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from local_store import raw_properties, writes
from sync.client import BadResponse
from sync.hubspot.api import HubSpotClient
from sync.hubspot.associations import link_services, sweep_associations
from sync.hubspot.fetch import list_pages, wire_records
from sync.hubspot.mapping import (
    CLIENTS,
    LAST_MODIFIED,
    MERGED_IDS,
    OBJECT_ID,
    SERVICES,
    ObjectMapping,
    epoch_ms,
)
from sync.hubspot.preflight import Plan, prepare
from sync.hubspot.settings import HubSpotSettings
from sync.pull import Progress, PullReport, validate_page

OBJECTS = ((CLIENTS, "clients", "client"), (SERVICES, "subscriptions", "subscription"))
"""HubSpot object → console resource → cache table, parents first."""
ID_SWEEP_PROPERTIES = [OBJECT_ID, LAST_MODIFIED, MERGED_IDS]


@dataclass(frozen=True)
class PassState:
    """Where an object's sync stands; stored as the resource's change token after each page."""

    mode: str  # idle | full | search | lookback | archived | ids
    mapping_key: str
    watermark: int | None = None
    """Epoch ms: every change before it had been pulled when the last pass finished."""
    hi: int | None = None
    """End of the running pass (its start time); becomes the watermark when it finishes."""
    after: str | None = None  # list cursor (full, archived and id passes)
    lo: int | None = None  # search: start of the current window
    window_hi: int | None = None  # search: end of the current window
    last_id: int = 0  # search: highest hs_object_id taken in the current window
    id_sweep_at: int | None = None
    """Epoch ms when the last id sweep (or full pass) started: the next sweep is due from it."""
    association_sweep_at: int | None = None  # the same for the association sweep (services)

    def finished(self) -> PassState:
        return replace(
            self, mode="idle", watermark=self.hi, after=None, lo=None, window_hi=None, last_id=0
        )


def encode(object_type: str, state: PassState) -> str:
    return f"hubspot:{object_type}:" + json.dumps(asdict(state), separators=(",", ":"))


def decode(object_type: str, token: str | None) -> PassState | None:
    """None for no token, a backend token, or one this version cannot read: a full pass."""
    prefix = f"hubspot:{object_type}:"
    if not token or not token.startswith(prefix):
        return None
    try:
        return PassState(**json.loads(token[len(prefix) :]))
    except (json.JSONDecodeError, TypeError):
        return None


def _mapping_key(mapping: ObjectMapping) -> str:
    return json.dumps(sorted(mapping.fields.items()), separators=(",", ":"))


def _merged_ids(record: dict[str, Any]) -> list[str]:
    text = (record.get("properties") or {}).get(MERGED_IDS) or ""
    own = str(record.get("id"))
    return [i.strip() for i in str(text).split(";") if i.strip() and i.strip() != own]


class _ObjectPull:
    """One object's pull: its mapping, settings and report, with each kind of pass."""

    def __init__(
        self,
        api: HubSpotClient,
        conn: sqlite3.Connection,
        settings: HubSpotSettings,
        mapping: ObjectMapping,
        resource: str,
        table: str,
        report: PullReport,
        progress: Progress | None,
    ) -> None:
        self.api, self.conn, self.settings, self.mapping = api, conn, settings, mapping
        self.object_type = mapping.object_type
        self.resource, self.table = resource, table
        self.report, self.progress = report, progress
        self.changed_ids: set[str] = set()
        """Records written by this sync: their associations are re-read."""
        self.state = PassState("idle", _mapping_key(mapping))

    def run(self, now_ms: int) -> None:
        stored = decode(self.object_type, writes.change_token(self.conn, self.resource))
        key = _mapping_key(self.mapping)
        if stored is not None and stored.mode != "idle" and stored.mapping_key == key:
            # A pass a killed or stopped sync left half-way: carry on from its cursor. A
            # search reaches on to now; any other pass is followed by a catch-up pass below,
            # so what changed while the sync was stopped is not left for the sync after.
            state = stored
            if state.mode == "search" and state.hi is not None and state.hi < now_ms:
                state = replace(state, hi=now_ms)
        else:
            state = self._next_pass(stored, now_ms)
        state = self._run_pass(state, now_ms)
        resumed = stored is not None and stored.mode != "idle" and stored.mapping_key == key
        if resumed and state.watermark is not None and state.watermark < now_ms:
            state = self._run_pass(self._incremental(state, now_ms), now_ms)
        swept = writes.finish_resource(self.conn, self.resource)
        self.report.deleted[self.resource] = self.report.deleted.get(self.resource, 0) + swept
        self.state = state

    def _run_pass(self, state: PassState, now_ms: int) -> PassState:
        if state.mode == "full":
            state = self._full_pass(state)
        if state.mode == "search":
            state = self._search_pass(state)
        if state.mode == "lookback":
            state = self._lookback_pass(state)
        if state.mode == "archived":
            state = self._archived_pass(state, now_ms)
        if state.mode == "ids":
            state = self._id_sweep(state)
        return state

    def _next_pass(self, state: PassState | None, now_ms: int) -> PassState:
        key = _mapping_key(self.mapping)
        if (
            state is not None
            and state.mode == "idle"
            and writes.is_resyncing(self.conn, self.resource)
        ):
            # A full pass committed its last page but was killed before its sweep.
            writes.finish_resource(self.conn, self.resource)
        cached = self.conn.execute(f"SELECT count(*) FROM {self.table}").fetchone()[0]
        if (
            state is None
            or state.watermark is None
            or state.mapping_key != key
            or cached <= self.settings.full_pass_max
        ):
            writes.start_full_resync(self.conn, self.resource)
            # A full pass removes vanished ids itself: it counts as an id sweep.
            return PassState(
                "full",
                key,
                hi=now_ms,
                id_sweep_at=now_ms,
                association_sweep_at=None if state is None else state.association_sweep_at,
            )
        return self._incremental(state, now_ms)

    def _incremental(self, state: PassState, now_ms: int) -> PassState:
        assert state.watermark is not None
        return replace(
            state,
            mode="search",
            hi=now_ms,
            lo=state.watermark,
            window_hi=now_ms,
            last_id=0,
            after=None,
        )

    def _full_pass(self, state: PassState) -> PassState:
        requested = list(self.mapping.requested)
        pages = list_pages(
            self.api, self.object_type, requested, self.settings.page_size, state.after
        )
        for page in pages:
            state = replace(state, after=page.after) if page.after else state.finished()
            # Unchanged rows are written too: the sweep at the end keeps only rows seen.
            self._commit(page.results, state, keep_unchanged=True)
        return state

    def _search_pass(self, state: PassState) -> PassState:
        """Phase 1: [watermark, hi), then on to the look-back."""
        state = self._search_windows(state)
        assert state.watermark is not None
        lookback = max(state.watermark - self.settings.lookback_seconds * 1000, 0)
        return replace(state, mode="lookback", lo=lookback, window_hi=state.watermark, last_id=0)

    def _lookback_pass(self, state: PassState) -> PassState:
        """Phase 2: [watermark − look-back, watermark), read only when the counts differ."""
        assert state.watermark is not None and state.lo is not None
        end = state.watermark
        start = max(end - self.settings.lookback_seconds * 1000, 0)
        if state.lo == start < end and state.last_id == 0 and state.window_hi == end:
            counted = self.api.search(
                self.object_type, self._search_request(state, 1, [OBJECT_ID])
            ).total
            if counted == self._held_between(start, end):
                state = replace(state, lo=end)  # nothing indexed late: skip the window
        state = self._search_windows(replace(state, hi=end), keep_hi=state.hi)
        return replace(state, mode="archived", after=None)

    def _search_windows(self, state: PassState, keep_hi: int | None = None) -> PassState:
        """Search [lo, hi) window by window; returns the state with lo = hi. `keep_hi` is the
        pass's own end when this runs over a sub-range (the look-back)."""
        assert state.hi is not None
        limit = self.settings.search_page_size
        end = state.hi
        pass_hi = keep_hi if keep_hi is not None else end
        while True:
            lo, window_hi = state.lo, state.window_hi
            if lo is None or window_hi is None or lo >= end:
                break
            page = self.api.search(
                self.object_type, self._search_request(state, limit, list(self.mapping.requested))
            )
            if page.total > self.settings.search_cap and window_hi - lo > 1:
                # Too many for one search: halve the window. Records already taken from the
                # wider window may come again in the next one; they are skipped as held.
                state = replace(state, window_hi=lo + (window_hi - lo) // 2)
                continue
            if page.total > len(page.results):
                state = replace(state, last_id=_highest_id(page.results, self.object_type))
            else:
                # Next window: twice as wide as this one, so a split costs few extra searches.
                width = 2 * (window_hi - lo)
                state = replace(
                    state, lo=window_hi, window_hi=min(window_hi + width, end), last_id=0
                )
            self._commit(page.results, replace(state, hi=pass_hi), keep_unchanged=False)
        return replace(state, hi=pass_hi)

    def _search_request(
        self, state: PassState, limit: int, properties: list[str]
    ) -> dict[str, Any]:
        filters = [
            {"propertyName": LAST_MODIFIED, "operator": "GTE", "value": str(state.lo)},
            {"propertyName": LAST_MODIFIED, "operator": "LT", "value": str(state.window_hi)},
            {"propertyName": OBJECT_ID, "operator": "GT", "value": str(state.last_id)},
        ]
        return {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": OBJECT_ID, "direction": "ASCENDING"}],
            "properties": properties,
            "limit": limit,
        }

    def _held_between(self, lo: int, hi: int) -> int:
        """How many records the cache holds with `hs_lastmodifieddate` in [lo, hi)."""
        stamps = self._held_stamps().values()
        return sum(1 for text in stamps if lo <= (epoch_ms(text) or -1) < hi)

    def _held_stamps(self) -> dict[str, str | None]:
        """Every record of this object the cache holds (quarantined ones too): its timestamp."""
        return dict(
            self.conn.execute(
                "SELECT id, json_extract(properties, '$.hs_lastmodifieddate') "
                "FROM raw_properties WHERE object_type = ?",
                (self.object_type,),
            ).fetchall()
        )

    def _archived_pass(self, state: PassState, now_ms: int) -> PassState:
        while True:
            page = self.api.list_page(
                self.object_type,
                after=state.after,
                limit=self.settings.page_size,
                properties=[OBJECT_ID],
                archived=True,
            )
            if page.after:
                state = replace(state, after=page.after)
            elif self._id_sweep_due(state, now_ms):
                state = replace(state, mode="ids", after=None, id_sweep_at=now_ms)
            else:
                state = state.finished()
            self._remove([str(record.get("id")) for record in page.results], state)
            if state.mode != "archived":
                return state

    def _id_sweep_due(self, state: PassState, now_ms: int) -> bool:
        every_ms = self.settings.id_sweep_minutes * 60_000
        return state.id_sweep_at is None or now_ms - state.id_sweep_at >= every_ms

    def _id_sweep(self, state: PassState) -> PassState:
        """List every id (no other properties than the timestamps): remove cached ids HubSpot
        no longer lists, fetch listed ones the cache lacks or holds older. It always starts from
        the first page: what it removes is decided by everything it listed."""
        state = replace(state, after=None)
        listed: set[str] = set()
        while True:
            page = self.api.list_page(
                self.object_type,
                after=state.after,
                limit=self.settings.page_size,
                properties=ID_SWEEP_PROPERTIES,
            )
            ids = [str(record.get("id")) for record in page.results]
            listed.update(ids)
            stamps = raw_properties.stored_properties(self.conn, self.object_type, ids)
            missed = [
                record_id
                for record_id, record in zip(ids, page.results, strict=True)
                if (stamps.get(record_id) or {}).get(LAST_MODIFIED)
                != (record.get("properties") or {}).get(LAST_MODIFIED)
            ]
            if missed:
                fetched = self.api.batch_read(
                    self.object_type, missed, list(self.mapping.requested)
                )
                self._commit(fetched, state, keep_unchanged=False)
            if not page.after:
                break
            state = replace(state, after=page.after)
        held = set(self._held_stamps())
        held.update(self._table_ids())
        state = state.finished()
        self._remove(sorted(held - listed), state)
        return state

    def _table_ids(self) -> list[str]:
        return [row[0] for row in self.conn.execute(f"SELECT id FROM {self.table}")]

    def _remove(self, ids: list[str], state: PassState) -> None:
        """Take these ids out of the cache (rows and raw properties), with the new state."""
        present = raw_properties.cached_ids(self.conn, self.table, ids)
        writes.commit_page(
            self.conn,
            writes.PulledPage(self.resource, [], present, encode(self.object_type, state)),
        )
        raw_properties.forget(self.conn, self.object_type, ids)
        self._count(deleted=len(present))

    def _commit(
        self, records: list[dict[str, Any]], state: PassState, *, keep_unchanged: bool
    ) -> None:
        ids = [str(record.get("id")) for record in records]
        stored = raw_properties.stored_properties(self.conn, self.object_type, ids)
        if keep_unchanged:
            changed = {
                record_id
                for record_id, record in zip(ids, records, strict=True)
                if stored.get(record_id) != (record.get("properties") or {})
            }
        else:
            # Held means the same id with the same hs_lastmodifieddate: nothing to redo.
            changed = {
                record_id
                for record_id, record in zip(ids, records, strict=True)
                if (stored.get(record_id) or {}).get(LAST_MODIFIED)
                != (record.get("properties") or {}).get(LAST_MODIFIED)
            }
        merged_away = sorted({i for r in records for i in _merged_ids(r)} - set(ids))
        items = wire_records(self.api, self.mapping, records, None if keep_unchanged else changed)
        rows, bad = validate_page(self.resource, items)
        # A malformed record that has not changed was quarantined when it was first seen.
        bad = [b for b in bad if b.record_id in changed]
        gone = raw_properties.cached_ids(self.conn, self.table, merged_away)
        writes.commit_page(
            self.conn,
            writes.PulledPage(
                self.resource, rows, gone, encode(self.object_type, state), quarantined=bad
            ),
        )
        raw_properties.store_raw_properties(
            self.conn,
            self.object_type,
            (
                (i, r.get("properties") or {})
                for i, r in zip(ids, records, strict=True)
                if i in changed
            ),
        )
        raw_properties.forget(self.conn, self.object_type, merged_away)
        self.changed_ids.update(changed)
        self._count(
            pulled=sum(1 for row in rows if row["id"] in changed),
            deleted=len(gone),
            quarantined=len(bad),
        )

    def _count(self, *, pulled: int = 0, deleted: int = 0, quarantined: int = 0) -> None:
        report, resource = self.report, self.resource
        report.pulled[resource] = report.pulled.get(resource, 0) + pulled
        report.deleted[resource] = report.deleted.get(resource, 0) + deleted
        if quarantined:
            report.quarantined[resource] = report.quarantined.get(resource, 0) + quarantined
        if self.progress:
            self.progress(resource, report.pulled[resource])


def _highest_id(records: list[dict[str, Any]], object_type: str) -> int:
    try:
        return max(int(record["id"]) for record in records)
    except (KeyError, TypeError, ValueError):
        raise BadResponse(f"HubSpot sent a {object_type} search page without numeric ids") from None


def pull_hubspot(
    api: HubSpotClient,
    conn: sqlite3.Connection,
    settings: HubSpotSettings,
    *,
    plan: Plan | None = None,
    progress: Progress | None = None,
    now_ms: int | None = None,
) -> PullReport:
    """Pull both objects; `now_ms` (the end of this sync's search windows) is for tests.

    Without a `plan` (scopes checked, properties mapped) one is made first, before any write.
    """
    plan = plan if plan is not None else prepare(api, settings)
    report = PullReport()
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    last_association_sweep = _association_sweep_pending(conn)
    pulls: dict[str, _ObjectPull] = {}
    for object_type, resource, table in OBJECTS:
        mapping = plan.mappings[object_type]
        pulls[object_type] = _ObjectPull(
            api, conn, settings, mapping, resource, table, report, progress
        )
        pulls[object_type].run(now_ms)
    services = pulls[SERVICES]
    moved = link_services(
        api, conn, services.mapping, _changed_clients(pulls), services.changed_ids
    )
    swept_at = last_association_sweep
    if swept_at is None or now_ms - swept_at >= settings.association_sweep_minutes * 60_000:
        moved += sweep_associations(api, conn, services.mapping)
        swept_at = now_ms
    state = replace(services.state, association_sweep_at=swept_at)
    writes.commit_page(conn, writes.PulledPage(services.resource, [], [], encode(SERVICES, state)))
    if moved:
        report.pulled[services.resource] = report.pulled.get(services.resource, 0) + moved
    return report


def _association_sweep_pending(conn: sqlite3.Connection) -> int | None:
    """When the association sweep last ran, after marking it due in the cache: a sync stopped
    before its association step (which re-reads the services of the clients it changed)
    leaves the sweep due, so the next sync makes up for what this one could not finish."""
    resource = OBJECTS[1][1]
    state = decode(SERVICES, writes.change_token(conn, resource))
    if state is None or state.association_sweep_at is None:
        return None
    due = replace(state, association_sweep_at=None)
    writes.commit_page(conn, writes.PulledPage(resource, [], [], encode(SERVICES, due)))
    return state.association_sweep_at


def _changed_clients(pulls: dict[str, _ObjectPull]) -> Iterable[str]:
    return sorted(pulls[CLIENTS].changed_ids)
