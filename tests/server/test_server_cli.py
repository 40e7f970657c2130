"""`partnerops server …`: issuing, listing and revoking tokens, exporting the audit."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from server_helpers import Team, act, pull, start_team
from typer.testing import CliRunner

from console.cli import app

runner = CliRunner()


def _cli(*args: str, database: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["server", *args, "--database", database])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def sqlite_team(tmp_path: Path) -> Iterator[Team]:
    with start_team(str(tmp_path / "team.sqlite3")) as team:
        yield team


def test_user_add_list_revoke(sqlite_team: Team) -> None:
    team, database = sqlite_team, sqlite_team.database
    code, token, said = _cli(
        "user",
        "add",
        "kim@team.example",
        "--partner",
        team.partners[0].upper(),
        "--role",
        "admin",
        database=database,
    )
    assert code == 0 and "shown once" in said
    token = token.strip()
    headers = {"Authorization": f"Bearer {token}"}
    me = httpx.get(f"{team.url}/v1/me", headers=headers).json()
    assert me == {"email": "kim@team.example", "role": "admin", "partner": team.partners[0]}
    code, listed, _ = _cli("user", "list", database=database)
    assert code == 0 and "kim@team.example\tadmin" in listed and token not in listed
    code, _, said = _cli("user", "revoke", "kim@team.example", database=database)
    assert code == 0 and "revoked 1" in said
    assert httpx.get(f"{team.url}/v1/me", headers=headers).status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["user", "add", "a@b.example", "--partner", "Nobody Inc"], "no partner 'Nobody Inc'"),
        (["user", "add", "not an email", "--partner", "x"], "the email must look like"),
        (["user", "add", "a@b.example", "--partner", "x", "--role", "boss"], "role must be"),
        (["user", "revoke", "ghost@b.example"], "ghost@b.example has no active token"),
        (["audit", "--partner", "Nobody Inc"], "no partner 'Nobody Inc'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sqlite_team: Team, args: list[str], message: str) -> None:
    code, out, said = _cli(*args, database=sqlite_team.database)
    assert code == 2 and message in said and said.count("\n") == 1 and not out


def test_a_bad_database_is_one_line(tmp_path: Path) -> None:
    code, _, said = _cli("user", "list", database="mysql://nowhere/db")
    assert code == 1 and said.startswith("partnerops: the database must be")


def test_audit_export(sqlite_team: Team, tmp_path: Path) -> None:
    team = sqlite_team
    with team.client("lee") as lee:
        alert = next(a["id"] for a in pull(lee, "alerts")[0] if a["status"] == "open")
        act(lee, {"key": "z1", "kind": "ack_alert", "target_id": alert})
    output = tmp_path / "audit.csv"
    code, _, _ = _cli(
        "audit",
        "--partner",
        team.partners[0],
        "--output",
        str(output),
        database=team.database,
    )
    lines = output.read_text().splitlines()
    assert code == 0 and lines[0] == "id,at,actor,kind,target_id,key,outcome,reason"
    assert lines[1].split(",")[2:7] == ["lee@team.example", "ack_alert", alert, "z1", "applied"]


def test_the_server_commands_never_import_textual() -> None:
    code = (
        "import sys, console.cli, console.server_cli, backend.team.run; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


def test_server_run_migrates_pulls_serves_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    database = tmp_path / "team.sqlite3"
    command = [sys.executable, "-c", "from console.launch import main; main()", "server", "run",
               "--database", str(database), "--demo", "--clients", "20", "--port", "0"]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stderr is not None
        said = []
        for line in process.stderr:
            said.append(line)
            if line.startswith("listening on "):
                break
        url = said[-1].split()[-1]
        assert any("written, 0 deleted" in line for line in said)
        assert any("no one has a token yet" in line for line in said)
        assert httpx.get(f"{url}/v1/ready").json() == {"status": "ready"}
        assert httpx.get(f"{url}/v1/changes/partner").status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(20) == 0
