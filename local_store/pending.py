"""Which cache rows have a change queued in the outbox and not yet sent.

The lists mark such a row as pending. A note is queued under its own id, so it counts for
the client or alert it is written on.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

_PENDING_TARGETS = """
SELECT
    CASE WHEN target_table = 'note' THEN json_extract(payload, '$.target_type')
         ELSE target_table END,
    CASE WHEN target_table = 'note' THEN json_extract(payload, '$.target_id')
         ELSE target_id END
FROM outbox
WHERE state = 'pending'
"""


def pending_targets(conn: sqlite3.Connection) -> Mapping[str, frozenset[str]]:
    """The ids with an unsent change, by table ("client", "alert", "renewal")."""
    targets: dict[str, set[str]] = {}
    for table, target_id in conn.execute(_PENDING_TARGETS):
        if table is not None and target_id is not None:
            targets.setdefault(table, set()).add(target_id)
    return {table: frozenset(ids) for table, ids in targets.items()}
