"""One sync of a profile: open its cache, talk to its backend, pull every resource."""

from __future__ import annotations

from local_store.database import open_cache
from sync.client import BackendClient, SyncError
from sync.profile import Profile
from sync.pull import Progress, PullReport, pull_all


def run_sync(profile: Profile, *, progress: Progress | None = None) -> PullReport:
    if not profile.backend_url:
        raise SyncError(
            f"profile {profile.name!r} names no backend: set PARTNEROPS_BACKEND_URL "
            "or backend_url in the config file"
        )
    if not profile.token:
        raise SyncError(f"no token for profile {profile.name!r}: set PARTNEROPS_TOKEN")
    conn = open_cache(profile.cache_path, create=True)
    try:
        with BackendClient(profile.backend_url, profile.token) as client:
            return pull_all(client, conn, progress=progress)
    finally:
        conn.close()
