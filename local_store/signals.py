"""Health scores and local alert rules, recomputed only when their inputs may have changed.

Both read every client, which takes seconds at 100,000 clients; a sync that brought nothing new
on the same day with the same settings would only compute the same answers again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from local_store.alert_rules import evaluate_rules
from local_store.database import write_transaction
from local_store.health import refresh_health


def _fingerprint(settings: Mapping[str, Any], today: date) -> str:
    inputs = {
        "day": today.isoformat(),
        "health": settings.get("health"),
        "rules": settings.get("rules"),
    }
    return json.dumps(inputs, sort_keys=True, default=str)


def refresh_signals(
    conn: sqlite3.Connection,
    settings: Mapping[str, Any],
    *,
    data_changed: bool,
    today: date | None = None,
) -> bool:
    """Recompute health and alerts if the data, the day or the settings changed since the last
    run. Returns whether it ran."""
    today = today or date.today()
    fingerprint = _fingerprint(settings, today)
    row = conn.execute("SELECT fingerprint FROM signals_run WHERE id = 1").fetchone()
    if not data_changed and row is not None and row[0] == fingerprint:
        return False
    refresh_health(conn, settings, today)
    evaluate_rules(conn, settings, today)
    with write_transaction(conn):
        conn.execute(
            "INSERT INTO signals_run (id, fingerprint) VALUES (1, ?) "
            "ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint",
            (fingerprint,),
        )
    return True
