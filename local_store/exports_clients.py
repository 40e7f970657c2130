"""The `clients` export: the Clients screen's own WHERE and ORDER BY, so an export and the table
agree row for row; the cells are spelled in the SELECT, so a CSV row never becomes a Python
object."""

from __future__ import annotations

from datetime import timedelta

from local_store.exports_base import ExportField, ExportRequest, SqlSource, limit_param
from local_store.queries import OWNER_NAME_OF, ClientQuery, client_sql

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


def client_export_sql(request: ExportRequest) -> SqlSource:
    where, order_by, params = client_sql(client_query(request))
    within = request.filters.within_days
    if within is not None:
        # The Clients screen has no renewal window: --within narrows its rows further.
        last = request.today + timedelta(days=within)
        where = f"{where} AND {NEXT_RENEWAL_SQL} BETWEEN ? AND ?"
        params = [*params, request.today.isoformat(), last.isoformat()]
    return SqlSource(
        f"FROM client WHERE {where} ORDER BY {order_by} LIMIT ?", [*params, limit_param(request)]
    )
