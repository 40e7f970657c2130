"""Showing data from the server: literally, never as markup or terminal control.

This module is the one home of that rule. Every string that came from the cache or the
server reaches the screen through `safe_text` (inside a Rich `Text` in the TUI), so
`[red]Acme[/]` shows its brackets and an escape sequence shows as visible symbols instead of
recolouring the terminal or writing to the clipboard (OSC 52). Whole outputs for a person
(CSV, JSON on a terminal) go through `for_person`; a pipe or a file gets the bytes as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import TextIO, cast

from rich.style import Style
from rich.text import Text

REPLACEMENT = "\ufffd"


def _control_table() -> dict[int, str]:
    # C0 controls show as their Unicode control pictures (ESC → ␛), which says what was there.
    table: dict[int, str] = {code: chr(0x2400 + code) for code in range(0x20)}
    table[0x7F] = "\u2421"  # ␡
    for code in range(0x80, 0xA0):  # C1 controls, including the 8-bit CSI and OSC
        table[code] = REPLACEMENT
    # Bidi embeddings, overrides and isolates reorder the text around them; the line and
    # paragraph separators break a table row.
    for code in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029):
        table[code] = REPLACEMENT
    return table


_CONTROL_TABLE = _control_table()
_LINES_TABLE = {code: shown for code, shown in _CONTROL_TABLE.items() if code not in (0x09, 0x0A)}
"""Multi-line output keeps its line breaks and tabs: neither can start an escape sequence."""
_JSON_TABLE = {code: f"\\u{code:04x}" for code in _CONTROL_TABLE if code >= 0x7F}
"""JSON on a terminal: C1 controls and bidi overrides as `\\u` escapes, still valid JSON and
still the same value once parsed (the encoder already escapes C0 controls)."""


def safe_text(value: object) -> str:
    """A value as one line of inert text: controls and bidi overrides replaced visibly."""
    if value is None:
        return ""
    return str(value).translate(_CONTROL_TABLE)


def safe_lines(text: str) -> str:
    """Like `safe_text` but keeps line breaks and tabs; a CR of a CRLF ending goes, a lone CR
    (which would let a line overwrite the one before it) shows as ␍."""
    return text.replace("\r\n", "\n").translate(_LINES_TABLE)


class _PersonStream:
    """A text stream that neutralises what it passes on: for a terminal, never a file."""

    def __init__(self, stream: TextIO, table: dict[int, str], keep_crlf: bool) -> None:
        self._stream, self._table, self._keep_crlf = stream, table, keep_crlf

    def write(self, text: str) -> int:
        if self._keep_crlf:
            return self._stream.write(text.translate(self._table))
        return self._stream.write(safe_lines(text))

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return True


def for_person(stream: TextIO, *, json: bool = False) -> TextIO:
    """`stream` itself when it is a pipe or a file (data stays byte-exact); on a terminal, a
    stream that shows controls and bidi overrides inert: visibly for text and CSV, as `\\u`
    escapes for JSON."""
    if not stream.isatty():
        return stream
    if json:
        return cast(TextIO, _PersonStream(stream, _JSON_TABLE, keep_crlf=True))
    return cast(TextIO, _PersonStream(stream, _LINES_TABLE, keep_crlf=False))


def literal(value: object, style: str | Style = "") -> Text:
    """A Rich `Text` of a server value, never parsed as markup."""
    return Text(safe_text(value), style=style, no_wrap=True, end="")


def format_money(cents: int) -> str:
    """Whole dollars, rounded half up: 123456 → "$1,235"."""
    dollars = (cents + 50) // 100
    return f"${dollars:,}"


def format_date(value: date | None) -> str:
    return value.isoformat() if value else ""


def format_relative(then: datetime, now: datetime) -> str:
    """ "just now", "3 min ago", "2 h ago", "4 d ago"; a time in the future reads "just now"."""
    seconds = (now - then).total_seconds()
    if seconds < 60:
        return "just now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes} min ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} h ago"
    return f"{hours // 24} d ago"


def format_local_time(moment: datetime) -> str:
    """A UTC moment in the machine's local time zone, to the minute."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")
