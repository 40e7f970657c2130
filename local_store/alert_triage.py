"""Triage of any alert: acknowledge, snooze, assign, resolve, note, and undo the last one.

Backend alerts go through the outbox (`local_store.outbox`): the local effect and the intent
in one transaction, pushed on the next sync, so teammates see them after theirs. Local alerts
(raised by `alert_rules` on this machine) have ids the backend does not know, so their triage
stays local: applied at once, with the rows as they were kept in `local_undo`, so the one undo
takes back whichever action came last. The next rule evaluation (after a sync) rewrites local
alerts and forgets that journal: like an outbox action, a local one can be undone until then.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from datetime import date
from typing import Any

from local_store import outbox
from local_store.alert_filter import TriageError, parse_until  # noqa: F401  (triage API)
from local_store.alerts import alert_source
from local_store.database import write_transaction
from local_store.writes import utc_now_text

UNDO_KEPT = 100


def _source(conn: sqlite3.Connection, alert_id: str) -> str:
    source = alert_source(conn, alert_id)
    if source is None:
        raise TriageError(f"no alert {alert_id!r} in the cache")
    return source


def _status(conn: sqlite3.Connection, table: str, alert_id: str) -> str:
    return conn.execute(f"SELECT status FROM {table} WHERE id = ?", (alert_id,)).fetchone()[0]


def _refuse_resolved(conn: sqlite3.Connection, table: str, alert_id: str, what: str) -> None:
    # The backend refuses these too; saying so now beats a refusal after the next sync.
    if _status(conn, table, alert_id) == "resolved":
        raise TriageError(f"cannot {what} {alert_id}: it is already resolved")


def _snapshot(conn: sqlite3.Connection, table: str, row_id: str) -> dict[str, Any] | None:
    cursor = conn.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,))
    row = cursor.fetchone()
    return None if row is None else dict(zip((d[0] for d in cursor.description), row, strict=True))


def _local_action(
    conn: sqlite3.Connection,
    alert_id: str,
    description: str,
    statements: list[tuple[str, tuple[Any, ...]]],
    touches: tuple[tuple[str, str], ...] = (),
) -> str:
    with write_transaction(conn):
        before = [
            {"table": table, "id": row_id, "row": _snapshot(conn, table, row_id)}
            for table, row_id in (("local_alert", alert_id), *touches)
        ]
        newest_outbox = conn.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
        for sql, params in statements:
            conn.execute(sql, params)
        conn.execute(
            "INSERT INTO local_undo (description, outbox_seq, before, created_at) "
            "VALUES (?, ?, ?, ?)",
            (description, newest_outbox, json.dumps(before), utc_now_text()),
        )
        conn.execute(
            "DELETE FROM local_undo WHERE seq <= (SELECT max(seq) FROM local_undo) - ?",
            (UNDO_KEPT,),
        )
    return description


def acknowledge(conn: sqlite3.Connection, alert_id: str) -> str:
    if _source(conn, alert_id) == "backend":
        _refuse_resolved(conn, "alert", alert_id, "acknowledge")
        outbox.acknowledge_alert(conn, alert_id)
        return f"acknowledged {alert_id}"
    _refuse_resolved(conn, "local_alert", alert_id, "acknowledge")
    sql = "UPDATE local_alert SET status = 'acknowledged', snoozed_until = NULL WHERE id = ?"
    return _local_action(conn, alert_id, f"acknowledged {alert_id}", [(sql, (alert_id,))])


def snooze(
    conn: sqlite3.Connection,
    alert_id: str,
    until: date,
    reason: str | None,
    author: str,
    today: date | None = None,
) -> str:
    if until <= (today or date.today()):
        raise TriageError("snooze until a day after today")
    description = f"snoozed {alert_id} until {until.isoformat()}"
    if _source(conn, alert_id) == "backend":
        _refuse_resolved(conn, "alert", alert_id, "snooze")
        outbox.snooze_alert(conn, alert_id, until, reason, author)
        return description
    _refuse_resolved(conn, "local_alert", alert_id, "snooze")
    statements = [
        (
            "UPDATE local_alert SET status = 'snoozed', snoozed_until = ? WHERE id = ?",
            (until.isoformat(), alert_id),
        )
    ]
    touches: tuple[tuple[str, str], ...] = ()
    if reason and reason.strip():
        note_id = f"ln-{uuid.uuid4().hex}"
        statements.append(
            _insert_local_note(note_id, alert_id, f"Snoozed until {until}: {reason}", author)
        )
        touches = (("local_alert_note", note_id),)
    return _local_action(conn, alert_id, description, statements, touches)


def assign(conn: sqlite3.Connection, alert_id: str, assignee: str | None) -> str:
    if (
        assignee is not None
        and not conn.execute("SELECT 1 FROM employee WHERE email = ?", (assignee,)).fetchone()
    ):
        raise TriageError(f"{assignee!r} is not one of the partner's employees")
    description = f"assigned {alert_id} to {assignee or 'nobody'}"
    if _source(conn, alert_id) == "backend":
        outbox.assign_alert(conn, alert_id, assignee)
        return description
    sql = "UPDATE local_alert SET assignee = ? WHERE id = ?"
    return _local_action(conn, alert_id, description, [(sql, (assignee, alert_id))])


def resolve(conn: sqlite3.Connection, alert_id: str) -> str:
    if _source(conn, alert_id) == "backend":
        outbox.resolve_alert(conn, alert_id)
        return f"resolved {alert_id}"
    sql = "UPDATE local_alert SET status = 'resolved', snoozed_until = NULL WHERE id = ?"
    return _local_action(conn, alert_id, f"resolved {alert_id}", [(sql, (alert_id,))])


def _insert_local_note(
    note_id: str, alert_id: str, text: str, author: str
) -> tuple[str, tuple[Any, ...]]:
    return (
        "INSERT INTO local_alert_note (id, alert_id, author, text, created_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (note_id, alert_id, author, text, utc_now_text()),
    )


def add_note(conn: sqlite3.Connection, alert_id: str, text: str, author: str) -> str:
    if not text.strip():
        raise TriageError("a note needs some text")
    if _source(conn, alert_id) == "backend":
        outbox.add_note(conn, "alert", alert_id, text, author)
        return f"noted on {alert_id}"
    note_id = f"ln-{uuid.uuid4().hex}"
    return _local_action(
        conn,
        alert_id,
        f"noted on {alert_id}",
        [_insert_local_note(note_id, alert_id, text, author)],
        (("local_alert_note", note_id),),
    )


def _restore(conn: sqlite3.Connection, table: str, row_id: str, row: dict | None) -> None:
    conn.execute(f"DELETE FROM {table} WHERE id = ?", (row_id,))
    if row is not None:
        columns = ", ".join(row)
        placeholders = ", ".join("?" for _ in row)
        conn.execute(
            f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", tuple(row.values())
        )


def undo_last(conn: sqlite3.Connection) -> str | None:
    """Take back the newest triage not yet synced (outbox) or re-evaluated (local).

    Returns what was undone, or None when there is nothing to undo.
    """
    with write_transaction(conn):
        local = conn.execute(
            "SELECT seq, description, outbox_seq, before FROM local_undo ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        newest_pending = conn.execute(
            "SELECT max(seq) FROM outbox WHERE state = ?", (outbox.PENDING,)
        ).fetchone()[0]
        # A local action taken after the newest pending outbox row is the newer of the two.
        if local is not None and (newest_pending is None or local[2] >= newest_pending):
            for snapshot in json.loads(local[3]):
                _restore(conn, snapshot["table"], snapshot["id"], snapshot["row"])
            conn.execute("DELETE FROM local_undo WHERE seq = ?", (local[0],))
            return f"undid: {local[1]}"
    entry = outbox.undo_last(conn)
    if entry is None:
        return None
    return f"undid: {entry.kind.replace('_', ' ')} on {entry.target_id}"
