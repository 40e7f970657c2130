"""What every `partnerops export` dataset is made of: fields, the request, and reading rows.

Field names are a public contract (documented in docs/export-fields.md, which a test keeps in
step with `exports.DATASETS`). Rows stream from a cursor one at a time, so an export holds
constant memory at 100,000 clients. Each dataset hands out the cells of the fields asked for,
already spelled for the output style (`export_cells`): dates as ISO text, timestamps as UTC
ISO text ending in `Z`, money and text as the style wants them. A field with a `column` is read
and spelled in SQL; the datasets without columns compute their rows in Python and spell them
there.

Plain `sqlite3` like `queries`: the export path must start fast. Every value a user typed
reaches SQL as a parameter; sort expressions come from per-dataset allow-lists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date
from operator import itemgetter
from typing import NamedTuple

from local_store.export_cells import (
    python_cells,
    python_csv_line,
    sql_cell,
    sql_csv_line,
    sql_csv_piece,
    sql_csv_subquery_piece,
    sql_subquery_cell,
)
from local_store.queries import HEALTH_BANDS, parse_utc

FIELD_TYPES = ("text", "integer", "number", "money", "date", "timestamp", "boolean")


class ExportUsageError(ValueError):
    """The request cannot be served as asked (a filter or sort the dataset lacks)."""


class ExportField(NamedTuple):
    name: str
    type: str
    meaning: str
    column: str | None = None
    """Its SQL in the dataset's query, for datasets read and spelled in SQL."""
    inner: str | None = None
    """Set when `column` is a subquery: what it selects, which `{}` in `column` stands for. The
    spelling goes in there, so the subquery runs once a row however often the spelling names
    its value."""
    not_null: bool = False
    """The column is never NULL (NOT NULL in the schema, and no outer join), so CSV can quote
    it the quickest way (`export_cells.sql_csv_piece`)."""


