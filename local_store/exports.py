"""The datasets behind `partnerops export`: stable field names, their types, and the rows.

Field names are a public contract (documented in docs/export-fields.md, which a test keeps in
step with `DATASETS`). Rows stream from a cursor one at a time, so an export holds constant
memory at 100,000 clients. Each dataset hands out the cells of the fields asked for, already
spelled for the output style (`export_cells`): dates as ISO text, timestamps as UTC ISO text
ending in `Z`, money and text as the style wants them. A field with a `column` is read and
spelled in SQL; the datasets without columns compute their rows in Python and spell them there.

Plain `sqlite3` like `queries`: the export path must start fast. Every value a user typed
reaches SQL as a parameter; sort expressions come from per-dataset allow-lists.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, timedelta
from itertools import islice
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
from local_store.queries import HEALTH_BANDS, OWNER_NAME_OF, ClientQuery, client_sql, parse_utc
from local_store.renewals import STATUSES, WINDOWS, RenewalQuery, renewal_rows

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
            return self._select(conn, request, ", ".join(_sql_cell(f, style) for f in chosen))
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
            return map(itemgetter(0), self._select(conn, request, line))
        return map(python_csv_line([f.type for f in chosen]), self._computed(conn, request, chosen))

    def _select(self, conn: sqlite3.Connection, request: ExportRequest, columns: str) -> Rows:
        rest, params = self.sql(request)
        _map_file(conn)
        return conn.execute(f"SELECT {columns} {rest}", params)

    def _computed(
        self, conn: sqlite3.Connection, request: ExportRequest, chosen: Sequence[ExportField]
    ) -> Rows:
        picked = [self.fields.index(f) for f in chosen]
        return (tuple(row[i] for i in picked) for row in self.computed(conn, request))


EXPORT_MMAP_BYTES = 1 << 30


def _map_file(conn: sqlite3.Connection) -> None:
    """Read the cache file through a memory map: an export in the Clients screen's order (by
    name) visits the table's pages all over the file, and a map spares a system call and a
    copy for each (a sixth of a 100,000-client export's time)."""
    conn.execute(f"PRAGMA mmap_size = {EXPORT_MMAP_BYTES}")


def _sql_cell(field: ExportField, style: str) -> str:
    if field.inner is None:
        return sql_cell(field.type, field.column, style)
    return sql_subquery_cell(field.type, field.column, field.inner, style)


def _sql_csv_piece(field: ExportField) -> tuple[str, str]:
    if field.inner is None:
        return sql_csv_piece(field.type, field.column, not_null=field.not_null)
    return sql_csv_subquery_piece(field.type, field.column, field.inner)


def _option(filter_name: str) -> str:
    return {"owner_email": "--owner/--mine", "within_days": "--within"}.get(
        filter_name, f"--{filter_name}"
    )


def _contains(text: str) -> str:
    escaped = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _utc_text(text: str | None) -> str | None:
    moment = parse_utc(text)
    if moment is None:
        return text or None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Sql:
    """WHERE clauses and parameters gathered filter by filter."""

    def __init__(self) -> None:
        self.clauses: list[str] = []
        self.params: list[object] = []

    def add(self, clause: str, *params: object) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def where(self) -> str:
        return " AND ".join(self.clauses) or "1"


def _order(request: ExportRequest, columns: dict[str, str], tiebreak: str) -> str:
    direction = "DESC" if request.descending else "ASC"
    key = request.sort or next(iter(columns), None)
    if key is None:
        return f"{tiebreak} {direction}"
    return f"{columns[key]} {direction}, {tiebreak} {direction}"


def _limit(request: ExportRequest) -> int:
    return -1 if request.limit is None else request.limit


# Clients: the Clients screen's own WHERE and ORDER BY, so an export and the table agree row
# for row; the cells are spelled in the SELECT, so a CSV row never becomes a Python object.

# `+` strips the column's NUMERIC affinity, which would compare '0000-01-01' >= '0001' as a
# number; the '+0 days' modifier makes date() roll 2026-02-30 over instead of echoing it.
_STORED, _DAY = "+next_renewal_date", "substr(next_renewal_date, 1, 10)"
NEXT_RENEWAL_SQL = (
    f"CASE WHEN date({_STORED}, '+0 days') = {_STORED} AND {_STORED} >= '0001' THEN {_STORED} "
    f"WHEN date({_DAY}, '+0 days') = {_DAY} AND {_DAY} >= '0001' THEN {_DAY} END"
)
"""The renewal's day as ISO text, as the Clients screen reads it: the first ten characters of
the stored text if they are a real calendar day, else NULL. The first test is the usual case,
the stored text as it is, and spares a substr() per row."""
CLIENT_FIELDS = (
    ExportField("id", "text", "The client's id on the backend.", "id", not_null=True),
    ExportField("name", "text", "Company name.", "name", not_null=True),
    ExportField("domain", "text", "Company web domain.", "domain", not_null=True),
    ExportField(
        "products",
        "text",
        'Hubs and editions owned, e.g. "Marketing Pro, Sales Starter".',
        "products",
        not_null=True,
    ),
    ExportField(
        "relationship", "text", "sourced, assisted or managed.", "relationship", not_null=True
    ),
    ExportField("mrr", "money", "Monthly recurring revenue, US dollars.", "mrr_cents"),
    ExportField(
        "engagement_score", "integer", "Platform engagement score, 0–10.", "engagement_score"
    ),
    ExportField(
        "engagement_band",
        "text",
        "Low (0–3), Medium (4–6) or High (7–10).",
        "engagement_band",
        not_null=True,
    ),
    ExportField(
        "owner_email", "text", "Email of the partner employee who owns the client.", "owner_email"
    ),
    ExportField(
        "owner_name",
        "text",
        "Name of that employee, if the cache knows them.",
        OWNER_NAME_OF,
        "e.name",
    ),
    ExportField(
        "next_renewal", "date", "Earliest upcoming subscription renewal.", NEXT_RENEWAL_SQL
    ),
    ExportField(
        "health_score",
        "integer",
        "The console's health score, 0–100 (empty: unscored).",
        "health_score",
    ),
    ExportField(
        "crm_url",
        "text",
        "The company record in the partner's HubSpot CRM.",
        "crm_url",
        not_null=True,
    ),
    ExportField(
        "account_url", "text", "The client's own HubSpot account.", "account_url", not_null=True
    ),
)
CLIENT_SORTS = {
    "name": "name",
    "domain": "domain",
    "products": "products",
    "relationship": "relationship",
    "mrr": "mrr",
    "engagement_score": "engagement",
    "engagement": "engagement",
    "owner_email": "owner",
    "owner": "owner",
    "next_renewal": "renewal",
    "renewal": "renewal",
    "health_score": "health",
    "health": "health",
}
"""Export sort key (field names and the TUI's names) → `queries.SORT_COLUMNS` key."""


def client_query(request: ExportRequest) -> ClientQuery:
    """The Clients screen's query for an export request: same filters, same order."""
    chosen = request.filters
    return ClientQuery(
        search=chosen.search or "",
        sort=CLIENT_SORTS[request.sort or "name"],
        descending=request.descending,
        relationship=chosen.relationship,
        product=chosen.product,
        owner_email=chosen.owner_email,
        engagement_band=chosen.band,
        health=chosen.health,
    )


def _client_sql(request: ExportRequest) -> SqlSource:
    where, order_by, params = client_sql(client_query(request))
    within = request.filters.within_days
    if within is not None:
        # The Clients screen has no renewal window: --within narrows its rows further.
        last = request.today + timedelta(days=within)
        where = f"{where} AND {NEXT_RENEWAL_SQL} BETWEEN ? AND ?"
        params = [*params, request.today.isoformat(), last.isoformat()]
    return SqlSource(
        f"FROM client WHERE {where} ORDER BY {order_by} LIMIT ?", [*params, _limit(request)]
    )


# Alerts.

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
ALERT_STATUSES = ("open", "acknowledged", "snoozed", "resolved", "any")
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
    return {row[0]: row for row in _alert_rows(conn, request, ids)}


def _alert_rows(
    conn: sqlite3.Connection, request: ExportRequest, ids: Sequence[str] | None = None
) -> Rows:
    from local_store.alert_filter import EFFECTIVE_STATUS_ON
    from local_store.alerts import ALERTS

    # As the Inbox shows it: a snooze whose day has come reads as open.
    status, today = EFFECTIVE_STATUS_ON.format(today="?"), request.today.isoformat()
    chosen, sql = request.filters, _Sql()
    if chosen.status not in (None, "any"):
        sql.add(f"{status} = ?", today, chosen.status)
    if ids is not None:
        sql.add("a.id IN (SELECT value FROM json_each(?))", json.dumps(list(ids)))
    _client_filters(sql, chosen)
    if chosen.search is not None:
        pattern = _contains(chosen.search)
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
        f"ORDER BY {_order(request, ALERT_SORTS, 'a.id')} LIMIT ?",
        [today, *sql.params, _limit(request)],
    )
    for values in cursor:
        yield (*values[:8], _utc_text(values[8]), *values[9:])


