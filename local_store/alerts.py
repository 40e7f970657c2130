"""Read queries of the inbox: alerts from the backend and from local rules, as one list.

Backend alerts (`alert`, synced) and local alerts (`local_alert`, raised by
`local_store.alert_rules`) are read through one UNION, told apart by `source`. Sections are
filters in the language of `local_store.alert_filter`.

Plain `sqlite3` and the standard library only: the inbox can be the TUI's first screen.
No `from __future__ import annotations`: NamedTuple compiles its annotations.
"""

import json
import re
import sqlite3
from datetime import date
from typing import Any, NamedTuple

from local_store.alert_filter import EFFECTIVE_STATUS, CompiledFilter, Section, compile_filter
from local_store.impact import (
    DAYS_LEFT_SQL,
    IMPACT_SQL,
    SEVERITY_RANK_SQL,
    STAKE_POINTS_SQL,
    impact_is_current,
)

LIST_LIMIT = 1000
"""Rows a section lists at most; the count says how many match, and search narrows."""

SOURCES = ("backend", "local")
_TABLES = {"backend": "alert", "local": "local_alert"}
_ARMS = {
    "backend": """
SELECT id, 'backend' AS source, NULL AS rule, kind, severity, title, detail, client_id,
       raised_at, due_date, status, assignee, snoozed_until, NULL AS fired_values, impact
FROM alert{hint}
""",
    "local": """
SELECT id, 'local' AS source, rule, kind, severity, title, detail, client_id, raised_at,
       due_date, status, assignee, snoozed_until, fired_values, impact
FROM local_alert{hint}
""",
}
"""Each source's alerts, with the columns of both; `hint` may name the index to read."""
ALERTS = "UNION ALL".join(arm.format(hint="") for arm in _ARMS.values())
"""Every alert the inbox lists, backend and local."""
_FROM = f"FROM ({ALERTS}) AS a LEFT JOIN client c ON c.id = a.client_id"
_ORDER = "ORDER BY impact DESC, severity_rank, no_due, due_date, raised_at DESC, id"
"""The inbox's order: most at stake first; ties by severity, then deadline. Over the names of
`_row_columns`: each source is read in this order and SQLite merges the two."""
PAGE_ROWS = 100
"""The rows a table asks for at once (console.widgets.virtual_table.PAGE_SIZE)."""


class AlertListRow(NamedTuple):
    id: str
    source: str
    kind: str
    severity: str
    title: str
    client_id: str | None
    client_name: str | None
    due_date: date | None
    status: str
    """The effective status: a snooze whose date has come reads as open."""
    assignee: str | None
    raised_at: str
    impact: float = 0.0
    """What is at stake (`local_store.impact`): the inbox's default order, highest first."""
    stake_points: float = 0.0
    mrr_cents: int | None = None
    days_left: int | None = None


class AlertNote(NamedTuple):
    author: str
    text: str
    created_at: str


class AlertDetail(NamedTuple):
    row: AlertListRow
    rule: str | None
    detail: str
    fired_values: dict[str, Any]
    snoozed_until: date | None
    notes: tuple[AlertNote, ...]
    health_score: int | None
    health_reasons: tuple[dict[str, Any], ...]
    client_crm_url: str | None
    changed_by: str | None = None


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def _row_columns(impact: str) -> str:
    """An `AlertListRow`, then the two tie-breaks `_ORDER` names."""
    return (
        f"a.id AS id, a.source, a.kind, a.severity, a.title, a.client_id, c.name, "
        f"a.due_date AS due_date, {EFFECTIVE_STATUS}, a.assignee, a.raised_at AS raised_at, "
        f"{impact} AS impact, {STAKE_POINTS_SQL}, c.mrr_cents, {DAYS_LEFT_SQL}, "
        f"{SEVERITY_RANK_SQL} AS severity_rank, a.due_date IS NULL AS no_due"
    )


_ROW_WIDTH = 15


