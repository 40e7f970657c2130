"""The audit trail: who did what, read and exported by a partner's admins."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.engine import Connection

from backend.team.records import now_text
from backend.team.tables import TeamAudit, table
from sync.wire import Action, ActionOutcome, ActionResult

AUDIT = table(TeamAudit.__tablename__)
AUDIT_FIELDS = ("id", "at", "actor", "kind", "target_id", "key", "outcome", "reason")


def record_outcomes(
    connection: Connection,
    partner_id: int,
    actor: str,
    outcomes: list[tuple[Action, ActionResult]],
) -> None:
    """One row per outcome; a duplicate repeats an earlier row, so it adds none."""
    at = now_text()
    rows = [
        {
            "partner_id": partner_id,
            "at": at,
            "actor": actor,
            "kind": action.kind.value,
            "target_id": action.target_id[:64],
            "key": result.key,
            "outcome": result.outcome.value,
            "reason": result.reason,
        }
        for action, result in outcomes
        if result.outcome is not ActionOutcome.DUPLICATE
    ]
    if rows:
        connection.execute(insert(AUDIT), rows)


def read_audit(
    connection: Connection, partner_id: int, after: int = 0, limit: int | None = 1000
) -> list[dict[str, object]]:
    """Rows after id `after`, oldest first; `limit=None` reads them all (the CLI export)."""
    query = (
        select(*(AUDIT.c[field] for field in AUDIT_FIELDS))
        .where(AUDIT.c.partner_id == partner_id, AUDIT.c.id > after)
        .order_by(AUDIT.c.id)
        .limit(limit)
    )
    return [dict(row._mapping) for row in connection.execute(query)]


def audit_csv(rows: Iterable[dict[str, object]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=AUDIT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def audit_jsonl(rows: Iterable[dict[str, object]]) -> str:
    return "".join(json.dumps(row) + "\n" for row in rows)
