"""The frame every sync runs in, whatever its source: check the profile's config, open the
cache, do the source's work, recompute the signals, close the cache."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from local_store.alert_filter import inbox_sections
from local_store.alert_rules import rule_thresholds
from local_store.database import open_cache
from local_store.health import health_weights
from local_store.signals import refresh_signals
from sync.client import SyncError
from sync.profile import Profile
from sync.pull import PullReport
from sync.push import PushReport
from sync.retry import RETRY_TOTAL_S

RETRY_SECONDS_ENV = "PARTNEROPS_RETRY_SECONDS"


class ConfigError(SyncError):
    """A profile setting (health weights, rule thresholds, inbox sections) is wrong: fixed in
    the config file."""

    exit_code = 2
    user_must_act = True


@dataclass
class SyncReport:
    pushed: PushReport
    pulled: PullReport


def retry_budget() -> float:
    """How long to keep retrying a flaky source; cron jobs may want it short."""
    raw = os.environ.get(RETRY_SECONDS_ENV)
    if raw is None:
        return RETRY_TOTAL_S
    try:
        return max(float(raw), 0.0)
    except ValueError:
        raise SyncError(f"{RETRY_SECONDS_ENV}={raw!r} is not a number of seconds") from None


def check_profile_config(profile: Profile) -> None:
    """The settings the signals need, checked before any request or write."""
    try:
        health_weights(profile.settings)
        rule_thresholds(profile.settings)
        inbox_sections(profile.settings, profile.archetype)  # read after the sync, by the Inbox
    except ValueError as exc:
        raise ConfigError(f"config of profile {profile.name!r}: {exc}") from None


def in_cache(profile: Profile, work: Callable[[sqlite3.Connection], SyncReport]) -> SyncReport:
    """Run `work` on the profile's cache, then recompute what the screens derive from it."""
    conn = open_cache(profile.cache_path, create=True)
    try:
        report = work(conn)
        refresh_signals(conn, profile.settings)
        return report
    finally:
        conn.close()
