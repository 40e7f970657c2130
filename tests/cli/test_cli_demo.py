"""The demo (issues 15 and 19): one demo at a time per data directory, opened as the chosen
archetype, and afterwards one `demo` profile that every command reads the same way."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import console.demo
from console.cli import app
from console.demo import DemoRunning, demo_lock, run_demo
from local_store.alert_filter import inbox_sections
from local_store.paths import cache_path
from sync.profile import load_profile, write_demo_profile

runner = CliRunner()


def test_a_second_lock_is_refused_and_names_the_holder() -> None:
    with (
        demo_lock(),
        pytest.raises(DemoRunning, match=f"running on this machine \\(process {os.getpid()}\\)"),
        demo_lock(),
    ):
        pass
    with demo_lock():  # released when the first demo ends
        pass


def test_a_second_demo_touches_nothing_of_the_running_one(isolated_environment: Path) -> None:
    cache = cache_path("demo")
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(b"the running demo's data")
    before = cache.stat().st_mtime_ns
    with demo_lock():
        result = subprocess.run(
            [sys.executable, "-c", "from console.launch import main; main()", "demo"],
            capture_output=True,
            text=True,
            env=os.environ.copy(),
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert "another `partnerops demo` is running on this machine" in result.stderr
    assert "partnerops --profile demo" in result.stderr
    assert cache.read_bytes() == b"the running demo's data"
    assert cache.stat().st_mtime_ns == before


def test_an_unknown_archetype_is_a_usage_error() -> None:
    result = runner.invoke(app, ["demo", "--archetype", "closer"])
    assert result.exit_code == 2
    assert "--archetype must be one of implementer, value_driver, deal_closer" in result.output


@pytest.fixture
def demo_run(monkeypatch: pytest.MonkeyPatch) -> list:
    """A real demo (the backend on loopback, a sync) of 40 clients, without the TUI."""
    opened: list = []
    monkeypatch.setattr(console.demo, "open_tui", opened.append)
    run_demo(40, 7, "deal_closer", lambda run: run(None))
    return opened


def test_the_demo_opens_as_the_archetype_on_its_start_screen(demo_run: list) -> None:
    (profile,) = demo_run
    assert profile.archetype == "deal_closer"
    assert profile.start_screen == "clients"
    assert profile.client_columns == ("name", "relationship", "mrr", "health", "renewal", "owner")
    assert profile.user_email
    assert cache_path("demo").exists()


def test_after_the_demo_one_demo_profile_works_everywhere(demo_run: list) -> None:
    (opened,) = demo_run
    for named in ("demo", None):  # --profile demo, and nothing configured at all
        profile = load_profile(named)
        assert (profile.name, profile.user_email) == ("demo", opened.user_email)
        assert (profile.archetype, profile.start_screen) == ("deal_closer", "clients")
        assert profile.cache_path == opened.cache_path
    status = runner.invoke(app, ["status"])
    assert status.exit_code == 0, status.output
    assert "demo" in status.output
    mine = runner.invoke(app, ["export", "clients", "--mine", "--format", "json"])
    assert mine.exit_code == 0, mine.output
    owners = {row["owner_email"] for row in json.loads(mine.output)}
    assert owners == {opened.user_email}


def test_a_configured_profile_wins_over_the_demo(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_demo_profile("ana@partner.test", "implementer")
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://127.0.0.1:9")
    assert load_profile().name == "default"
    monkeypatch.delenv("PARTNEROPS_BACKEND_URL")
    config = Path(os.environ["PARTNEROPS_CONFIG"])
    config.write_text('[profiles.work]\nuser_email = "me@x.test"\n', encoding="utf-8")
    assert load_profile("work").user_email == "me@x.test"
    assert load_profile("demo").archetype == "implementer"


def test_a_profile_from_the_environment_alone_opens_on_something_useful(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PARTNEROPS_TOKEN", "t")
    profile = load_profile()
    assert profile.user_email is None and profile.start_screen == "inbox"
    sections = inbox_sections(profile.settings, profile.archetype, for_user=False)
    # No `mine` (it would match nothing without user_email), and the names say so.
    assert all("mine" not in section.filter for section in sections)
    assert sections[0].name == "Renewals in 45 days (all clients)"