def _client_filters(sql: _Sql, chosen: ExportFilters) -> None:
    """Filters on the client a record belongs to (alias `c`)."""
    if chosen.relationship is not None:
        sql.add("c.relationship = ?", chosen.relationship)
    if chosen.owner_email is not None:
        sql.add("c.owner_email = ?", chosen.owner_email)
    if chosen.band is not None:
        sql.add("c.engagement_band = ?", chosen.band)
    if chosen.health is not None:
        sql.add("c.health_score BETWEEN ? AND ?", *HEALTH_BANDS[chosen.health])


# Renewals: the Renewals screen's own query, so an export and the screen agree.

RENEWAL_FIELDS = (
    ExportField("id", "text", "The renewal's id."),
    ExportField("client_id", "text", "The client renewing."),
    ExportField("client_name", "text", "That client's name."),
    ExportField("products", "text", 'Products renewing, e.g. "Sales Hub Professional, …".'),
    ExportField("renewal_date", "date", "When the subscriptions renew."),
    ExportField("decision_deadline", "date", "Last day to decide: 45 days before renewal."),
    ExportField("days_left", "integer", "Days from today to the deadline (negative: passed)."),
    ExportField("status", "text", "pending, confirmed, renewed or cancellation_requested."),
    ExportField("mrr_now", "money", "MRR of the subscriptions renewing, US dollars."),
    ExportField("mrr_change", "money", "Forecast change in MRR at renewal (negative: a loss)."),
    ExportField("communication_owner", "text", "Who talks to the client: partner or hubspot."),
    ExportField("renewal_manager", "text", "HubSpot's renewal manager."),
    ExportField("last_active_employee", "text", "Email of the employee last active on it."),
    ExportField("last_active_name", "text", "That employee's name, if the cache knows them."),
    ExportField("owner_email", "text", "Email of the partner employee who owns the client."),
    ExportField("owner_name", "text", "That employee's name, if the cache knows them."),
    ExportField("crm_url", "text", "The company record in the partner's HubSpot CRM."),
)
RENEWAL_EXPORT_SORTS = {
    "decision_deadline": "deadline",
    "deadline": "deadline",
    "days_left": "deadline",
    "renewal_date": "renewal_date",
    "mrr_now": "mrr",
    "mrr": "mrr",
    "mrr_change": "mrr_change",
    "client_name": "client",
    "client": "client",
}
"""Export sort key (field names and the screen's names) → `renewals.RENEWAL_SORTS` key."""
_RENEWAL_DATES = (4, 5)


