"""What a clients search must answer, by the plain LIKE scan the kept order replaces."""

from __future__ import annotations

import sqlite3

from local_store.queries import ClientQuery


def like_order(conn: sqlite3.Connection, query: ClientQuery) -> list[int]:
    pattern = "%" + query.search.strip().replace("%", "\\%").replace("_", "\\_") + "%"
    column = {"name": "name", "mrr": "mrr_cents"}[query.sort]
    direction = "DESC" if query.descending else "ASC"
    return [
        rowid
        for (rowid,) in conn.execute(
            "SELECT rowid FROM client WHERE services_status != 'ended' AND "
            "(name LIKE ? ESCAPE '\\' OR domain LIKE ? ESCAPE '\\') "
            f"ORDER BY {column} {direction}, rowid {direction}",
            (pattern, pattern),
        )
    ]
