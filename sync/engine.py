"""One sync of a profile: push the outbox, then pull every resource."""

from __future__ import annotations

from sync.client import BackendClient, MissingToken, SyncError
from sync.profile import Profile, with_token
from sync.pull import Progress, pull_all
from sync.push import push_outbox
from sync.session import ConfigError, SyncReport, check_profile_config, in_cache, retry_budget

__all__ = ["ConfigError", "SyncReport", "run_sync"]


def run_sync(profile: Profile, *, progress: Progress | None = None) -> SyncReport:
    """Push first, so the pull that follows brings back the server's view of our actions."""
    profile = with_token(profile)
    if profile.source == "hubspot":
        from sync.hubspot.run import run_hubspot_sync  # httpx-heavy HubSpot code: load on use

        return run_hubspot_sync(profile, progress=progress)
    if not profile.backend_url:
        raise SyncError(
            f"profile {profile.name!r} names no backend: set PARTNEROPS_BACKEND_URL "
            "or backend_url in the config file"
        )
    if not profile.token:
        raise MissingToken(
            f"no token for profile {profile.name!r}: run `partnerops login` or set PARTNEROPS_TOKEN"
        )
    check_profile_config(profile)
    with BackendClient(
        profile.backend_url,
        profile.token,
        retry_total_s=retry_budget(),
        allow_insecure_http=profile.allow_insecure_http,
    ) as client:
        return in_cache(
            profile,
            lambda conn: SyncReport(
                push_outbox(client, conn), pull_all(client, conn, progress=progress)
            ),
        )
