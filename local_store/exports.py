"""The datasets behind `partnerops export`, by the name on its command line.

Each dataset lives in its own module (`exports_clients`, `exports_renewals`, `exports_alerts`,
`exports_tier`, `exports_team`) on the pieces in `exports_base`; this module gathers them and
is what the commands import.
"""

from __future__ import annotations

from local_store.exports_alerts import ALERT_FIELDS, ALERT_SORTS, ALERT_STATUSES, alert_rows
from local_store.exports_base import (
    FIELD_TYPES,
    Dataset,
    ExportField,
    ExportFilters,
    ExportRequest,
    ExportUsageError,
)
from local_store.exports_clients import CLIENT_FIELDS, CLIENT_SORTS, client_export_sql
from local_store.exports_renewals import (
    RENEWAL_EXPORT_SORTS,
    RENEWAL_FIELDS,
    check_renewals,
    renewal_export_rows,
)
from local_store.exports_team import TEAM_FIELDS, TEAM_SORTS, team_sql
from local_store.exports_tier import CREDIT_FIELDS, CREDIT_SORTS, TIER_FIELDS, credit_sql, tier_rows
from local_store.renewals import STATUSES as RENEWAL_STATUSES

__all__ = [
    "DATASETS",
    "FIELD_TYPES",
    "Dataset",
    "ExportField",
    "ExportFilters",
    "ExportRequest",
    "ExportUsageError",
]

_CLIENT_SIDE = frozenset({"relationship", "owner_email", "band", "health", "search"})

DATASETS: dict[str, Dataset] = {
    dataset.name: dataset
    for dataset in (
        Dataset(
            "clients",
            CLIENT_FIELDS,
            _CLIENT_SIDE | {"product", "within_days"},
            tuple(CLIENT_SORTS),
            sql=client_export_sql,
        ),
        Dataset(
            "renewals",
            RENEWAL_FIELDS,
            frozenset({"owner_email", "status", "within_days", "search", "product"}),
            tuple(RENEWAL_EXPORT_SORTS),
            computed=renewal_export_rows,
            statuses=RENEWAL_STATUSES,
            extra_check=check_renewals,
        ),
        Dataset(
            "alerts",
            ALERT_FIELDS,
            _CLIENT_SIDE | {"within_days", "status"},
            tuple(ALERT_SORTS),
            computed=alert_rows,
            statuses=ALERT_STATUSES,
        ),
        Dataset("tier", TIER_FIELDS, frozenset(), (), computed=tier_rows),
        Dataset("credits", CREDIT_FIELDS, _CLIENT_SIDE, tuple(CREDIT_SORTS), sql=credit_sql),
        Dataset("team", TEAM_FIELDS, frozenset({"search"}), tuple(TEAM_SORTS), sql=team_sql),
    )
}
"""Every dataset `partnerops export` knows, by the name on its command line."""
