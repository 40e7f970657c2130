"""`partnerops status`: what the cache holds and owes, in JSON or for people; never the token."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app
from local_store.status import COUNTED_TABLES

runner = CliRunner()
TOKEN = "tok-SECRET-4417"
HOSTILE_REASON = "client is locked \x1b[2J\x1b]52;c;ZXZpbA==\x07"


@pytest.fixture
def owing_cache(cli_profile: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The synced cache plus one waiting action, one refused and one quarantined record."""
    monkeypatch.setenv("PARTNEROPS_TOKEN", TOKEN)
    conn = sqlite3.connect(cli_profile)
    with conn:
        for key, state, reason in (("k-1", "pending", None), ("k-2", "rejected", HOSTILE_REASON)):
            conn.execute(
                "INSERT INTO outbox (key, kind, target_id, payload, base_version, created_at, "
                "state, outcome_reason, target_table) VALUES (?, 'end_services', 'c-000001', "
                "'{}', 1, '2026-11-20 08:00:00', ?, ?, 'client')",
                (key, state, reason),
            )
        conn.execute(
            "INSERT INTO quarantine (resource, record_id, reason, raw, received_at) "
            "VALUES ('clients', 'c-bad', 'mrr is not a number', '{}', '2026-11-20 08:00:00')"
        )
    conn.close()
    return cli_profile


def test_json_status_matches_the_cache(owing_cache: Path, owner_email: str) -> None:
    result = runner.invoke(app, ["status", "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["profile"] == "default"
    assert document["user_email"] == owner_email
    assert document["source"] == "backend"
    assert document["backend"].startswith("http://127.0.0.1:")
    conn = sqlite3.connect(owing_cache)
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in COUNTED_TABLES}
    resources = [r for (r,) in conn.execute("SELECT resource FROM sync_state ORDER BY 1")]
    conn.close()
    assert document["counts"] == counts
    assert [r["resource"] for r in document["resources"]] == resources
    assert all(r["last_success"].endswith("Z") for r in document["resources"])
    assert document["last_sync"].endswith("Z")
    assert (document["actions_waiting"], document["actions_refused"]) == (1, 1)
    assert document["refused"] == [
        {
            "kind": "end_services",
            "target_id": "c-000001",
            "state": "rejected",
            "reason": HOSTILE_REASON,
            "created_at": "2026-11-20T08:00:00Z",
        }
    ]
    assert document["quarantined"] == 1
    assert document["quarantined_by_resource"] == {"clients": 1}


def test_table_status_shows_server_text_inert(owing_cache: Path) -> None:
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 0, result.output
    assert "1 waiting to sync, 1 refused" in result.stdout
    assert "end_services on c-000001: rejected (client is locked ␛[2J␛]52;c;ZXZpbA==␇)" in (
        result.stdout
    )
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "set aside 1 malformed records (clients: 1)" in result.stdout


@pytest.mark.parametrize("output_format", ["table", "json"])
def test_status_never_shows_the_token(owing_cache: Path, output_format: str) -> None:
    result = runner.invoke(app, ["status", "--format", output_format])
    assert result.exit_code == 0
    assert TOKEN not in result.output


def test_status_warns_when_the_cache_is_old(cli_profile: Path) -> None:
    conn = sqlite3.connect(cli_profile)
    with conn:
        old = datetime.now(UTC) - timedelta(days=2, hours=1)
        conn.execute("UPDATE sync_state SET last_success = ?", (old.isoformat(),))
    conn.close()
    result = runner.invoke(app, ["status", "--format", "json"])
    assert result.exit_code == 0
    assert "cached data is 2 days old" in result.stderr
    json.loads(result.stdout)  # the warning stays off stdout


def test_bad_format_is_a_usage_error(cli_profile: Path) -> None:
    result = runner.invoke(app, ["status", "--format", "xml"])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "'xml'" in result.stderr


def test_missing_cache_is_one_line(cli_profile: Path) -> None:
    cli_profile.unlink()
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 1
    assert result.stderr == (
        f"partnerops: no cache at {cli_profile}: run `partnerops sync` or `partnerops demo`\n"
    )