def renewal_query(request: ExportRequest) -> RenewalQuery:
    """The Renewals screen's query for an export request: the smallest of its windows that
    holds `--within` (`_renewal_rows` trims to the exact window), same owner, status, order."""
    within = request.filters.within_days
    window = WINDOWS[-1] if within is None else min(w for w in WINDOWS if w >= within)
    return RenewalQuery(
        window_days=window,
        owner_email=request.filters.owner_email,
        status=request.filters.status,
        sort=RENEWAL_EXPORT_SORTS[request.sort or "decision_deadline"],
        descending=request.descending,
    )


def _check_renewals(request: ExportRequest) -> None:
    within = request.filters.within_days
    if within is not None and within > WINDOWS[-1]:
        raise ExportUsageError(
            f"renewal decisions open {WINDOWS[-1]} days ahead: --within at most {WINDOWS[-1]}d"
        )


def _renewal_rows(conn: sqlite3.Connection, request: ExportRequest) -> Rows:
    chosen = request.filters
    last = None
    if chosen.within_days is not None:
        last = request.today + timedelta(days=chosen.within_days)
    search = (chosen.search or "").strip().casefold()
    product = (chosen.product or "").strip().casefold()
    kept = (
        row
        for row in renewal_rows(conn, renewal_query(request), request.today)
        if (last is None or row.renewal_date <= last)
        and search in row.client_name.casefold()
        and product in row.products.casefold()
    )
    for row in islice(kept, request.limit):
        values = list(row)
        for index in _RENEWAL_DATES:
            values[index] = values[index].isoformat()
        yield tuple(values)


