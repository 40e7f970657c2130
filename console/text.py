"""Showing data from the server: literally, never as markup or terminal control.

Every string that came from the cache reaches the screen through `safe_text` inside a Rich
`Text`, so `[red]Acme[/]` shows its brackets and an escape sequence shows as visible symbols
instead of recolouring the terminal or writing to the clipboard (OSC 52).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

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


def safe_text(value: object) -> str:
    """A value as one line of inert text: controls and bidi overrides replaced visibly."""
    if value is None:
        return ""
    return str(value).translate(_CONTROL_TABLE)


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
