"""One sync of a profile whose source is HubSpot: report the outbox as local, pull, recompute."""

from __future__ import annotations

import sqlite3

from local_store import outbox
from sync.client import MissingToken, SyncError
from sync.hubspot.api import HubSpotClient
from sync.hubspot.preflight import prepare
from sync.hubspot.pull import pull_hubspot
from sync.hubspot.settings import HubSpotSettings, load_settings
from sync.profile import Profile
from sync.pull import Progress
from sync.push import PushReport
from sync.session import ConfigError, SyncReport, check_profile_config, in_cache, retry_budget


def local_only_actions(conn: sqlite3.Connection) -> PushReport:
    """HubSpot cannot create or delete partner clients and has no API for the console's other
    actions, so nothing is pushed. Actions stay queued (their local effect stays visible and
    undo still works) and each sync says so once per action; a profile pointed back at the
    backend sends them then."""
    report = PushReport()
    for entry in outbox.pending_actions(conn):
        what = entry.kind.replace("_", " ").capitalize()
        report.refused.append(
            f"{what} ({entry.target_id}) is not available when the source is HubSpot; "
            "the action stays local"
        )
    return report


def hubspot_settings(profile: Profile) -> HubSpotSettings:
    try:
        return load_settings(profile.settings)
    except SyncError as exc:
        raise ConfigError(f"config of profile {profile.name!r}: {exc}") from None


def hubspot_client(profile: Profile, settings: HubSpotSettings) -> HubSpotClient:
    if not profile.token:
        raise MissingToken(
            f"no HubSpot private app token for profile {profile.name!r}: set PARTNEROPS_TOKEN "
            f"or run `partnerops login -p {profile.name}`"
        )
    return HubSpotClient(
        profile.token,
        base_url=settings.api_base_url,
        api_version=settings.api_version,
        requests_per_10s=settings.requests_per_10s,
        searches_per_s=settings.searches_per_second,
        retry_total_s=retry_budget(),
    )


def run_hubspot_sync(profile: Profile, *, progress: Progress | None = None) -> SyncReport:
    settings = hubspot_settings(profile)
    check_profile_config(profile)
    with hubspot_client(profile, settings) as api:
        plan = prepare(api, settings, profile.name)  # scopes and mapping, before any write
        return in_cache(
            profile,
            lambda conn: SyncReport(
                local_only_actions(conn),
                pull_hubspot(api, conn, settings, plan=plan, progress=progress),
            ),
        )