def _row(values: tuple) -> AlertListRow:
    row = AlertListRow(*values[:_ROW_WIDTH])
    return row._replace(due_date=_date(values[7]))


def _search(text: str, params: dict[str, Any]) -> str:
    if not text.strip():
        return ""
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    params["search"] = f"%{escaped}%"
    return (
        " AND (a.title LIKE :search ESCAPE '\\' OR c.name LIKE :search ESCAPE '\\' "
        "OR a.kind LIKE :search ESCAPE '\\' OR a.id LIKE :search ESCAPE '\\')"
    )


class SourceCount(NamedTuple):
    """A section's alerts from one source, and what reading a page of them costs."""

    matches: int
    alerts: int
    """Every alert of the source: a walk along the impact index reads about
    `PAGE_ROWS × alerts / matches` of them for a page."""
    of_kind: int
    """The alerts of the section's kinds (every alert without a `kind:` term): what a read
    through the kind index reads, before sorting them."""

    def walk_impact(self) -> bool:
        """Whether walking the impact index reads fewer rows than the kind index would."""
        return PAGE_ROWS * self.alerts < self.of_kind * self.matches


class SectionCount(NamedTuple):
    backend: SourceCount
    local: SourceCount

    @property
    def total(self) -> int:
        return self.backend.matches + self.local.matches

    def of(self, source: str) -> SourceCount:
        return self.backend if source == "backend" else self.local


def count_matching(conn: sqlite3.Connection, compiled: CompiledFilter, search: str = "") -> int:
    params = dict(compiled.params)
    where = compiled.sql + _search(search, params)
    return conn.execute(f"SELECT count(*) {_FROM} WHERE {where}", params).fetchone()[0]


def list_matching(
    conn: sqlite3.Connection,
    compiled: CompiledFilter,
    search: str = "",
    limit: int = LIST_LIMIT,
    offset: int = 0,
    counted: SectionCount | None = None,
) -> list[AlertListRow]:
    """Rows `offset` to `offset + limit` of the matching alerts, in the inbox's order. With the
    matches `counted` (without the search, which only narrows them), a source without one is
    not read, and each source is read the way that finds a page soonest."""
    params = dict(compiled.params) | {"limit": limit, "offset": offset}
    where = compiled.sql + _search(search, params)
    stored = impact_is_current(conn, date.fromisoformat(params["today"]))
    columns = _row_columns("a.impact" if stored else IMPACT_SQL)
    selects = []
    for source in SOURCES:
        if counted is not None and counted.of(source).matches == 0:
            continue
        # Else SQLite chooses: a rare kind through its kind's index, sorted.
        walk = stored and counted is not None and counted.of(source).walk_impact()
        hint = f" INDEXED BY ix_{_TABLES[source]}_impact" if walk else ""
        selects.append(
            f"SELECT {columns} FROM ({_ARMS[source].format(hint=hint)}) AS a "
            f"LEFT JOIN client c ON c.id = a.client_id WHERE {where}"
        )
    if not selects:
        return []
    rows = conn.execute(
        f"{' UNION ALL '.join(selects)} {_ORDER} LIMIT :limit OFFSET :offset", params
    ).fetchall()
    return [_row(values) for values in rows]


def section_counts(
    conn: sqlite3.Connection, sections: tuple[Section, ...], me: str | None, today: date
) -> list[SectionCount]:
    """How many alerts each section shows (filters were checked when the sections were read),
    counted in one pass over the alerts: each section's count is a scan of them all."""
    if not sections:
        return []
    params: dict[str, Any] = {}
    sums = [f"count(CASE WHEN a.source = '{source}' THEN 1 END)" for source in SOURCES]
    for index, section in enumerate(sections):
        compiled = compile_filter(section.filter, me, today)
        params |= {
            (name if name == "today" else f"s{index}_{name}"): value
            for name, value in compiled.params.items()
        }
        for sql in (compiled.sql, compiled.kind_sql or "1"):
            # Each filter names its parameters p0, p1…: prefixed, the filters share one query.
            sql = re.sub(r":(p\d+)\b", rf":s{index}_\1", sql)
            sums += [
                f"count(CASE WHEN a.source = '{source}' AND {sql} THEN 1 END)" for source in SOURCES
            ]
    values = conn.execute(f"SELECT {', '.join(sums)} {_FROM}", params).fetchone()
    alerts, counts = values[:2], values[2:]
    return [
        SectionCount(
            *(
                SourceCount(counts[at + i], alerts[i], counts[at + 2 + i])
                for i in range(len(SOURCES))
            )
        )
        for at in range(0, len(counts), 4)
    ]


