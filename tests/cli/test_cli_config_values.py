"""Settings that are numbers but not sane are refused in one line naming the key, exit 2,
before anything connects (issue 20, point 6)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app
from local_store.alert_rules import DEFAULT_THRESHOLDS, THRESHOLD_LIMITS

runner = CliRunner()

BAD_SETTINGS = [
    ("[profiles.t.health.weights]\nengagement = inf\n", "health.weights.engagement"),
    ("[profiles.t.health.weights]\nusage = nan\n", "health.weights.usage"),
    ("[profiles.t.health.weights]\nmrr = 1e308\n", "health.weights.mrr"),
    ('[profiles.t.health.weights]\nsetup = "10"\n', "health.weights.setup"),
    ("[profiles.t.rules]\nrenewal_due_days = inf\n", "rules.renewal_due_days"),
    ("[profiles.t.rules]\nusage_users_drop_percent = 150\n", "rules.usage_users_drop_percent"),
    ("[profiles.t.rules]\nengagement_low_max = -inf\n", "rules.engagement_low_max"),
    ("[profiles.t.inbox]\nsections = 7\n", "inbox.sections"),
    ("[profiles.t]\nsync_interval_seconds = 1e308\n", "sync_interval_seconds"),
    ("[profiles.t]\nsync_interval_seconds = nan\n", "sync_interval_seconds"),
    ('[profiles.t]\nsync_interval_seconds = "300"\n', "sync_interval_seconds"),
    ("[profiles.t]\nstale_after_hours = inf\n", "stale_after_hours"),
]


@pytest.mark.parametrize(("toml", "key"), BAD_SETTINGS, ids=[key for _, key in BAD_SETTINGS])
def test_an_insane_number_is_refused_naming_its_key(
    toml: str, key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nothing listens on port 9: the check must come before any connection.
    lines = ["[profiles.t]", 'backend_url = "http://127.0.0.1:9"']
    table, _, body = toml.partition("\n")
    config = "\n".join(lines) + "\n" + (body if table == "[profiles.t]" else toml)
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text(config, encoding="utf-8")
    monkeypatch.setenv("PARTNEROPS_PROFILE", "t")
    monkeypatch.setenv("PARTNEROPS_TOKEN", "t0ken")

    result = runner.invoke(app, ["sync"])

    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1, result.stderr
    assert key in result.stderr and "unexpected" not in result.stderr


def test_every_rule_threshold_has_a_range() -> None:
    assert THRESHOLD_LIMITS.keys() == DEFAULT_THRESHOLDS.keys()
