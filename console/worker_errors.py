"""What a failed background worker was doing, named for the user by its worker group.

The app's one worker-error handler titles its message with this, so a failed link or undo
does not read as a cache problem. A test keeps every worker group of the console named here.
"""

from __future__ import annotations

WORKER_ERROR_TITLES = {
    "clients-query": "Could not read the clients",
    "client-detail": "Could not read the client's details",
    "client-panel": "Could not read the client's details",
    "client-choices": "Could not read the owners and filter choices",
    "inbox-query": "Could not read the alerts",
    "inbox-detail": "Could not read the alert's details",
    "inbox-employees": "Could not read the colleagues to assign",
    "renewals-query": "Could not read the renewals",
    "tier-read": "Could not read the tier",
    "tier-month": "Could not read the month's clients",
    "team-query": "Could not read the HubSpot team",
    "refused-read": "Could not read the refused actions",
    "pending-targets": "Could not read which rows wait to sync",
    "status": "Could not read the sync status",
    "impact": "Could not bring the inbox's order up to date",
    "local-writes": "Could not save the action (or undo it)",
    "open-link": "Could not open the link",
    "sync": "The sync stopped",
}


def worker_error_title(group: str) -> str:
    return WORKER_ERROR_TITLES.get(group, f"Something failed in the background ({group})")
