"""How the command line ends and looks for a person: a closed pipe is a normal end, a usage
error is one line, a table shows every column asked for at any width, `alerts list` and
`export alerts` speak one vocabulary, and server text on a terminal is inert (issue 15 points
14-17, issue 20 point 1)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app
from console.export_formats import column_widths
from console.text import for_person
from local_store.exports import DATASETS

runner = CliRunner()


def _partnerops(*args: str, **options: object) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "console.launch", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    "args",
    [
        ["export", "clients", "--format", "table"],
        ["export", "clients", "--format", "csv"],
        ["export", "alerts", "--format", "json"],
        ["alerts", "list"],
        ["alerts", "list", "--format", "json"],
        ["alerts", "list", "--format", "csv"],
        ["status"],
        ["export", "clients", "--fields", "list"],
        ["--help"],
    ],
    ids=" ".join,
)
def test_a_reader_that_stops_early_is_a_normal_end(cli_profile: Path, args: list[str]) -> None:
    child = _partnerops(*args)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # `| head -0`: the reader is gone before the first write
    errors = child.stderr.read()
    assert child.wait(timeout=60) == 0, errors
    assert errors == b""


@pytest.mark.parametrize(
    "args",
    [
        ["export", "clients", "--bogus"],
        ["export", "clients", "--limit", "-1"],
        ["alerts", "list", "--limit", "0"],
        ["export"],
        ["frobnicate"],
        ["status", "--profile"],
        ["backend", "serve", "--port", "70000"],
    ],
    ids=" ".join,
)
def test_a_usage_error_is_one_line_with_exit_2(args: list[str]) -> None:
    child = _partnerops(*args)
    out, errors = child.communicate(timeout=60)
    assert child.returncode == 2
    text = errors.decode()
    assert text.count("\n") == 1 and text.startswith("partnerops: "), text
    assert "Usage:" not in text and "Try " not in text and "--help" in text


def test_column_widths_never_drop_a_column() -> None:
    for available in range(0, 200):
        widths = column_widths([8, 40, 12, 3, 40, 20], available)
        if widths is not None:
            assert all(width >= 1 for width in widths) and sum(widths) <= available
    assert column_widths([8, 40, 12, 3], 200) == [8, 40, 12, 3]  # room: natural widths
    assert column_widths([8, 40, 12, 3], 30) == [8, 9, 10, 3]  # the widest narrowed first


@pytest.mark.parametrize("columns", [40, 80, 120, 160, 200])
@pytest.mark.parametrize("fields", [None, "id,name,mrr,next_renewal,health_score,account_url"])
def test_a_table_shows_every_column_at_any_width(
    cli_profile: Path, columns: int, fields: str | None
) -> None:
    args = ["export", "clients", "--format", "table", "--limit", "20"]
    result = runner.invoke(
        app, args + (["--fields", fields] if fields else []), env={"COLUMNS": str(columns)}
    )
    assert result.exit_code == 0, result.output
    names = fields.split(",") if fields else [f.name for f in DATASETS["clients"].fields]
    lines = result.stdout.splitlines()
    assert all(len(line) <= columns for line in lines)
    if any(set(line) == {"─"} for line in lines):  # a table: its header, maybe folded
        head = "\n".join(lines[: next(i for i, line in enumerate(lines) if set(line) == {"─"})])
    else:  # too narrow for one: records, and the first one's labels
        head = "\n".join(
            line[: len(max(names, key=len))]
            for line in lines[: [line.strip() for line in lines].index("")]
        )
    for name in names:
        assert name[:6] in head, (name, columns)


def test_alerts_list_and_export_alerts_speak_one_vocabulary(cli_profile: Path) -> None:
    listed = runner.invoke(app, ["alerts", "list", "--status", "any", "--format", "json"])
    exported = runner.invoke(app, ["export", "alerts", "--status", "any", "--format", "json"])
    assert listed.exit_code == 0 and exported.exit_code == 0, listed.output + exported.output
    by_id = {record["id"]: record for record in json.loads(exported.stdout)}
    records = json.loads(listed.stdout)
    assert records and all(record == by_id[record["id"]] for record in records)
    assert all("detail" in record for record in records)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_text_for_a_terminal_is_inert_and_a_pipe_byte_exact() -> None:
    hostile = "a\x1b]52;c;eA==\x07b\x9b31m\u202ec\rd"
    terminal = _Terminal()
    for_person(terminal).write(f"{hostile},x\r\n")
    assert terminal.getvalue() == "a␛]52;c;eA==␇b\ufffd31m\ufffdc␍d,x\n"

    terminal = _Terminal()
    document = json.dumps({"name": hostile}, ensure_ascii=False)
    for_person(terminal, json=True).write(document)
    shown = terminal.getvalue()
    assert not any(char in shown for char in "\x1b\x07\x9b\u202e")
    assert json.loads(shown) == {"name": hostile}  # still valid JSON, and the same value

    pipe = io.StringIO()
    for_person(pipe).write(hostile)
    assert pipe.getvalue() == hostile
