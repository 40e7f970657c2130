"""The `renewals` export: the Renewals screen's own query, so an export and the screen agree."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from itertools import islice

from local_store.exports_base import ExportField, ExportRequest, ExportUsageError, Rows
from local_store.renewals import WINDOWS, RenewalQuery, renewal_rows

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


def renewal_query(request: ExportRequest) -> RenewalQuery:
    """The Renewals screen's query for an export request: the smallest of its windows that
    holds `--within` (`renewal_export_rows` trims to the exact window), same owner, status and
    order."""
    within = request.filters.within_days
    window = WINDOWS[-1] if within is None else min(w for w in WINDOWS if w >= within)
    return RenewalQuery(
        window_days=window,
        owner_email=request.filters.owner_email,
        status=request.filters.status,
        sort=RENEWAL_EXPORT_SORTS[request.sort or "decision_deadline"],
        descending=request.descending,
    )


def check_renewals(request: ExportRequest) -> None:
    within = request.filters.within_days
    if within is not None and within > WINDOWS[-1]:
        raise ExportUsageError(
            f"renewal decisions open {WINDOWS[-1]} days ahead: --within at most {WINDOWS[-1]}d"
        )


def renewal_export_rows(conn: sqlite3.Connection, request: ExportRequest) -> Rows:
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
        # The two dates (fields 4 and 5) as ISO text, like every export's dates.
        yield (*row[:4], row.renewal_date.isoformat(), row.decision_deadline.isoformat(), *row[6:])
