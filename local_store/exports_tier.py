"""The Tier screen's exports: `tier` (the partner's figures and where they head, one row) and
`credits` (one row per credit event, the detail behind the screen's chart)."""

from __future__ import annotations

import sqlite3
from datetime import UTC

from local_store.exports_base import (
    ExportField,
    ExportRequest,
    Rows,
    SqlSource,
    SqlWhere,
    client_filters,
    like_pattern,
    limit_param,
    order_by,
)

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


def credit_sql(request: ExportRequest) -> SqlSource:
    filters, sql = request.filters, SqlWhere()
    client_filters(sql, filters)
    if filters.search is not None:
        pattern = like_pattern(filters.search)
        sql.add("(c.name LIKE ? ESCAPE '\\' OR c.domain LIKE ? ESCAPE '\\')", pattern, pattern)
    return SqlSource(
        f"FROM credit_event e LEFT JOIN client c ON c.id = e.client_id WHERE {sql.where()} "
        f"ORDER BY {order_by(request, CREDIT_SORTS, 'e.rowid')} LIMIT ?",
        [*sql.params, limit_param(request)],
    )


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


def tier_rows(conn: sqlite3.Connection, request: ExportRequest) -> Rows:
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
