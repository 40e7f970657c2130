"""Pushing the outbox: intents in order, each settled by the server's answer."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from local_store import outbox
from sync.client import BackendClient
from sync.pull import to_row
from sync.wire import RESOURCE_MODELS, Action, ActionKind, ActionOutcome, ActionResult

PUSH_BATCH = 100
TABLE_RESOURCES = {"client": "clients", "renewal": "renewals", "alert": "alerts", "note": "notes"}


@dataclass
class PushReport:
    applied: int = 0
    refused: list[str] = field(default_factory=list)
    """One readable line per rejected or conflicting action."""


def _server_row(entry: outbox.OutboxEntry, result: ActionResult) -> dict | None:
    """The server's current record as a cache row, if it sent a valid one."""
    resource = TABLE_RESOURCES.get(entry.target_table)
    if result.current is None or resource is None:
        return None
    try:
        record = RESOURCE_MODELS[resource].model_validate(result.current)
    except ValueError:
        return None
    return to_row(resource, record)


def _describe(entry: outbox.OutboxEntry, result: ActionResult) -> str:
    what = entry.kind.replace("_", " ")
    if result.outcome is ActionOutcome.CONFLICT:
        return (
            f"{what} on {entry.target_id}: changed on the server meanwhile; "
            "kept the server's version"
        )
    return (
        f"{what} on {entry.target_id}: refused by the server ({result.reason or 'no reason given'})"
    )


def push_outbox(client: BackendClient, conn: sqlite3.Connection) -> PushReport:
    report = PushReport()
    while batch := outbox.pending_actions(conn, PUSH_BATCH):
        actions = [
            Action(
                key=e.key,
                kind=ActionKind(e.kind),
                target_id=e.target_id,
                payload=e.payload,
                base_version=e.base_version,
            )
            for e in batch
        ]
        answers = {r.key: r for r in client.push(actions).results}
        for entry in batch:
            result = answers.get(entry.key)
            if result is None:
                # Unanswered: stop here so order is kept; the next sync sends it again.
                return report
            if result.outcome in (ActionOutcome.APPLIED, ActionOutcome.DUPLICATE):
                outbox.settle_done(conn, entry.key)
                report.applied += 1
            else:
                reason = _describe(entry, result)
                state = (
                    outbox.CONFLICT if result.outcome is ActionOutcome.CONFLICT else outbox.REJECTED
                )
                outbox.settle_refused(conn, entry.key, state, reason, _server_row(entry, result))
                report.refused.append(reason)
    return report
