"""Health scores, local alert rules and the stored impacts, recomputed only where their inputs
may have changed.

Both read every client, which takes seconds at 100,000 clients. A sync marks the clients whose
rows it wrote in `dirty_client` (`writes.commit_page`), so after it only those are recomputed;
every client is recomputed when the day or the settings changed since the last run, and none
when nothing was marked on the same day with the same settings.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from local_store import writes
from local_store.activation import milestone_plan
from local_store.alert_rules import apply_rules, rule_thresholds
from local_store.database import write_transaction
from local_store.health import health_weights, read_signals, write_health
from local_store.impact import forget_impact, refresh_impact


def _fingerprint(settings: Mapping[str, Any], today: date) -> str:
    inputs = {
        "day": today.isoformat(),
        "health": settings.get("health"),
        "rules": settings.get("rules"),
        "activation": settings.get("activation"),
    }
    return json.dumps(inputs, sort_keys=True, default=str)


def refresh_signals(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    *,
    data_changed: bool = False,
    today: date | None = None,
) -> bool:
    """Recompute health and alerts of the clients marked dirty, or of every client if the day
    or the settings changed since the last run (or `data_changed`: the caller changed the cache
    without marking clients). Returns whether it ran."""
    today = today or date.today()
    health_weights(settings)  # a wrong setting raises before anything is read
    rule_thresholds(settings)
    fingerprint = _fingerprint(settings, today)
    # One transaction: what is read, what is written and the marks consumed stay consistent
    # with a concurrent sync, and a kill leaves the marks for the next run.
    with write_transaction(conn):
        if writes.rollups_owed(conn):
            # The rollups read the same marks, so they go first.
            writes.update_client_rollups(conn, only_dirty=True)
        row = conn.execute("SELECT fingerprint FROM signals_run WHERE id = 1").fetchone()
        only_dirty = not data_changed and row is not None and row[0] == fingerprint
        if only_dirty and conn.execute("SELECT 1 FROM dirty_client LIMIT 1").fetchone() is None:
            refresh_impact(conn, today)  # a synced page may have made them out of date
            return False
        clients = read_signals(conn, today, only_dirty=only_dirty, plan=milestone_plan(settings))
        write_health(conn, clients, settings, today)
        apply_rules(conn, clients, settings, today, only_dirty=only_dirty)
        conn.execute("DELETE FROM dirty_client")
        conn.execute(
            "INSERT INTO signals_run (id, fingerprint) VALUES (1, ?) "
            "ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint",
            (fingerprint,),
        )
        # The rules raised, changed or cleared local alerts: their impacts are computed again.
        forget_impact(conn)
        refresh_impact(conn, today)
    return True
