"""One sync of a profile whose source is HubSpot: report the outbox as local, pull, recompute."""

from __future__ import annotations

import sqlite3

from local_store import outbox
from local_store.alert_filter import inbox_sections
from local_store.alert_rules import rule_thresholds
from local_store.database import open_cache
from local_store.health import health_weights
from local_store.signals import refresh_signals
from sync.client import MissingToken, SyncError
from sync.engine import ConfigError, SyncReport, retry_budget
from sync.hubspot.api import HubSpotClient
from sync.hubspot.pull import pull_hubspot
from sync.hubspot.settings import load_settings
from sync.profile import Profile
from sync.pull import Progress
from sync.push import PushReport


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


def run_hubspot_sync(profile: Profile, *, progress: Progress | None = None) -> SyncReport:
    if not profile.token:
        raise MissingToken(
            f"no HubSpot private app token for profile {profile.name!r}: set PARTNEROPS_TOKEN "
            f"or run `partnerops login -p {profile.name}`"
        )
    try:
        settings = load_settings(profile.settings)
        health_weights(profile.settings)
        rule_thresholds(profile.settings)
        inbox_sections(profile.settings, profile.archetype)  # read after the sync, by the Inbox
    except (SyncError, ValueError) as exc:
        raise ConfigError(f"config of profile {profile.name!r}: {exc}") from None
    with HubSpotClient(
        profile.token,
        base_url=settings.api_base_url,
        api_version=settings.api_version,
        requests_per_10s=settings.requests_per_10s,
        searches_per_s=settings.searches_per_second,
        retry_total_s=retry_budget(),
    ) as api:
        conn = open_cache(profile.cache_path, create=True)
        try:
            pushed = local_only_actions(conn)
            pulled = pull_hubspot(api, conn, settings, progress=progress)
            refresh_signals(conn, profile.settings)
            return SyncReport(pushed, pulled)
        finally:
            conn.close()
