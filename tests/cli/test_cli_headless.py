"""The scripted path: no Textual, one-line errors, distinct exit codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app

runner = CliRunner()


def test_scripted_commands_never_import_textual() -> None:
    code = (
        "import sys, console.cli, sync.engine, sync.pull, local_store.writes; "
        "print('textual' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "False"


SCRIPTED_RUNS = (
    ["export", "clients", "--format", "table", "--limit", "3", "--fields", "id,name,mrr"],
    ["export", "renewals", "--format", "csv"],
    ["export", "alerts", "--format", "json"],
    ["export", "tier", "--format", "jsonl"],
    ["status"],
    ["status", "--format", "json"],
)


def test_export_and_status_run_without_textual(cli_profile: Path) -> None:
    """Run for real in a clean interpreter, including the Rich table, then look."""
    code = (
        "import sys\n"
        "from console.cli import app\n"
        f"for args in {SCRIPTED_RUNS!r}:\n"
        "    try:\n"
        "        app(args)\n"
        "    except SystemExit as exc:\n"
        "        assert not exc.code, (args, exc.code)\n"
        "print('textual' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert '"partner_name"' in done.stdout and "─" in done.stdout  # JSON Lines and a table
    assert done.stderr.splitlines()[-1] == "False"


def test_export_help_loads_nothing_heavy() -> None:
    """`export --help` answers fast because it imports no cache, HTTP or UI library (nor
    pydantic, which Typer 0.29 started loading for every command: pinned below it)."""
    code = (
        "import sys\n"
        "from console.cli import app\n"
        "try:\n"
        "    app(['export', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('textual', 'rich', 'sqlmodel', 'sqlalchemy', 'httpx', 'pydantic', 'keyring')\n"
        "print(sorted(m for m in heavy if m in sys.modules), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "--fields" in done.stdout
    assert done.stderr.splitlines()[-1] == "[]"


def test_sync_without_any_profile_says_how_to_start(isolated_environment: Path) -> None:
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 2
    assert "partnerops demo" in result.output
    assert "Traceback" not in result.output


def test_sync_without_token_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://127.0.0.1:9")
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "PARTNEROPS_TOKEN" in result.output


def test_refuses_plain_http_to_a_remote_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://partners.example.com")
    monkeypatch.setenv("PARTNEROPS_TOKEN", "t")
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 1
    assert "https" in result.output


def test_bad_config_file_is_named(tmp_path: Path) -> None:
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text("[profiles\nbroken", encoding="utf-8")
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 2
    assert "not valid TOML" in result.output


def test_token_in_config_file_is_refused() -> None:
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text(
        '[profiles.default]\nbackend_url = "http://127.0.0.1:9"\ntoken = "abc"\n', encoding="utf-8"
    )
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 2
    assert "remove `token`" in result.output
    assert "abc" not in result.output


def test_bad_option_value_is_a_usage_error() -> None:
    result = runner.invoke(app, ["backend", "serve", "--port", "banana"])
    assert result.exit_code == 2


def test_a_refused_connection_ends_sync_at_once_as_offline() -> None:
    """A closed loopback port refuses for real. The retry budget is ten minutes and the
    subprocess's timeout one: only a sync that stops at the first refusal finishes. One
    line: no traceback, no token."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    env = dict(os.environ, PARTNEROPS_BACKEND_URL=url, PARTNEROPS_TOKEN="tok")
    env["PARTNEROPS_RETRY_SECONDS"] = "600"
    done = subprocess.run(
        [sys.executable, "-m", "console.launch", "sync"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr == (
        f"partnerops: offline: the backend cannot be reached ({url}: could not connect); "
        "sync again when it is back\n"
    )


def test_bare_command_opens_the_tui_without_the_parser() -> None:
    """`partnerops` alone goes straight to the TUI, without the command-line parser's
    start-up cost."""
    code = (
        "import sys\n"
        "from console.launch import main\n"
        "sys.argv = ['partnerops']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"  # no profile configured: it stops before the TUI, having chosen its path
        "import console.app\n"
        "print(sorted(m for m in ('typer', 'pydantic', 'console.cli') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr


def test_bare_command_without_a_profile_is_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "console.launch"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.startswith("partnerops: no profile configured")
    assert done.stderr.count("\n") == 1


def test_bare_command_with_a_broken_config_is_one_line(tmp_path: Path) -> None:
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text("[profiles\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "console.launch"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert "is not valid TOML" in done.stderr and "Traceback" not in done.stderr