def section_count(
    conn: sqlite3.Connection, section: Section, me: str | None, today: date, search: str = ""
) -> int:
    """How many alerts the section lists with the search."""
    return count_matching(conn, compile_filter(section.filter, me, today), search)


def section_rows(
    conn: sqlite3.Connection,
    section: Section,
    me: str | None,
    today: date,
    search: str = "",
    limit: int = LIST_LIMIT,
) -> tuple[int, list[AlertListRow]]:
    """The section's count (with the search) and its first `limit` rows, most urgent first."""
    compiled = compile_filter(section.filter, me, today)
    return count_matching(conn, compiled, search), list_matching(conn, compiled, search, limit)


def section_page(
    conn: sqlite3.Connection,
    section: Section,
    me: str | None,
    today: date,
    search: str,
    offset: int,
    limit: int,
    counted: SectionCount | None = None,
) -> list[AlertListRow]:
    """Rows `offset` to `offset + limit` of a section (with the search), in the inbox's order,
    for a table that pages: no section is cut at `LIST_LIMIT` this way."""
    compiled = compile_filter(section.filter, me, today)
    return list_matching(conn, compiled, search, limit, offset, counted)


def alert_source(conn: sqlite3.Connection, alert_id: str) -> str | None:
    """'local', 'backend', or None when the cache has no such alert."""
    if conn.execute("SELECT 1 FROM local_alert WHERE id = ?", (alert_id,)).fetchone():
        return "local"
    if conn.execute("SELECT 1 FROM alert WHERE id = ?", (alert_id,)).fetchone():
        return "backend"
    return None


def alert_detail(conn: sqlite3.Connection, alert_id: str, today: date) -> AlertDetail | None:
    found = conn.execute(
        f"SELECT {_row_columns(IMPACT_SQL)}, a.rule, a.detail, a.fired_values, a.snoozed_until, "
        f"c.health_score, c.health_reasons, c.crm_url {_FROM} WHERE a.id = :id",
        {"id": alert_id, "today": today.isoformat()},
    ).fetchone()
    if found is None:
        return None
    row = _row(found)
    rule, detail, fired, snoozed, score, reasons, crm_url = found[_ROW_WIDTH + 2 :]
    if row.source == "local":
        sql = (
            "SELECT author, text, created_at FROM local_alert_note WHERE alert_id = ? "
            "ORDER BY created_at, id"
        )
    else:
        sql = (
            "SELECT author, text, created_at FROM note WHERE target_type = 'alert' "
            "AND target_id = ? ORDER BY created_at, id"
        )
    notes = tuple(AlertNote(*note) for note in conn.execute(sql, (alert_id,)))
    changed_by = None
    if row.source == "backend":
        by = conn.execute("SELECT changed_by FROM alert WHERE id = ?", (alert_id,)).fetchone()
        changed_by = by[0] if by else None
    return AlertDetail(
        row=row,
        rule=rule,
        detail=detail,
        fired_values=_json(fired, {}),
        snoozed_until=_date(snoozed),
        notes=notes,
        health_score=score,
        health_reasons=tuple(_json(reasons, [])),
        client_crm_url=crm_url,
        changed_by=changed_by,
    )


def _json(text: str | None, default: Any) -> Any:
    try:
        value = json.loads(text) if text else default
    except ValueError:
        return default
    return value if isinstance(value, type(default)) else default
