"""`partnerops alerts`: list with formats and sections, triage by id, exit codes, and the
backend receiving the triage at the next sync. The cache is synced from the real backend."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend.server import RunningServer, start_in_thread
from backend.store import Store
from console.alerts_cli import FIELDS
from console.cli import app
from local_store.alert_filter import compile_filter
from local_store.alerts import list_matching
from local_store.paths import cache_path

runner = CliRunner()
TODAY = date.today()  # the sync evaluates the rules on the real day, so the data does too


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningServer]:
    """Profile `t` (user: the first employee) synced from a backend of 80 clients."""
    with start_in_thread(Store.generate(80, seed=5, today=TODAY)) as server:
        partner = server.store.partners[0]
        email = sorted(e["email"] for e in partner.records("employees"))[0]
        Path(os.environ["PARTNEROPS_CONFIG"]).write_text(
            f'[profiles.t]\nbackend_url = "{server.url}"\nuser_email = "{email}"\n',
            encoding="utf-8",
        )
        monkeypatch.setenv("PARTNEROPS_PROFILE", "t")
        monkeypatch.setenv("PARTNEROPS_TOKEN", partner.token)
        result = runner.invoke(app, ["sync"])
        assert result.exit_code == 0, result.output
        yield server


def query(sql: str, *params: object) -> list[tuple]:
    conn = sqlite3.connect(cache_path("t"))
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def listed(*args: str) -> list[dict]:
    result = runner.invoke(app, ["alerts", "list", "--format", "json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_json_has_the_stable_fields(synced: RunningServer) -> None:
    rows = listed()
    assert rows and all(list(row) == list(FIELDS) for row in rows)
    assert {row["status"] for row in rows} <= {"open", "acknowledged"}
    assert {row["source"] for row in rows} == {"backend", "local"}
    # The Inbox's order: most at stake first (local_store.impact).
    conn = sqlite3.connect(cache_path("t"))
    try:
        ranked = list_matching(conn, compile_filter("", None, TODAY), limit=len(rows))
    finally:
        conn.close()
    assert [row["id"] for row in rows] == [row.id for row in ranked]
    impacts = [row.impact for row in ranked]
    assert impacts == sorted(impacts, reverse=True)


def test_list_by_section_status_and_mine(synced: RunningServer) -> None:
    everyone = listed("--section", "everything open")
    assert everyone and {row["kind"] for row in everyone} > {"renewal_decision"}
    renewals = listed("--section", "my renewals in 45 days")
    assert {row["kind"] for row in renewals} <= {"renewal_decision"}
    resolved = listed("--status", "resolved")
    assert {row["status"] for row in resolved} <= {"resolved"}
    me = query("SELECT email FROM employee ORDER BY email LIMIT 1")[0][0]
    for row in listed("--mine"):
        owner = query("SELECT owner_email FROM client WHERE id = ?", row["client_id"])[0][0]
        assert row["assignee"] == me or (row["assignee"] is None and owner == me)


def test_jsonl_and_table_and_csv(synced: RunningServer) -> None:
    jsonl = runner.invoke(app, ["alerts", "list", "--format", "jsonl"]).stdout.splitlines()
    assert len(jsonl) == len(listed())
    table = runner.invoke(app, ["alerts", "list"]).stdout.splitlines()
    assert table[0].split()[:3] == ["id", "severity", "status"]
    alert_id = json.loads(jsonl[0])["id"]
    conn = sqlite3.connect(cache_path("t"))
    with conn:
        for table_name in ("alert", "local_alert"):
            conn.execute(
                f"UPDATE {table_name} SET title = '=HYPERLINK(\"x\")' WHERE id = ?", (alert_id,)
            )
    conn.close()
    out = runner.invoke(app, ["alerts", "list", "--format", "csv"]).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert next(r for r in rows if r["id"] == alert_id)["title"] == '\'=HYPERLINK("x")'


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--section", "nope"], "no section 'nope'; the sections are"),
        (["list", "--format", "xml"], "--format must be one of"),
        (["list", "--status", "closed"], "--status must be one of"),
        (["snooze", "a-1", "--until", "someday"], "--until: 'someday' is not a date"),
        (["assign", "a-1"], "give either --to EMAIL or --nobody"),
    ],
)
def test_usage_errors_exit_2_in_one_line(synced: RunningServer, args: list, message: str) -> None:
    result = runner.invoke(app, ["alerts", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0


def test_backend_triage_reaches_the_backend_at_the_next_sync(synced: RunningServer) -> None:
    backend_id = next(row["id"] for row in listed() if row["source"] == "backend")
    result = runner.invoke(app, ["alerts", "ack", backend_id])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"acknowledged {backend_id}: waiting to sync"
    assert query("SELECT kind, target_id FROM outbox") == [("ack_alert", backend_id)]
    assert runner.invoke(app, ["alerts", "note", backend_id, "--text", "called"]).exit_code == 0
    assert runner.invoke(app, ["sync"]).exit_code == 0
    partner = synced.store.partners[0]
    assert partner.get("alerts", backend_id)["status"] == "acknowledged"
    notes = [n["text"] for n in partner.records("notes") if n["target_id"] == backend_id]
    assert notes == ["called"]


def test_local_triage_stays_local(synced: RunningServer) -> None:
    local_id = next(row["id"] for row in listed() if row["source"] == "local")
    result = runner.invoke(app, ["alerts", "snooze", local_id, "--until", "2w", "--reason", "x"])
    assert result.exit_code == 0
    assert "kept on this machine" in result.stdout
    assert query("SELECT status FROM local_alert WHERE id = ?", local_id) == [("snoozed",)]
    assert query("SELECT count(*) FROM outbox") == [(0,)]


def test_a_failed_action_exits_1_and_the_others_still_apply(synced: RunningServer) -> None:
    good = listed()[0]["id"]
    result = runner.invoke(app, ["alerts", "resolve", "no-such-alert", good])
    assert result.exit_code == 1
    assert "no alert 'no-such-alert' in the cache" in result.output
    assert good not in {row["id"] for row in listed()}
    result = runner.invoke(app, ["alerts", "assign", good, "--to", "eve@elsewhere.test"])
    assert result.exit_code == 1
    assert "not one of the partner's employees" in result.output


def test_alerts_cli_never_imports_textual() -> None:
    code = "import sys, console.alerts_cli; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"
