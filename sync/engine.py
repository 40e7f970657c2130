"""One sync of a profile: push the outbox, then pull every resource."""

from __future__ import annotations

import os
from dataclasses import dataclass

from local_store.database import open_cache
from sync.client import RETRY_TOTAL_S, BackendClient, SyncError
from sync.profile import Profile
from sync.pull import Progress, PullReport, pull_all
from sync.push import PushReport, push_outbox


@dataclass
class SyncReport:
    pushed: PushReport
    pulled: PullReport


RETRY_SECONDS_ENV = "PARTNEROPS_RETRY_SECONDS"


def retry_budget() -> float:
    """How long to keep retrying a flaky backend; cron jobs may want it short."""
    raw = os.environ.get(RETRY_SECONDS_ENV)
    if raw is None:
        return RETRY_TOTAL_S
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise SyncError(f"{RETRY_SECONDS_ENV}={raw!r} is not a number of seconds") from None


def run_sync(profile: Profile, *, progress: Progress | None = None) -> SyncReport:
    """Push first, so the pull that follows brings back the server's view of our actions."""
    if not profile.backend_url:
        raise SyncError(
            f"profile {profile.name!r} names no backend: set PARTNEROPS_BACKEND_URL "
            "or backend_url in the config file"
        )
    if not profile.token:
        raise SyncError(f"no token for profile {profile.name!r}: set PARTNEROPS_TOKEN")
    with BackendClient(profile.backend_url, profile.token, retry_total_s=retry_budget()) as client:
        conn = open_cache(profile.cache_path, create=True)
        try:
            pushed = push_outbox(client, conn)
            return SyncReport(pushed, pull_all(client, conn, progress=progress))
        finally:
            conn.close()