# Credits: one row per credit event, the detail behind the Tier screen's chart.

CREDIT_FIELDS = (
    ExportField("id", "text", "The credit event's id.", "e.id", not_null=True),
    ExportField(
        "month", "date", "First day of the month the credit counts in.", "e.month", not_null=True
    ),
    ExportField("client_id", "text", "The client behind the credit.", "e.client_id", not_null=True),
    ExportField("client_name", "text", "That client's name.", "c.name"),
    ExportField(
        "relationship",
        "text",
        "sourced, assisted or managed (sets points per $100).",
        "c.relationship",
    ),
    ExportField("kind", "text", "new, increased, expired or decreased.", "e.kind", not_null=True),
    ExportField(
        "points", "integer", "Tier points; negative for expired and decreased credit.", "e.points"
    ),
    ExportField(
        "mrr_basis",
        "money",
        "The MRR the points were computed from, US dollars.",
        "e.mrr_basis_cents",
    ),
)
CREDIT_SORTS = {
    "month": "e.month",
    "points": "e.points",
    "kind": "e.kind",
    "client_name": "c.name",
}


def _credit_sql(request: ExportRequest) -> SqlSource:
    filters, sql = request.filters, _Sql()
    _client_filters(sql, filters)
    if filters.search is not None:
        pattern = _contains(filters.search)
        sql.add("(c.name LIKE ? ESCAPE '\\' OR c.domain LIKE ? ESCAPE '\\')", pattern, pattern)
    return SqlSource(
        f"FROM credit_event e LEFT JOIN client c ON c.id = e.client_id WHERE {sql.where()} "
        f"ORDER BY {_order(request, CREDIT_SORTS, 'e.rowid')} LIMIT ?",
        [*sql.params, _limit(request)],
    )


# Tier: the partner's figures and where they head, one row, from the Tier screen's reads.

