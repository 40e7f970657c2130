"""Pulling partner clients and partner services from HubSpot into the cache, page by page.

Two ways through an object, chosen per sync:
- a full pass (small portfolios, the first sync, a changed mapping): list everything with the
  `after` cursor as a full resync, so what HubSpot no longer has is swept at the end;
- a search pass (large portfolios): search `hs_lastmodifieddate` over the half-open window
  [last sync − look-back, now), ordered and resumed by `hs_object_id` (the tie-breaker when many
  records share a timestamp); a window whose result count exceeds search's cap is halved
  first. Then a list pass over `archived=true` removes what was archived.

Every page is committed with the state to resume from (the change token, kept under the
console resource so the cache's bookkeeping is the same as for the backend; its
`hubspot:<object>:` prefix tells a HubSpot token from a backend one), so a killed sync
continues where it stopped.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

from local_store import raw_properties, writes
from sync.client import BadResponse
from sync.hubspot.api import HubSpotClient
from sync.hubspot.mapping import (
    CLIENTS,
    LAST_MODIFIED,
    OBJECT_ID,
    SERVICES,
    ObjectMapping,
    resolve_mapping,
    to_wire,
)
from sync.hubspot.settings import SEARCH_PAGE_MAX, HubSpotSettings
from sync.pull import Progress, PullReport, validate_page

OBJECTS = ((CLIENTS, "clients", "client"), (SERVICES, "subscriptions", "subscription"))
"""HubSpot object → console resource → cache table, parents first."""


@dataclass(frozen=True)
class PassState:
    """Where an object's sync stands; stored as the resource's change token after each page."""

    mode: str  # idle | full | search | archived
    mapping_key: str
    watermark: int | None = None
    """Epoch ms: every change before it had been pulled when the last pass finished."""
    hi: int | None = None
    """End of the running pass (its start time); becomes the watermark when it finishes."""
    after: str | None = None  # list cursor (full and archived passes)
    lo: int | None = None  # search: start of the current window
    window_hi: int | None = None  # search: end of the current window (≤ hi)
    last_id: int = 0  # search: highest hs_object_id taken in the current window

    def finished(self) -> PassState:
        return PassState("idle", self.mapping_key, watermark=self.hi)


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

    def run(self, now_ms: int) -> None:
        state = self._next_pass(
            decode(self.object_type, writes.change_token(self.conn, self.resource)), now_ms
        )
        if state.mode == "full":
            state = self._full_pass(state)
        if state.mode == "search":
            state = self._search_pass(state)
        if state.mode == "archived":
            self._archived_pass(state)
        swept = writes.finish_resource(self.conn, self.resource)
        self.report.deleted[self.resource] = self.report.deleted.get(self.resource, 0) + swept

    def _next_pass(self, state: PassState | None, now_ms: int) -> PassState:
        key = _mapping_key(self.mapping)
        if state is not None and state.mode != "idle" and state.mapping_key == key:
            return state  # a pass a killed sync left half-way: carry on from its cursor
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
            return PassState("full", key, hi=now_ms)
        lo = max(state.watermark - self.settings.lookback_seconds * 1000, 0)
        return PassState(
            "search", key, watermark=state.watermark, hi=now_ms, lo=lo, window_hi=now_ms
        )

    def _full_pass(self, state: PassState) -> PassState:
        while True:
            page = self.api.list_page(
                self.object_type,
                after=state.after,
                limit=self.settings.page_size,
                properties=list(self.mapping.requested),
            )
            state = replace(state, after=page.after) if page.after else state.finished()
            # Unchanged rows are written too: the sweep at the end keeps only rows seen.
            self._commit(page.results, state, keep_unchanged=True)
            if state.mode == "idle":
                return state

    def _search_pass(self, state: PassState) -> PassState:
        assert state.lo is not None and state.window_hi is not None and state.hi is not None
        limit = min(self.settings.page_size, SEARCH_PAGE_MAX)
        while state.lo < state.hi:
            page = self.api.search(self.object_type, self._search_request(state, limit))
            if page.total > self.settings.search_cap and state.window_hi - state.lo > 1:
                # Too many for one search: halve the window. Records already taken from the
                # wider window may come again in the next one; upserts make that harmless.
                state = replace(state, window_hi=state.lo + (state.window_hi - state.lo) // 2)
                continue
            if page.total > len(page.results):
                state = replace(state, last_id=_highest_id(page.results, self.object_type))
            else:
                # Next window: twice as wide as this one, so a split costs few extra searches.
                lo, window_hi, hi = state.lo, state.window_hi, state.hi
                assert lo is not None and window_hi is not None and hi is not None
                end = min(window_hi + 2 * (window_hi - lo), hi)
                state = replace(state, lo=window_hi, window_hi=end, last_id=0)
                if window_hi >= hi:
                    state = replace(state, mode="archived", after=None)
            self._commit(page.results, state, keep_unchanged=False)
        return replace(state, mode="archived", after=None) if state.mode == "search" else state

    def _search_request(self, state: PassState, limit: int) -> dict[str, Any]:
        filters = [
            {"propertyName": LAST_MODIFIED, "operator": "GTE", "value": str(state.lo)},
            {"propertyName": LAST_MODIFIED, "operator": "LT", "value": str(state.window_hi)},
            {"propertyName": OBJECT_ID, "operator": "GT", "value": str(state.last_id)},
        ]
        return {
            "filterGroups": [{"filters": filters}],
            "sorts": [{"propertyName": OBJECT_ID, "direction": "ASCENDING"}],
            "properties": list(self.mapping.requested),
            "limit": limit,
        }

    def _archived_pass(self, state: PassState) -> None:
        while True:
            page = self.api.list_page(
                self.object_type,
                after=state.after,
                limit=self.settings.page_size,
                properties=[OBJECT_ID],
                archived=True,
            )
            state = replace(state, after=page.after) if page.after else state.finished()
            ids = [str(record.get("id")) for record in page.results]
            present = raw_properties.cached_ids(self.conn, self.table, ids)
            writes.commit_page(
                self.conn,
                writes.PulledPage(self.resource, [], present, encode(self.object_type, state)),
            )
            raw_properties.forget(self.conn, self.object_type, present)
            self._count(deleted=len(present))
            if state.mode == "idle":
                return

    def _commit(
        self, records: list[dict[str, Any]], state: PassState, *, keep_unchanged: bool
    ) -> None:
        ids = [str(record.get("id")) for record in records]
        stored = raw_properties.stored_properties(self.conn, self.object_type, ids)
        changed = {
            record_id
            for record_id, record in zip(ids, records, strict=True)
            if stored.get(record_id) != (record.get("properties") or {})
        }
        links = {}
        if self.object_type == SERVICES:
            wanted = ids if keep_unchanged else [i for i in ids if i in changed]
            links = self.api.associated_ids(SERVICES, CLIENTS, wanted)
        items = []
        for record_id, record in zip(ids, records, strict=True):
            if not keep_unchanged and record_id not in changed:
                continue
            wire = to_wire(self.mapping, record)
            if self.object_type == SERVICES and links.get(record_id):
                wire["client_id"] = links[record_id][0]
            items.append(wire)
        rows, bad = validate_page(self.resource, items)
        # A malformed record that has not changed was quarantined when it was first seen.
        bad = [b for b in bad if b.record_id in changed]
        writes.commit_page(
            self.conn,
            writes.PulledPage(
                self.resource, rows, [], encode(self.object_type, state), quarantined=bad
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
        self._count(pulled=sum(1 for row in rows if row["id"] in changed), quarantined=len(bad))

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
    progress: Progress | None = None,
    now_ms: int | None = None,
) -> PullReport:
    """Pull both objects; `now_ms` (the end of this sync's search windows) is for tests."""
    report = PullReport()
    now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    for object_type, resource, table in OBJECTS:
        discovered = api.property_names(object_type)
        mapping = resolve_mapping(object_type, discovered, settings.mapping.get(object_type, {}))
        _ObjectPull(api, conn, settings, mapping, resource, table, report, progress).run(now_ms)
    return report
