"""A hostile server cannot reach the terminal through any command that prints for a person
(issue 20). Its text carries OSC 52 (clipboard), OSC 0 (title), CSI colour, the 8-bit CSI,
a bidi override and Rich markup; every command runs in a pseudo-terminal, as a person would
run it, and no live sequence may come out. Piped, the same data stays byte-exact."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hostile_server import (
    FORBIDDEN,
    HOSTILE,
    RefusingProxy,
    hostile_data_file,
    run_in_terminal,
)

from backend.datafile import load_store
from backend.server import start_in_thread

PEOPLE_COMMANDS = [
    ["alerts", "list"],
    ["alerts", "list", "--status", "any", "--format", "csv"],
    ["alerts", "list", "--format", "json"],
    ["alerts", "list", "--format", "jsonl"],
    *(
        ["export", dataset, "--format", output_format]
        for dataset in ("clients", "alerts", "team", "renewals")
        for output_format in ("table", "csv", "json", "jsonl")
    ),
    ["export", "clients"],  # a table, as a terminal gets by default
]


@pytest.fixture
def hostile_profile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RefusingProxy]:
    """Profile "default" synced from the hostile backend, through the refusing proxy."""
    store = load_store(hostile_data_file(tmp_path, date.today()))
    with start_in_thread(store) as server, RefusingProxy(server.url) as proxy:
        Path(os.environ["PARTNEROPS_CONFIG"]).write_text(
            f'[profiles.default]\nbackend_url = "{proxy.url}"\n', encoding="utf-8"
        )
        monkeypatch.setenv("PARTNEROPS_TOKEN", store.partners[0].token)
        code, output = run_in_terminal(["sync"])
        assert code == 0, output
        yield proxy


def _live_sequences(output: bytes) -> list[str]:
    text = output.decode("utf-8", errors="replace")
    return [sequence for sequence in FORBIDDEN if sequence in text]


@pytest.mark.parametrize("args", PEOPLE_COMMANDS, ids=" ".join)
def test_no_live_sequence_reaches_the_terminal(
    hostile_profile: RefusingProxy, args: list[str]
) -> None:
    code, output = run_in_terminal(args)
    assert code == 0, output.decode(errors="replace")
    assert _live_sequences(output) == []
    # The hostile text was printed, inert, or this test proves nothing: its ESC shows as ␛ (as
    # \u001b in JSON), and its C1 and bidi controls as escapes or replacement characters.
    text = output.decode()
    assert "␛]52" in text or "\\u001b]52" in text
    if any(arg.startswith("json") for arg in args):
        assert "\\u009b31mCSI8" in text and "\\u202eBIDI" in text


def test_refusal_reasons_from_the_server_are_inert(hostile_profile: RefusingProxy) -> None:
    conn = sqlite3.connect(Path(os.environ["PARTNEROPS_DATA_DIR"]) / "default.sqlite3")
    alert_ids = [row[0] for row in conn.execute("SELECT id FROM alert ORDER BY id LIMIT 2")]
    conn.close()
    assert len(alert_ids) == 2
    for args in (["sync"], ["export", "alerts", "--sync", "--format", "table"]):
        code, _ = run_in_terminal(["alerts", "ack", alert_ids.pop()])
        assert code == 0
        refused_before = hostile_profile.refused
        code, output = run_in_terminal(args)
        assert hostile_profile.refused == refused_before + 1  # the server did refuse it
        assert code == 0, output
        assert b"refused by the server" in output and b"CLIP" in output
        assert _live_sequences(output) == []
    # `status` lists what the server said about each refused action.
    for args in (["status"], ["status", "--format", "json"]):
        code, output = run_in_terminal(args)
        assert code == 0 and b"CLIP" in output
        assert _live_sequences(output) == []


def test_a_pipe_gets_the_server_text_byte_exact(hostile_profile: RefusingProxy) -> None:
    as_json = json.dumps(HOSTILE, ensure_ascii=False)[1:-1].encode()
    for output_format, expected in (("csv", HOSTILE.encode()), ("jsonl", as_json)):
        for command in (["export", "alerts"], ["alerts", "list", "--status", "any"]):
            done = subprocess.run(
                [sys.executable, "-m", "console.launch", *command, "--format", output_format],
                capture_output=True,
                check=True,
            )
            assert expected in done.stdout, (command, output_format)
