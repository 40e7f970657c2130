"""How an export spells each cell, by field type and output style: in SQL, and in Python.

Styles: "csv" (each cell as the field it is in the file), "table" (money and booleans as text;
text shown literally by the table writer) and "json" (money as a number of dollars,
everything else as the cache has it).

CSV (RFC 4180): a number (money as exact decimal text, integers as digits) and a boolean
(true/false) stand bare; every other value is quoted, its quotes doubled; no value is an empty
cell, so an empty text (`""`) differs from none. Quoting every text, rather than only where
needed, lets SQLite write a whole line in one `printf` (`"%w"` quotes), so the datasets read
straight from SQLite (clients, credits, team) hand the writer finished lines: at 100,000
clients a quarter of the export's time went to Python quoting and joining cells. A text ends
at a NUL character, if it holds one, as `printf` ends it (JSON keeps the whole text).

Datasets whose rows are computed in Python anyway (renewals' days left, the tier projection,
alerts' UTC timestamps) use the Python spellings below. The two sit side by side here, and
tests/local_store/test_local_store_export_cells.py runs both over the same values, so they
cannot drift apart unnoticed.

CSV guards against formula injection, as OWASP advises: a cell starting with `=`, `+`, `-`,
`@`, tab or CR gets a leading `'`, so a spreadsheet shows it instead of running it. A signed
number ("-12.50", "+3") is left alone: it is no formula, and negative money must stay a number
a spreadsheet can add up. Only a quoted cell can start a formula (a bare one is a number we
spelled, a boolean or nothing), and inside a quoted cell every `"` is doubled, so `,"` or a
line's first `"` followed by one of those characters always starts a cell: `guard_csv_line`
finds them with one regex, whatever the field's type (a cache edited by hand could hold text
where a number belongs).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Any

STYLES = ("csv", "json", "table")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money_text(cents: object) -> object:
    """Integer cents as a decimal string, exactly: -123450 → "-1234.50". Anything else (None,
    or what a cache edited by hand holds) as it is, as the SQL form leaves it."""
    return cents_text(cents) if type(cents) is int else cents


def cents_text(cents: int) -> str:
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def money_number(cents: object) -> object:
    """Cents as a JSON number of dollars: 123450 → 1234.5 (shortest repr, no float noise).
    Anything but a number as it is."""
    return cents / 100 if cents.__class__ in (int, float) else cents


def needs_guard(cell: str) -> bool:
    """Whether a CSV cell would start a formula in a spreadsheet."""
    if not cell.startswith(FORMULA_STARTS):
        return False
    if cell[0] in "+-" and cell[1:2].isdigit():
        try:
            float(cell)
        except ValueError:
            return True
        return False  # a signed number
    return True


_FORMULA_CHARACTERS = "".join(map(re.escape, FORMULA_STARTS))
_QUOTED_FORMULA = re.compile(f'(^|,)"([{_FORMULA_CHARACTERS}](?:[^"]|"")*)"')


def guard_csv_line(line: str) -> str:
    """The line with a `'` put before every quoted cell that `needs_guard`."""
    return _QUOTED_FORMULA.sub(_guard_cell, line)


def _guard_cell(match: re.Match[str]) -> str:
    before, quoted = match.group(1, 2)
    if needs_guard(quoted.replace('""', '"')):
        return f'{before}"\'{quoted}"'
    return match.group(0)


def boolean_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    text = value if value.__class__ is str else str(value)
    if "\x00" in text:
        text = text[: text.index("\x00")]  # as SQLite's `printf` cuts it
    return '"' + text.replace('"', '""') + '"'


def _csv_money(cents: object) -> str:
    return cents_text(cents) if type(cents) is int else _csv_text(cents)


def _csv_integer(value: object) -> str:
    return str(value) if value.__class__ is int else _csv_text(value)


def _csv_number(value: object) -> str:
    if value.__class__ is float and math.isfinite(value):
        return repr(value)
    return _csv_integer(value)


def _csv_boolean(value: bool | None) -> str:
    return boolean_text(value) or ""


_PYTHON: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("csv", "text"): _csv_text,
    ("csv", "money"): _csv_money,
    ("csv", "integer"): _csv_integer,
    ("csv", "number"): _csv_number,
    ("csv", "date"): _csv_text,
    ("csv", "timestamp"): _csv_text,
    ("csv", "boolean"): _csv_boolean,
    ("table", "money"): money_text,
    ("table", "boolean"): boolean_text,
    ("json", "money"): money_number,
}
"""(style, type) → spelling; a pair not listed is written as it is."""


# `{0}` is the column. Integer division truncates towards zero, hence the sign.
_SQL_MONEY = (
    "printf('%s%d.%02d', CASE WHEN {0} < 0 THEN '-' ELSE '' END, abs({0} / 100), abs({0} % 100))"
)
_SQL: dict[tuple[str, str], str] = {
    ("table", "money"): f"CASE WHEN typeof({{0}}) = 'integer' THEN {_SQL_MONEY} ELSE {{0}} END",
    ("json", "money"): "CASE WHEN typeof({0}) IN ('integer', 'real') THEN {0} / 100.0 ELSE {0} END",
}
"""The table and JSON spellings in SQL. Booleans are missing on purpose: SQLite has no boolean
to hand to JSON, so a dataset with a boolean field spells its cells in Python."""

# CSV: a line is `printf` of one format, a piece per cell, and one argument per piece. `%s`
# writes NULL as nothing: no value, an empty cell. A NUL character ends a text for `printf`,
# so every text goes through `%w` (which stops there, within its own quotes), never through
# `%s` after being quoted, which would cut off the rest of the line.
_SQL_QUOTED_UNLESS_NULL = "WHEN {0} IS NOT NULL THEN printf('\"%w\"', {0}) END"
_SQL_CSV: dict[str, str] = {
    "text": f"CASE {_SQL_QUOTED_UNLESS_NULL}",
    "date": f"CASE {_SQL_QUOTED_UNLESS_NULL}",
    "timestamp": f"CASE {_SQL_QUOTED_UNLESS_NULL}",
    "money": f"CASE WHEN typeof({{0}}) = 'integer' THEN {_SQL_MONEY} {_SQL_QUOTED_UNLESS_NULL}",
    "integer": f"CASE WHEN typeof({{0}}) = 'integer' THEN {{0}} {_SQL_QUOTED_UNLESS_NULL}",
}
"""CSV cells in SQL, as `%s` arguments. Numbers here are integers only: SQLite writes a real
differently from Python, so a "number" field is spelled in Python, like a boolean."""
_QUOTED_TYPES = frozenset({"text", "date", "timestamp"})


def sql_cell(field_type: str, column: str, style: str) -> str:
    """SQL for one table or JSON cell: `column` (a column or expression) spelled for `style`.
    CSV is spelled a line at a time (`sql_csv_piece`, `sql_csv_line`)."""
    if style == "csv":
        raise ValueError("CSV cells are spelled as a line: sql_csv_piece and sql_csv_line")
    if field_type == "boolean":
        raise ValueError("boolean cells are spelled in Python (SQLite has no boolean for JSON)")
    template = _SQL.get((style, field_type))
    return column if template is None else template.format(column)


def sql_csv_piece(field_type: str, column: str, *, not_null: bool = False) -> tuple[str, str]:
    """A CSV cell's piece of a line's `printf` format, and its argument. A text column that is
    never NULL takes `"%w"`, the quickest way to quote: `%w` writes NULL as "(NULL)"."""
    if not_null and field_type in _QUOTED_TYPES:
        return '"%w"', column
    template = _SQL_CSV.get(field_type)
    if template is None:
        raise ValueError(f"{field_type} CSV cells are spelled in Python")
    return "%s", template.format(column)


def sql_csv_line(pieces: Sequence[tuple[str, str]]) -> str:
    """SQL for one CSV line (without its line end) of cells given by `sql_csv_piece`."""
    line_format = ",".join(piece for piece, _ in pieces)
    return f"printf('{line_format}', {', '.join(argument for _, argument in pieces)})"


def sql_subquery_cell(field_type: str, subquery: str, value: str, style: str) -> str:
    """SQL for a table or JSON cell a subquery selects (`{}` in it stands for `value`), spelled
    inside it so that the subquery runs once a row; when it finds no row, the cell is spelled
    as empty. (In CSV no row is already no value: see `sql_csv_subquery_piece`.)"""
    inside = subquery.format(sql_cell(field_type, value, style))
    empty = sql_cell(field_type, "NULL", style)
    return inside if empty == "NULL" else f"ifnull({inside}, {empty})"


def sql_csv_subquery_piece(field_type: str, subquery: str, value: str) -> tuple[str, str]:
    """`sql_csv_piece` for a cell a subquery selects, spelled inside it."""
    _, inside = sql_csv_piece(field_type, value)
    return "%s", subquery.format(inside)


def python_cells(types: Sequence[str], style: str) -> Callable[[tuple], tuple] | None:
    """A function spelling a row of values of these types for `style`; None if none needs it."""
    steps = [_PYTHON.get((style, field_type)) for field_type in types]
    if not any(steps):
        return None

    def spell(row: tuple) -> tuple:
        return tuple(
            value if step is None else step(value) for step, value in zip(steps, row, strict=True)
        )

    return spell


def python_csv_line(types: Sequence[str]) -> Callable[[tuple], str]:
    """A function spelling a row of values of these types as one CSV line (no line end)."""
    steps = [_PYTHON[("csv", field_type)] for field_type in types]

    def spell(row: tuple) -> str:
        return ",".join([step(value) for step, value in zip(steps, row, strict=True)])

    return spell
