"""The `team` export: the HubSpot contacts who support the partner."""

from __future__ import annotations

from local_store.exports_base import (
    ExportField,
    ExportRequest,
    SqlSource,
    SqlWhere,
    like_pattern,
    limit_param,
    order_by,
)

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


def team_sql(request: ExportRequest) -> SqlSource:
    sql = SqlWhere()
    if request.filters.search is not None:
        pattern = like_pattern(request.filters.search)
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
        f"ORDER BY {order_by(request, columns, 'rowid')} LIMIT ?",
        [*sql.params, limit_param(request)],
    )
