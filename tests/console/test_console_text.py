"""Showing server strings safely, and the formats of money, dates and freshness."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from console.status import StatusSnapshot
from console.text import format_money, format_relative, literal, safe_text
from local_store.queries import ResourceSync, SyncOverview

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "hostile",
    [
        "\x1b]52;c;aGk=\x07",  # OSC 52: write to the clipboard
        "\x1b[31mred",
        "\x9b31m8-bit CSI",
        "line\nbreak\rreturn\ttab",
        "\u202eevil\u202c and \u2066isolate\u2069",
        "\x00nul\x7fdel",
    ],
)
def test_safe_text_leaves_no_control_or_bidi_characters(hostile: str) -> None:
    shown = safe_text(hostile)
    assert len(shown) == len(hostile)  # replaced one for one, nothing silently dropped
    for char in shown:
        code = ord(char)
        assert code >= 0x20 and not 0x7F <= code < 0xA0
        assert not 0x202A <= code <= 0x202E and not 0x2066 <= code <= 0x2069


def test_escape_shows_as_a_visible_symbol() -> None:
    assert safe_text("\x1b[31mEvil") == "␛[31mEvil"
    assert safe_text(None) == ""


def test_literal_never_parses_markup() -> None:
    text = literal("[red]Acme[/]")
    assert text.plain == "[red]Acme[/]" and not text.spans


@pytest.mark.parametrize(
    ("cents", "shown"), [(0, "$0"), (49, "$0"), (50, "$1"), (123_456, "$1,235"), (99, "$1")]
)
def test_format_money(cents: int, shown: str) -> None:
    assert format_money(cents) == shown


@pytest.mark.parametrize(
    ("age", "shown"),
    [
        (timedelta(seconds=10), "just now"),
        (timedelta(seconds=-30), "just now"),
        (timedelta(minutes=3, seconds=59), "3 min ago"),
        (timedelta(hours=2, minutes=5), "2 h ago"),
        (timedelta(days=3), "3 d ago"),
    ],
)
def test_format_relative(age: timedelta, shown: str) -> None:
    assert format_relative(NOW - age, NOW) == shown


def _overview(*, minutes_ago: int | None, waiting: int = 0, error: str | None = None):
    last = NOW - timedelta(minutes=minutes_ago) if minutes_ago is not None else None
    return SyncOverview((ResourceSync("clients", last, error),), waiting, 0)


@pytest.mark.parametrize(
    ("snapshot", "shown"),
    [
        (StatusSnapshot(now=NOW), "never synced"),
        (StatusSnapshot(overview=_overview(minutes_ago=3), now=NOW), "synced 3 min ago"),
        (
            StatusSnapshot(overview=_overview(minutes_ago=120), offline=True, now=NOW),
            "offline — cached 2 h ago",
        ),
        (
            StatusSnapshot(overview=_overview(minutes_ago=5, error="HTTP 500"), now=NOW),
            "last sync failed — cached 5 min ago",
        ),
        (
            StatusSnapshot(overview=_overview(minutes_ago=3, waiting=1), now=NOW),
            "synced 3 min ago · 1 action waiting to sync",
        ),
        (
            StatusSnapshot(overview=_overview(minutes_ago=3), activity="syncing 42%", now=NOW),
            "syncing 42%",
        ),
    ],
)
def test_sync_text(snapshot: StatusSnapshot, shown: str) -> None:
    assert snapshot.sync_text() == shown


def test_sync_tooltip_shows_server_errors_literally() -> None:
    snapshot = StatusSnapshot(overview=_overview(minutes_ago=3, error="[b]\x1b[2Jboom"), now=NOW)
    tooltip = snapshot.sync_tooltip()
    assert "Last error: [b]␛[2Jboom" in tooltip.plain


def test_first_paint_path_imports_nothing_heavy() -> None:
    """The TUI's modules must not load the libraries that cost more than a whole paint."""
    heavy = ["sqlmodel", "sqlalchemy", "pydantic", "httpx", "sync.wire", "fastapi"]
    code = (
        "import sys\n"
        "import console.app, console.commands, console.screens.help\n"
        f"print([name for name in {heavy!r} if name in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parents[2],
    )
    assert result.stdout.strip() == "[]"
