"""The `alerts` export: backend and local alerts as the Inbox shows them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from datetime import date, timedelta

from local_store.alert_status import STATUSES
from local_store.exports_base import (
    ExportField,
    ExportFilters,
    ExportRequest,
    Rows,
    SqlWhere,
    client_filters,
    like_pattern,
    limit_param,
    order_by,
    utc_text,
)

ALERT_FIELDS = (
    ExportField("id", "text", "The alert's id."),
    ExportField("client_id", "text", "The client it is about (empty: the whole partner)."),
    ExportField("client_name", "text", "That client's name."),
    ExportField("kind", "text", "What raised it, e.g. renewal_decision, setup_issue."),
    ExportField("severity", "text", "critical, warning or info."),
    ExportField("status", "text", "open, acknowledged, snoozed or resolved."),
    ExportField("title", "text", "One-line summary."),
    ExportField("detail", "text", "Why it was raised, with the values behind it."),
    ExportField("raised_at", "timestamp", "When it was raised."),
    ExportField("due_date", "date", "When it needs an answer (empty: no deadline)."),
    ExportField("assignee", "text", "Email of the employee it is assigned to."),
    ExportField("snoozed_until", "date", "A snoozed alert comes back on this day."),
    ExportField(
        "source", "text", "backend, or local: raised by this console's rules (never synced)."
    ),
)
ALERT_STATUSES = (*STATUSES, "any")
"""What `--status` may be, for `export alerts` and `alerts list` alike; `any` is every status."""
_SEVERITY_RANK = "CASE a.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"
ALERT_SORTS = {
    "raised_at": "a.raised_at",
    "due_date": "a.due_date",
    "severity": _SEVERITY_RANK,
    "status": "a.status",
    "client_name": "c.name",
}


def alert_rows_by_id(conn: sqlite3.Connection, ids: Sequence[str], today: date) -> dict[str, tuple]:
    """`export alerts` rows (every field, in ALERT_FIELDS order) of these alerts, by id: what
    `alerts list` writes, so both commands speak one vocabulary."""
    request = ExportRequest(filters=ExportFilters(), today=today)
    return {row[0]: row for row in alert_rows(conn, request, ids)}


def alert_rows(
    conn: sqlite3.Connection, request: ExportRequest, ids: Sequence[str] | None = None
) -> Rows:
    from local_store.alert_filter import EFFECTIVE_STATUS_ON
    from local_store.alerts import ALERTS

    # As the Inbox shows it: a snooze whose day has come reads as open.
    status, today = EFFECTIVE_STATUS_ON.format(today="?"), request.today.isoformat()
    chosen, sql = request.filters, SqlWhere()
    if chosen.status not in (None, "any"):
        sql.add(f"{status} = ?", today, chosen.status)
    if ids is not None:
        sql.add("a.id IN (SELECT value FROM json_each(?))", json.dumps(list(ids)))
    client_filters(sql, chosen)
    if chosen.search is not None:
        pattern = like_pattern(chosen.search)
        sql.add(
            "(a.title LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\' "
            "OR c.domain LIKE ? ESCAPE '\\')",
            pattern,
            pattern,
            pattern,
        )
    if chosen.within_days is not None:
        last = request.today + timedelta(days=chosen.within_days)
        sql.add("a.due_date BETWEEN ? AND ?", request.today.isoformat(), last.isoformat())
    cursor = conn.execute(
        f"SELECT a.id, a.client_id, c.name, a.kind, a.severity, {status}, a.title, a.detail, "
        "a.raised_at, a.due_date, a.assignee, a.snoozed_until, a.source "
        f"FROM ({ALERTS}) AS a LEFT JOIN client c ON c.id = a.client_id WHERE {sql.where()} "
        f"ORDER BY {order_by(request, ALERT_SORTS, 'a.id')} LIMIT ?",
        [today, *sql.params, limit_param(request)],
    )
    for values in cursor:
        yield (*values[:8], utc_text(values[8]), *values[9:])
