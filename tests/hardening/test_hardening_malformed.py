"""Malformed answers from the backend and bad config files: one clear line, nothing
half-written. (Wrong types and missing fields inside records are quarantined: see
tests/sync/test_sync_loopback.py; truncated bodies under load: the flaky-backend test there.)"""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path

import pytest
from hardening_helpers import CannedBackend
from loopback_backend import TODAY
from typer.testing import CliRunner

from backend.store import Store
from console.cli import app
from local_store.database import open_cache
from local_store.paths import cache_path
from sync.client import BackendUnavailable, BadResponse, SyncError
from sync.engine import run_sync
from sync.profile import Profile
from sync.wire import DEFAULT_PAGE_SIZE

runner = CliRunner()


def _client_records(count: int) -> list[dict]:
    store = Store.generate(max(count, 5), seed=3, today=TODAY)
    return json.loads(json.dumps(store.partners[0].records("clients")[:count], default=str))


def _page(items: list, has_more: bool = False) -> bytes:
    return json.dumps({"items": items, "deleted": [], "next": "t1", "has_more": has_more}).encode()


def _sync_against(answers: dict[str, bytes]) -> tuple[SyncError | None, sqlite3.Connection]:
    with CannedBackend(answers) as server:
        profile = Profile(
            name="canned", cache_path=cache_path("canned"), backend_url=server.url, token="t"
        )
        try:
            run_sync(profile)
            failure = None
        except SyncError as exc:
            failure = exc
    return failure, open_cache(profile.cache_path)


def _nothing_of_clients(conn: sqlite3.Connection) -> bool:
    rows = conn.execute("SELECT count(*) FROM client").fetchone()[0]
    token = conn.execute(
        "SELECT change_token FROM sync_state WHERE resource = 'clients'"
    ).fetchone()
    return rows == 0 and (token is None or token[0] is None)


def test_invalid_utf8_is_one_clear_error_and_writes_nothing(no_backoff: None) -> None:
    records = _client_records(3)
    body = _page(records).replace(records[1]["name"].encode(), b"caf\xe9 \xff\xfe")
    failure, conn = _sync_against({"clients": body})
    assert isinstance(failure, BackendUnavailable)
    assert "invalid JSON" in str(failure)
    assert _nothing_of_clients(conn)
    # The resources before it committed, with their tokens: the next sync resumes there.
    assert conn.execute("SELECT change_token FROM sync_state WHERE resource = 'partner'").fetchone()


def test_a_page_larger_than_asked_for_is_refused_whole() -> None:
    records = _client_records(3)
    oversized = [dict(records[i % 3], id=f"c-flood-{i}") for i in range(DEFAULT_PAGE_SIZE + 1)]
    failure, conn = _sync_against({"clients": _page(oversized)})
    assert isinstance(failure, BadResponse)
    assert f"at most {DEFAULT_PAGE_SIZE:,}" in str(failure)
    assert _nothing_of_clients(conn)


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"items": {"a": 1}, "deleted": [], "next": "t", "has_more": false}',
        b'{"items": [], "deleted": [], "has_more": false}',
        b'{"items": [], "deleted": [7], "next": "t", "has_more": "maybe"}',
    ],
    ids=["list", "items-not-a-list", "no-next", "wrong-types"],
)
def test_a_page_of_the_wrong_shape_is_one_clear_error(body: bytes) -> None:
    failure, conn = _sync_against({"clients": body})
    assert isinstance(failure, BadResponse)
    assert str(failure) == "the backend sent a malformed page of clients"
    assert _nothing_of_clients(conn)


def test_truncated_json_every_time_is_one_clear_error(no_backoff: None) -> None:
    body = _page(_client_records(3))
    failure, conn = _sync_against({"clients": body[: len(body) // 2]})
    assert isinstance(failure, BackendUnavailable)
    assert _nothing_of_clients(conn)


def test_a_lone_surrogate_is_one_clear_error_not_a_crash(no_backoff: None) -> None:
    """Legal JSON escape, impossible text: SQLite could not store it as UTF-8."""
    records = _client_records(2)
    records[0]["name"] = "bad \ud800 half"
    failure, conn = _sync_against({"clients": _page(records)})
    assert isinstance(failure, BackendUnavailable)
    assert _nothing_of_clients(conn)


@pytest.mark.parametrize(
    ("config", "named"),
    [
        ("not toml at all = = =", "not valid TOML"),
        ("profiles = 3", "[profiles] must be a table"),
        ("default_profile = 5", "default_profile"),
        ("[profiles.default]\nbackend_url = 8080", "backend_url must be a string"),
        ("[profiles.default]\nuser_email = ['a']", "user_email must be a string"),
        ("[profiles.default]\nsync_interval_seconds = 'soon'", "sync_interval_seconds"),
        ("[profiles.default]\nallow_insecure_http = 'yes'", "allow_insecure_http"),
        ("[profiles.default]\nclient_columns = 'name'", "client_columns"),
    ],
)
def test_a_bad_config_file_is_one_line_naming_file_and_key(config: str, named: str) -> None:
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text(config, encoding="utf-8")
    for command in (["sync"], ["status"], ["cache", "check"], ["login"]):
        result = runner.invoke(app, command, input="t\n")
        assert result.exit_code == 2, (command, result.output)
        assert result.output.strip().count("\n") == 0, result.output
        assert os.environ["PARTNEROPS_CONFIG"] in result.output
        assert named in result.output
