"""One sync of a profile: push the outbox, then pull every resource."""

from __future__ import annotations

import os
from dataclasses import dataclass

from local_store.alert_filter import inbox_sections
from local_store.alert_rules import rule_thresholds
from local_store.database import open_cache
from local_store.health import health_weights
from local_store.signals import refresh_signals
from sync.client import RETRY_TOTAL_S, BackendClient, MissingToken, SyncError
from sync.profile import Profile, with_token
from sync.pull import Progress, PullReport, pull_all
from sync.push import PushReport, push_outbox


class ConfigError(SyncError):
    """A profile setting (health weights, rule thresholds) is wrong: fixed in the config file."""

    exit_code = 2
    user_must_act = True


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
    profile = with_token(profile)
    if profile.source == "hubspot":
        from sync.hubspot.run import run_hubspot_sync  # imports this module: import late

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
    try:
        health_weights(profile.settings)
        rule_thresholds(profile.settings)
        inbox_sections(profile.settings, profile.archetype)  # read after the sync, by the Inbox
    except ValueError as exc:
        raise ConfigError(f"config of profile {profile.name!r}: {exc}") from None
    with BackendClient(
        profile.backend_url,
        profile.token,
        retry_total_s=retry_budget(),
        allow_insecure_http=profile.allow_insecure_http,
    ) as client:
        conn = open_cache(profile.cache_path, create=True)
        try:
            pushed = push_outbox(client, conn)
            pulled = pull_all(client, conn, progress=progress)
            refresh_signals(conn, profile.settings)
            return SyncReport(pushed, pulled)
        finally:
            conn.close()