TIER_FIELDS = (
    ExportField("partner_name", "text", "The partner agency."),
    ExportField("credited_tier", "text", "Partner, Gold, Platinum, Diamond or Elite."),
    ExportField("performance_tier", "text", "The tier current performance would earn."),
    ExportField("points", "integer", "Total tier points."),
    ExportField("points_to_next_tier", "integer", "Points still missing for the next tier."),
    ExportField("next_tier", "text", "The next tier (empty at the top)."),
    ExportField("sourced_minimum", "integer", "Points from sourced deals the next tier needs."),
    ExportField("managed_minimum", "integer", "Points from managed clients it needs."),
    ExportField("median_app_usage", "number", "Median apps in use across clients (≥ 3 needed)."),
    ExportField("certified", "boolean", "Partner-certified status."),
    ExportField("growth_market", "boolean", "Growth-market partners' points count double."),
    ExportField("figures_as_of", "timestamp", "When the vendor last refreshed these figures."),
    ExportField(
        "points_expiring_3_months", "integer", "Credit expiring in the next 3 calendar months."
    ),
    ExportField("points_after_3_months", "integer", "Points left then if nothing is sold."),
    ExportField("tier_after_3_months", "text", "The tier those points would hold."),
)


def _tier_rows(conn: sqlite3.Connection, request: ExportRequest) -> Rows:
    # Only this dataset needs the Tier screen's reads: not loaded for the others.
    from local_store.tier import credit_projection, tier_report

    report = tier_report(conn)
    if report is None or request.limit == 0:
        return
    projection = credit_projection(conn, request.today, months=3)
    as_of = report.figures_as_of
    yield (
        *report[:-1],
        as_of.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if as_of else None,
        projection.points_expiring,
        projection.points_after,
        projection.tier_after,
    )


# Team: the HubSpot contacts who support the partner.

TEAM_FIELDS = (
    ExportField("id", "text", "The contact's id.", "id", not_null=True),
    ExportField("role", "text", "e.g. Partner Development Manager.", "role", not_null=True),
    ExportField("name", "text", "Full name.", "name", not_null=True),
    ExportField("email", "text", "Email address.", "email", not_null=True),
    ExportField("description", "text", "How they help.", "description", not_null=True),
    ExportField("phone", "text", "Phone number, if given.", "phone"),
    ExportField("meeting_url", "text", "Meeting booking link, if given.", "meeting_url"),
)
TEAM_SORTS = {"role": "role", "name": "name"}


def _team_sql(request: ExportRequest) -> SqlSource:
    sql = _Sql()
    if request.filters.search is not None:
        pattern = _contains(request.filters.search)
        sql.add(
            "(name LIKE ? ESCAPE '\\' OR role LIKE ? ESCAPE '\\' OR email LIKE ? ESCAPE '\\')",
            pattern,
            pattern,
            pattern,
        )
    # No sort asked: the server's order, which lists the current contact first.
    columns = TEAM_SORTS if request.sort else {}
    return SqlSource(
        f"FROM team_contact WHERE {sql.where()} "
        f"ORDER BY {_order(request, columns, 'rowid')} LIMIT ?",
        [*sql.params, _limit(request)],
    )


_CLIENT_SIDE = frozenset({"relationship", "owner_email", "band", "health", "search"})

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "clients",
            CLIENT_FIELDS,
            _CLIENT_SIDE | {"product", "within_days"},
            tuple(CLIENT_SORTS),
            sql=_client_sql,
        ),
        Dataset(
            "renewals",
            RENEWAL_FIELDS,
            frozenset({"owner_email", "status", "within_days", "search", "product"}),
            tuple(RENEWAL_EXPORT_SORTS),
            computed=_renewal_rows,
            statuses=STATUSES,
            extra_check=_check_renewals,
        ),
        Dataset(
            "alerts",
            ALERT_FIELDS,
            _CLIENT_SIDE | {"within_days", "status"},
            tuple(ALERT_SORTS),
            computed=_alert_rows,
            statuses=ALERT_STATUSES,
        ),
        Dataset("tier", TIER_FIELDS, frozenset(), (), computed=_tier_rows),
        Dataset("credits", CREDIT_FIELDS, _CLIENT_SIDE, tuple(CREDIT_SORTS), sql=_credit_sql),
        Dataset("team", TEAM_FIELDS, frozenset({"search"}), tuple(TEAM_SORTS), sql=_team_sql),
    )
}
"""Every dataset `partnerops export` knows, by the name on its command line."""
