"""`partnerops outbox list|dismiss`: the server's real refusals, read and dismissed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.server import RunningServer, start_in_thread
from backend.store import Store
from console.cli import app
from local_store import outbox
from local_store.database import open_cache
from local_store.paths import cache_path

runner = CliRunner()
NOT_AN_EMPLOYEE = "eve@elsewhere.test"


@pytest.fixture
def refused_twice(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    """Profile `t` synced, then two assignments the server refuses and one action waiting."""
    with start_in_thread(Store.generate(40, seed=8, today=date.today())) as server:
        Path(os.environ["PARTNEROPS_CONFIG"]).write_text(
            f'[profiles.t]\nbackend_url = "{server.url}"\n', encoding="utf-8"
        )
        monkeypatch.setenv("PARTNEROPS_PROFILE", "t")
        monkeypatch.setenv("PARTNEROPS_TOKEN", server.store.partners[0].token)
        assert runner.invoke(app, ["sync"]).exit_code == 0
        conn = open_cache(cache_path("t"))
        alerts = [row[0] for row in conn.execute("SELECT id FROM alert ORDER BY id LIMIT 3")]
        for alert_id in alerts[:2]:
            outbox.assign_alert(conn, alert_id, NOT_AN_EMPLOYEE)
        assert runner.invoke(app, ["sync"]).exit_code == 0
        outbox.acknowledge_alert(conn, alerts[2])
        conn.close()
        yield server


def listed(*args: str) -> list[dict]:
    result = runner.invoke(app, ["outbox", "list", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_says_what_the_server_said(refused_twice: RunningServer) -> None:
    records = listed()
    assert [r["state"] for r in records] == ["waiting", "refused", "refused"]
    refused = records[1:]
    assert all(r["kind"] == "assign_alert" for r in refused)
    assert all("one of the partner's employees" in r["reason"] for r in refused)
    assert listed("--refused") == refused
    table = runner.invoke(app, ["outbox", "list"]).stdout.splitlines()
    assert table[0].split() == ["id", "state", "kind", "target", "queued_at", "reason"]
    assert len(table) == 4 and "refused by the server" in table[2]


def test_dismiss_by_prefix_then_all(refused_twice: RunningServer) -> None:
    first, second = listed("--refused")
    result = runner.invoke(app, ["outbox", "dismiss", first["id"]])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"Dismissed {first['id']}: assign_alert on ")
    assert listed("--refused") == [second]
    result = runner.invoke(app, ["outbox", "dismiss", "--all"])
    assert result.stdout.strip() == "Dismissed 1 refused action."
    assert listed("--refused") == []
    assert [r["state"] for r in listed()] == ["waiting"]  # waiting actions are never dismissed


def test_an_unknown_or_waiting_id_exits_1_and_the_others_are_dismissed(
    refused_twice: RunningServer,
) -> None:
    waiting, first, second = listed()
    result = runner.invoke(app, ["outbox", "dismiss", "nope", waiting["id"], first["key"]])
    assert result.exit_code == 1
    assert "'nope' is no refused action" in result.output
    assert f"{waiting['id']!r} is no refused action" in result.output
    assert listed("--refused") == [second]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["outbox", "dismiss"], "give the ids of refused actions, or --all"),
        (["outbox", "dismiss", "abc", "--all"], "give the ids of refused actions, or --all"),
        (
            ["outbox", "list", "--format", "xml"],
            "--format must be one of table, json, jsonl, not 'xml'",
        ),
    ],
)
def test_usage_errors_exit_2_in_one_line(
    refused_twice: RunningServer, args: list[str], message: str
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip() == f"partnerops: {message}"


def test_outbox_cli_never_imports_textual() -> None:
    code = "import sys, console.outbox_cli; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