@dataclass(frozen=True)
class ExportFilters:
    """The TUI's filters, by the names of the command-line options that set them.

    `owner_email` is the client's owner in every dataset, so "mine" means the same clients
    everywhere. `within_days` is a window from today whose date each dataset names.
    """

    relationship: str | None = None
    owner_email: str | None = None
    band: str | None = None
    health: str | None = None
    product: str | None = None
    within_days: int | None = None
    status: str | None = None
    search: str | None = None

    def given(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


@dataclass(frozen=True)
class ExportRequest:
    filters: ExportFilters
    today: date
    sort: str | None = None
    descending: bool = False
    limit: int | None = None


Rows = Iterator[tuple]


class SqlSource(NamedTuple):
    """A dataset's query from FROM on (its WHERE, ORDER BY and a `LIMIT ?`), with parameters;
    the SELECT list is made from the chosen fields' columns."""

    rest: str
    params: list[object]


@dataclass(frozen=True)
class Dataset:
    name: str
    fields: tuple[ExportField, ...]
    filters: frozenset[str]
    sorts: tuple[str, ...]
    """Sort keys a user may name, the default first (team's default is the server's order)."""
    sql: Callable[[ExportRequest], SqlSource] | None = None
    """For datasets read and spelled in SQL: every field has a `column`."""
    computed: Callable[[sqlite3.Connection, ExportRequest], Rows] | None = None
    """For the others: rows of every field's canonical value, spelled in Python."""
    statuses: tuple[str, ...] = ()
    """What `--status` may be, for datasets that have it."""
    extra_check: Callable[[ExportRequest], None] | None = None

    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def check(self, request: ExportRequest) -> None:
        """Refuse filters and sorts this dataset does not have, before any work starts."""
        unknown = [name for name in request.filters.given() if name not in self.filters]
        if unknown:
            takes = ", ".join(map(_option, sorted(self.filters))) or "no filters"
            raise ExportUsageError(
                f"export {self.name} has no {_option(unknown[0])} filter (it takes {takes})"
            )
        if request.sort is not None and request.sort not in self.sorts:
            choices = ", ".join(self.sorts) if self.sorts else "nothing: it has one order"
            raise ExportUsageError(f"export {self.name} sorts by {choices}, not {request.sort!r}")
        status = request.filters.status
        if status is not None and status not in self.statuses:
            raise ExportUsageError(
                f"--status for {self.name} is one of {', '.join(self.statuses)}, not {status!r}"
            )
        if self.extra_check is not None:
            self.extra_check(request)

    def rows(
        self,
        conn: sqlite3.Connection,
        request: ExportRequest,
        chosen: Sequence[ExportField],
        style: str,
    ) -> Rows:
        """The chosen fields' cells, spelled for `style`, "json" or "table" (see
        `export_cells.STYLES`)."""
        self.check(request)
        if self.sql is not None:
            cells = ", ".join(_sql_cell(f, style) for f in chosen)
            return _select(conn, self.sql(request), cells)
        spell = python_cells([f.type for f in chosen], style)
        values = self._computed(conn, request, chosen)
        return values if spell is None else map(spell, values)

    def csv_lines(
        self, conn: sqlite3.Connection, request: ExportRequest, chosen: Sequence[ExportField]
    ) -> Iterator[str]:
        """The chosen fields as CSV lines without their line ends, not yet guarded against
        formulas (`export_cells.guard_csv_line`). From SQL they come finished off the cursor."""
        self.check(request)
        if self.sql is not None:
            line = sql_csv_line([_sql_csv_piece(f) for f in chosen])
            return map(itemgetter(0), _select(conn, self.sql(request), line))
        return map(python_csv_line([f.type for f in chosen]), self._computed(conn, request, chosen))

    def _computed(
        self, conn: sqlite3.Connection, request: ExportRequest, chosen: Sequence[ExportField]
    ) -> Rows:
        if self.computed is None:
            raise ValueError(f"export {self.name} has neither SQL nor computed rows")
        picked = [self.fields.index(f) for f in chosen]
        return (tuple(row[i] for i in picked) for row in self.computed(conn, request))


def _select(conn: sqlite3.Connection, source: SqlSource, columns: str) -> Rows:
    _map_file(conn)
    return conn.execute(f"SELECT {columns} {source.rest}", source.params)


EXPORT_MMAP_BYTES = 1 << 30


def _map_file(conn: sqlite3.Connection) -> None:
    """Read the cache file through a memory map: an export in the Clients screen's order (by
    name) visits the table's pages all over the file, and a map spares a system call and a
    copy for each (a sixth of a 100,000-client export's time)."""
    conn.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")


def _sql_cell(field: ExportField, style: str) -> str:
    if field.inner is None:
        return sql_cell(field.type, _column(field), style)
    return sql_subquery_cell(field.type, _column(field), field.inner, style)


def _sql_csv_piece(field: ExportField) -> tuple[str, str]:
    if field.inner is None:
        return sql_csv_piece(field.type, _column(field), not_null=field.not_null)
    return sql_csv_subquery_piece(field.type, _column(field), field.inner)


def _column(field: ExportField) -> str:
    if field.column is None:
        raise ValueError(f"field {field.name} of an SQL dataset has no column")
    return field.column


def _option(filter_name: str) -> str:
    return {"owner_email": "--owner/--mine", "within_days": "--within"}.get(
        filter_name, f"--{filter_name}"
    )


def like_pattern(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def utc_text(text: str | None) -> str | None:
    moment = parse_utc(text)
    if moment is None:
        return text or None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SqlWhere:
    """WHERE clauses and parameters gathered filter by filter."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[object] = []

    def add(self, clause: str, *params: object) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def where(self) -> str:
        return " AND ".join(self.clauses) or "1"


def order_by(request: ExportRequest, columns: dict[str, str], tiebreak: str) -> str:
    direction = "DESC" if request.descending else "ASC"
    key = request.sort or next(iter(columns), None)
    if key is None:
        return f"{tiebreak} {direction}"
    return f"{columns[key]} {direction}, {tiebreak} {direction}"


def limit_param(request: ExportRequest) -> int:
    return -1 if request.limit is None else request.limit


def client_filters(sql: SqlWhere, chosen: ExportFilters) -> None:
    """Filters on the client a record belongs to (alias `c`)."""
    if chosen.relationship is not None:
        sql.add("c.relationship = ?", chosen.relationship)
    if chosen.owner_email is not None:
        sql.add("c.owner_email = ?", chosen.owner_email)
    if chosen.band is not None:
        sql.add("c.engagement_band = ?", chosen.band)
    if chosen.health is not None:
        sql.add("c.health_score BETWEEN ? AND ?", *HEALTH_BANDS[chosen.health])
