"""`partnerops export`: formats round-trip and match the cache, filters match the TUI's query,
CSV is safe to open in a spreadsheet, errors are one line with the right exit code."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from backend.server import RunningServer
from console.cli import app
from local_store.exports import DATASETS
from local_store.queries import ClientQuery, client_page_in_order, count_clients
from local_store.queries_search import client_order
from local_store.renewals import RenewalQuery, renewal_rows
from local_store.tier import credit_projection, tier_report

runner = CliRunner()
TODAY = date.today()


def export(*args: str) -> Result:
    return runner.invoke(app, ["export", *args])


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def parse_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def query_cache(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def write_cache(path: Path, sql: str, params: tuple = ()) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, params)
    conn.close()


ACTIVE_BY_NAME = (
    "SELECT id, name, mrr_cents, next_renewal_date FROM client "
    "WHERE services_status != 'ended' ORDER BY name, rowid"
)


def test_csv_round_trips_and_matches_the_cache(cli_profile: Path) -> None:
    result = export("clients")
    assert result.exit_code == 0, result.output
    # RFC 4180 line ends (`Result.stdout` turns them into "\n", the bytes keep them).
    header = ",".join(DATASETS["clients"].field_names()) + "\r\n"
    assert result.stdout_bytes.startswith(header.encode())
    assert result.stdout_bytes.count(b"\r\n") == result.stdout_bytes.count(b"\n")
    rows = parse_csv(result.stdout)
    cached = query_cache(cli_profile, ACTIVE_BY_NAME)
    assert len(cached) > 100
    assert [(r["id"], r["name"]) for r in rows] == [(c[0], c[1]) for c in cached]
    assert [Decimal(r["mrr"]) * 100 for r in rows] == [c[2] for c in cached]
    assert all(r["mrr"].count(".") == 1 and len(r["mrr"].split(".")[1]) == 2 for r in rows)
    assert [r["next_renewal"] or None for r in rows] == [c[3] for c in cached]


def test_json_and_jsonl_round_trip_with_money_as_numbers(cli_profile: Path) -> None:
    as_json = json.loads(export("clients", "--format", "json").stdout)
    as_jsonl = parse_jsonl(export("clients", "--format", "jsonl").stdout)
    assert as_json == as_jsonl
    cached = query_cache(cli_profile, ACTIVE_BY_NAME)
    assert [r["id"] for r in as_json] == [c[0] for c in cached]
    for record, (_, _, cents, renewal) in zip(as_json, cached, strict=True):
        assert isinstance(record["mrr"], int | float)
        assert round(record["mrr"] * 100) == cents
        assert record["next_renewal"] == renewal
        assert record["next_renewal"] is None or date.fromisoformat(record["next_renewal"])


EXPECTED_COUNTS: dict[str, str] = {
    "clients": "SELECT count(*) FROM client WHERE services_status != 'ended'",
    "alerts": "SELECT (SELECT count(*) FROM alert) + (SELECT count(*) FROM local_alert)",
    "credits": "SELECT count(*) FROM credit_event",
    "team": "SELECT count(*) FROM team_contact",
    "tier": "SELECT count(*) FROM partner",
    "renewals": (
        "SELECT count(*) FROM renewal r JOIN client c ON c.id = r.client_id "
        "WHERE c.services_status != 'ended' AND r.renewal_date BETWEEN ? AND ?"
    ),
}


@pytest.mark.parametrize("dataset", sorted(DATASETS))
def test_every_dataset_round_trips_in_every_format(cli_profile: Path, dataset: str) -> None:
    names = list(DATASETS[dataset].field_names())
    outputs = {fmt: export(dataset, "--format", fmt) for fmt in ("csv", "json", "jsonl")}
    assert all(result.exit_code == 0 for result in outputs.values()), outputs
    as_csv = parse_csv(outputs["csv"].stdout)
    as_json = json.loads(outputs["json"].stdout)
    assert parse_jsonl(outputs["jsonl"].stdout) == as_json
    assert all(list(record) == names for record in as_json)
    assert [r[names[0]] for r in as_csv] == [str(r[names[0]]) for r in as_json]
    params = (TODAY.isoformat(), (TODAY + timedelta(days=120)).isoformat())
    sql = EXPECTED_COUNTS[dataset]
    (expected,) = query_cache(cli_profile, sql, params if "?" in sql else ())[0]
    assert expected > 0
    assert len(as_json) == len(as_csv) == expected


def test_alerts_are_the_inboxs_backend_and_local_with_the_status_it_shows(
    cli_profile: Path,
) -> None:
    backend, later = (row[0] for row in query_cache(cli_profile, "SELECT id FROM alert LIMIT 2"))
    conn = sqlite3.connect(cli_profile)
    with conn:
        conn.execute(
            "INSERT INTO local_alert (id, client_id, rule, kind, severity, title, detail, "
            "fired_values, occurrence, raised_at, updated_at, status, cleared) "
            "SELECT 'local-1', id, 'rule', 'usage_drop', 'warning', 'Usage fell', '', '{}', "
            "'o-1', '2026-11-01 09:00:00', '2026-11-01 09:00:00', 'open', 0 FROM client LIMIT 1"
        )
        snooze = "UPDATE alert SET status = 'snoozed', snoozed_until = ? WHERE id = ?"
        conn.execute(snooze, ((TODAY - timedelta(days=1)).isoformat(), backend))
        conn.execute(snooze, ((TODAY + timedelta(days=3)).isoformat(), later))
    conn.close()
    rows = {row["id"]: row for row in json.loads(export("alerts", "-f", "json").stdout)}
    assert rows["local-1"]["source"] == "local"
    assert rows[backend]["source"] == "backend"
    # A snooze whose day has come is open again, as in the Inbox; a later one is not.
    assert (rows[backend]["status"], rows[later]["status"]) == ("open", "snoozed")
    open_ids = {
        row["id"] for row in json.loads(export("alerts", "--status", "open", "-f", "json").stdout)
    }
    assert {backend, "local-1"} <= open_ids
    assert later not in open_ids


def test_timestamps_are_utc_with_z_and_dates_iso(cli_profile: Path) -> None:
    alerts = json.loads(export("alerts", "-f", "json").stdout)
    (tier,) = json.loads(export("tier", "-f", "json").stdout)
    for text in [a["raised_at"] for a in alerts] + [tier["figures_as_of"]]:
        assert text.endswith("Z")
        assert datetime.fromisoformat(text).utcoffset() == timedelta(0)
    assert all(a["due_date"] is None or date.fromisoformat(a["due_date"]) for a in alerts)
    assert isinstance(tier["certified"], bool)


def tui_ids(path: Path, query: ClientQuery) -> tuple[list[str], int]:
    """What the Clients screen shows for `query`: ids in order, and its count."""
    conn = sqlite3.connect(path)
    try:
        order = client_order(conn, query)
        rows = client_page_in_order(conn, order, 0, len(order))
        return [row.id for row in rows if row is not None], count_clients(conn, query)
    finally:
        conn.close()


CLIENT_FILTERS: list[tuple[list[str], dict]] = [
    (["--relationship", "managed"], {"relationship": "managed"}),
    (
        ["--band", "medium", "--sort", "mrr:desc"],
        {"engagement_band": "Medium", "sort": "mrr", "descending": True},
    ),
    (["--search", "al", "--sort", "next_renewal"], {"search": "al", "sort": "renewal"}),
    (
        ["--health", "green", "--sort", "health:desc"],
        {"health": "green", "sort": "health", "descending": True},
    ),
    (
        ["--product", "Sales", "--relationship", "sourced"],
        {"product": "Sales", "relationship": "sourced"},
    ),
]


@pytest.mark.parametrize(("args", "query"), CLIENT_FILTERS)
def test_client_filters_agree_with_the_tui(cli_profile: Path, args: list[str], query: dict) -> None:
    result = export("clients", "-f", "jsonl", "--fields", "id", *args)
    assert result.exit_code == 0, result.output
    expected, count = tui_ids(cli_profile, ClientQuery(**query))
    assert 0 < count < len(query_cache(cli_profile, ACTIVE_BY_NAME))
    assert [r["id"] for r in parse_jsonl(result.stdout)] == expected
    assert len(expected) == count


def test_mine_is_the_profiles_user(cli_profile: Path, owner_email: str) -> None:
    result = export("clients", "--mine", "-f", "jsonl", "--fields", "id,owner_email")
    expected, _ = tui_ids(cli_profile, ClientQuery(owner_email=owner_email))
    rows = parse_jsonl(result.stdout)
    assert [r["id"] for r in rows] == expected != []
    assert {r["owner_email"] for r in rows} == {owner_email}
    assert export("clients", "--owner", owner_email).stdout == export("clients", "--mine").stdout


RENEWAL_FILTERS: list[tuple[list[str], dict]] = [
    ([], {"window_days": 120}),
    (["--within", "60d", "--sort", "mrr_change"], {"window_days": 60, "sort": "mrr_change"}),
    (
        ["--status", "pending", "--sort", "client_name:desc"],
        {"window_days": 120, "status": "pending", "sort": "client", "descending": True},
    ),
]


@pytest.mark.parametrize(("args", "query"), RENEWAL_FILTERS)
def test_renewals_agree_with_the_renewals_screen(
    cli_profile: Path, args: list[str], query: dict
) -> None:
    result = export("renewals", "-f", "jsonl", "--fields", "id,days_left", *args)
    assert result.exit_code == 0, result.output
    conn = sqlite3.connect(cli_profile)
    expected = list(renewal_rows(conn, RenewalQuery(**query), TODAY))
    conn.close()
    assert expected
    assert parse_jsonl(result.stdout) == [
        {"id": row.renewal_id, "days_left": row.days_left} for row in expected
    ]


def test_mine_on_renewals_is_the_screens_owner_filter(cli_profile: Path, owner_email: str) -> None:
    rows = parse_jsonl(export("renewals", "--mine", "-f", "jsonl", "--fields", "id").stdout)
    conn = sqlite3.connect(cli_profile)
    expected = list(renewal_rows(conn, RenewalQuery(120, owner_email=owner_email), TODAY))
    conn.close()
    assert [r["id"] for r in rows] == [row.renewal_id for row in expected] != []


def test_tier_is_the_tier_screens_report_and_projection(cli_profile: Path) -> None:
    (row,) = json.loads(export("tier", "-f", "json").stdout)
    conn = sqlite3.connect(cli_profile)
    report, projection = tier_report(conn), credit_projection(conn, TODAY, months=3)
    conn.close()
    assert row["points"] == report.points and row["credited_tier"] == report.credited_tier
    assert row["points_expiring_3_months"] == projection.points_expiring
    assert row["tier_after_3_months"] == projection.tier_after


def test_within_is_a_window_from_today(cli_profile: Path) -> None:
    weeks = export("renewals", "--within", "6w", "-f", "json")
    days = export("renewals", "--within", "42d", "-f", "json")
    assert weeks.stdout == days.stdout
    renewals = json.loads(days.stdout)
    last = TODAY + timedelta(days=42)
    assert renewals and len(renewals) < len(json.loads(export("renewals", "-f", "json").stdout))
    assert all(TODAY <= date.fromisoformat(r["renewal_date"]) <= last for r in renewals)
    for r in renewals:
        deadline = date.fromisoformat(r["decision_deadline"])
        assert r["days_left"] == (deadline - TODAY).days
    clients = json.loads(export("clients", "--within", "42d", "-f", "json").stdout)
    assert clients
    assert all(TODAY <= date.fromisoformat(c["next_renewal"]) <= last for c in clients)


def test_limit_and_sort(cli_profile: Path) -> None:
    rows = json.loads(export("clients", "--sort", "mrr:desc", "--limit", "7", "-f", "json").stdout)
    (top,) = query_cache(
        cli_profile, "SELECT max(mrr_cents) FROM client WHERE services_status != 'ended'"
    )[0:1]
    assert len(rows) == 7
    assert round(rows[0]["mrr"] * 100) == top[0]
    assert [r["mrr"] for r in rows] == sorted((r["mrr"] for r in rows), reverse=True)


HOSTILE_NAMES = [
    '=HYPERLINK("http://x.example")',
    "+1 Corp",
    "-2+3 Ltd",
    "@SUM(A1)",
    "\tTab Co",
    "\rCR Co",
]


def test_csv_neutralises_formulas_but_keeps_negative_money(cli_profile: Path) -> None:
    ids = [row[0] for row in query_cache(cli_profile, ACTIVE_BY_NAME)[: len(HOSTILE_NAMES) + 1]]
    for client_id, name in zip(ids, HOSTILE_NAMES, strict=False):
        write_cache(cli_profile, "UPDATE client SET name = ? WHERE id = ?", (name, client_id))
    (renewal_id,) = json.loads(export("renewals", "-f", "json", "--limit", "1").stdout)[0:1]
    write_cache(
        cli_profile,
        "UPDATE renewal SET mrr_change_cents = -123405 WHERE id = ?",
        (renewal_id["id"],),
    )
    by_id = {r["id"]: r["name"] for r in parse_csv(export("clients", "--fields", "id,name").stdout)}
    for client_id, name in zip(ids, HOSTILE_NAMES, strict=False):
        assert by_id[client_id] == "'" + name
    harmless = ids[len(HOSTILE_NAMES)]
    assert not by_id[harmless].startswith("'")
    renewal = parse_csv(export("renewals", "--fields", "id,mrr_change", "--limit", "1").stdout)[0]
    assert renewal["mrr_change"] == "-1234.05"
    # JSON is data for programs: the name exactly as the cache has it.
    as_json = {r["id"]: r["name"] for r in json.loads(export("clients", "-f", "json").stdout)}
    assert as_json[ids[0]] == HOSTILE_NAMES[0]


def test_table_shows_cache_strings_literally(cli_profile: Path) -> None:
    (client_id,) = query_cache(cli_profile, ACTIVE_BY_NAME)[0][:1]
    hostile = "[red]Boom[/red] \x1b]52;c;ZXZpbA==\x07"
    write_cache(cli_profile, "UPDATE client SET name = ? WHERE id = ?", (hostile, client_id))
    result = export("clients", "-f", "table", "--fields", "name", "--search", "Boom")
    assert result.exit_code == 0
    assert "[red]Boom[/red] ␛]52;c;ZXZpbA==␇" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


USAGE_ERRORS = [
    (["clients", "--fields", "id,nope"], "'nope'"),
    (["clients", "--within", "3x"], "'3x'"),
    (["clients", "--format", "xml"], "'xml'"),
    (["team", "--status", "open"], "--status"),
    (["clients", "--sort", "bogus"], "'bogus'"),
    (["clients", "--sort", "mrr:down"], "mrr:down"),
    (["widgets"], "'widgets'"),
    (["alerts", "--bom", "-f", "json"], "--bom"),
    (["clients", "--band", "huge"], "'huge'"),
    (["clients", "--mine", "--owner", "x@example.com"], "--mine"),
    (["renewals", "--within", "200d"], "120"),
    (["renewals", "--status", "lost"], "'lost'"),
    (["renewals", "--relationship", "managed"], "--relationship"),
]


@pytest.mark.parametrize(("args", "named"), USAGE_ERRORS)
def test_usage_errors_are_one_line_and_exit_2(
    cli_profile: Path, args: list[str], named: str
) -> None:
    result = export(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("partnerops: ")
    assert named in result.stderr


def test_fields_list_names_each_field_with_type_and_meaning() -> None:
    result = export("renewals", "--fields", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(DATASETS["renewals"].field_names())
    assert lines[DATASETS["renewals"].field_names().index("mrr_change")].split()[1] == "money"


def test_bom_for_spreadsheets(cli_profile: Path) -> None:
    result = export("team", "--bom")
    assert result.stdout.startswith("\ufeffid,role,")
    assert len(parse_csv(result.stdout.removeprefix("\ufeff"))) == 3


def test_output_file_takes_its_format_from_the_suffix(cli_profile: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "alerts.json"
    target.parent.mkdir()
    result = export("alerts", "--output", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        export("alerts", "-f", "json").stdout
    )
    assert os.listdir(target.parent) == ["alerts.json"]


def test_output_into_a_missing_directory_is_one_line(cli_profile: Path, tmp_path: Path) -> None:
    result = export("clients", "-o", str(tmp_path / "nowhere" / "x.csv"))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "cannot write" in result.stderr


def _small_file_limit() -> None:
    # Writes past 64 KiB then fail with EFBIG (instead of the default SIGXFSZ kill).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


def test_a_failed_export_leaves_no_partial_file(cli_profile: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "clients.json"
    target.parent.mkdir()
    target.write_text("the last good export\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "console.launch", "export", "clients", "-o", str(target)],
        preexec_fn=_small_file_limit,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == f"partnerops: cannot write {target}: File too large\n"
    assert target.read_text(encoding="utf-8") == "the last good export\n"
    assert os.listdir(target.parent) == ["clients.json"]


def test_a_closed_pipe_ends_quietly_with_exit_0(cli_profile: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "console.launch", "export", "clients", "-f", "jsonl"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    child.stdout.close()  # the reader is gone before the first row: every write hits EPIPE
    stderr = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0
    assert stderr == ""


def test_head_1_in_a_shell_pipeline(cli_profile: Path) -> None:
    command = f"set -o pipefail; {sys.executable} -m console.launch export clients | head -1"
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("id,name,domain,")
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_sync_first_against_the_real_backend(
    export_backend: RunningServer,
    configure: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
    isolated_environment: Path,
) -> None:
    configure(export_backend.url, None)
    monkeypatch.setenv("PARTNEROPS_TOKEN", export_backend.store.partners[0].token)
    assert not (isolated_environment / "default.sqlite3").exists()
    result = export("clients", "--sync", "-f", "jsonl", "--fields", "id")
    assert result.exit_code == 0, result.output
    served = {
        c["id"]
        for c in export_backend.store.partners[0].records("clients")
        if c["services_status"] != "ended"
    }
    assert {r["id"] for r in parse_jsonl(result.stdout)} == served
    assert "synced" in result.stderr


def test_sync_first_with_a_rejected_token_exits_3(
    export_backend: RunningServer, configure: Callable[..., None], monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(export_backend.url, None)
    monkeypatch.setenv("PARTNEROPS_TOKEN", "not-a-token")
    result = export("clients", "--sync")
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert "not-a-token" not in result.stderr


def test_stale_cache_is_reported_on_stderr(cli_profile: Path) -> None:
    three_days_ago = datetime.now(UTC) - timedelta(days=3, minutes=5)
    write_cache(
        cli_profile, "UPDATE sync_state SET last_success = ?", (three_days_ago.isoformat(),)
    )
    result = export("team")
    assert result.exit_code == 0
    assert len(parse_csv(result.stdout)) == 3
    assert result.stderr == (
        f"partnerops: cached data is 3 days old (last sync {three_days_ago:%Y-%m-%d %H:%M} UTC); "
        "run `partnerops sync`\n"
    )


def test_fresh_cache_says_nothing(cli_profile: Path) -> None:
    assert export("team").stderr == ""


def test_stale_after_hours_comes_from_the_profile(
    cli_profile: Path, configure: Callable[..., None], export_backend: RunningServer
) -> None:
    ten_hours_ago = datetime.now(UTC) - timedelta(hours=10)
    write_cache(cli_profile, "UPDATE sync_state SET last_success = ?", (ten_hours_ago.isoformat(),))
    configure(export_backend.url, None, "stale_after_hours = 8\n")
    assert "cached data is 10 hours old" in export("team").stderr
    configure(export_backend.url, None, "stale_after_hours = 12\n")
    assert export("team").stderr == ""
    configure(export_backend.url, None, 'stale_after_hours = "soon"\n')
    result = export("team")
    assert result.exit_code == 2 and "stale_after_hours" in result.stderr


def test_never_synced_cache_says_so(cli_profile: Path) -> None:
    write_cache(cli_profile, "DELETE FROM sync_state")
    assert "never been synced" in export("team").stderr


def documented_fields() -> dict[str, list[tuple[str, str]]]:
    """docs/export-fields.md: each dataset's table as (field, type) rows."""
    doc = Path(__file__).parents[2] / "docs" / "export-fields.md"
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in doc.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
        elif current in DATASETS and line.startswith("| `"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            tables.setdefault(current, []).append((cells[0].strip("`"), cells[1]))
    return tables


def test_the_documented_fields_are_the_exported_ones() -> None:
    assert documented_fields() == {
        name: [(f.name, f.type) for f in dataset.fields] for name, dataset in DATASETS.items()
    }
