"""How an export spells each cell, by field type and output style: in SQL, and in Python.

Styles: "csv" (the text each cell has in the file: text made spreadsheet-safe, money as
exact decimal text, integers as digits, booleans as true/false, no value as ""), "table"
(money and booleans as text; text shown literally by the table writer) and "json" (money as a
number of dollars, everything else as the cache has it). CSV cells come out as text so that
the CSV writer can join a row in one call (see `console.export_formats.csv_lines`).

Datasets read straight from SQLite (clients, credits, team) spell their cells in the SELECT:
a CSV row then goes from the cursor to `csv.writer` with no Python object or call of ours per
row. At 100,000 clients the spelling costs SQLite under 0.1 s; in Python it was a call per
cell and most of the export's time. Datasets whose rows are computed in Python anyway
(renewals' days left, the tier projection, alerts' UTC timestamps) use the Python spellings
below. The two sit side by side here, and tests/local_store/test_local_store_export_cells.py
runs both over the same values, so they cannot drift apart unnoticed.

CSV guards against formula injection, as OWASP advises: a cell starting with `=`, `+`, `-`,
`@`, tab or CR gets a leading `'`, so a spreadsheet shows it instead of running it. A signed
number ("-12.50", "+3") is left alone: it is no formula, and negative money must stay a number
a spreadsheet can add up. The guard applies to every cell of a finished CSV line, whatever its
field's type (a cache edited by hand could hold text where a number belongs); the CSV writer
applies it (`needs_guard`, in `console.export_formats.csv_lines`) with one substring test per
line, where spelling it in SQL cost a comparison per text cell.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

STYLES = ("csv", "json", "table")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def money_text(cents: object) -> object:
    """Integer cents as a decimal string, exactly: -123450 → "-1234.50". Anything else (None,
    or what a cache edited by hand holds) as it is, as the SQL form leaves it."""
    if cents.__class__ is not int:
        return cents
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


def boolean_text(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


def _csv_text(value: object) -> object:
    return "" if value is None else value


def _csv_money(cents: object) -> object:
    return _csv_text(money_text(cents))


def _csv_integer(value: object) -> object:
    return str(value) if value.__class__ is int else _csv_text(value)


def _csv_boolean(value: bool | None) -> str:
    return "" if value is None else boolean_text(value)


_PYTHON: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("csv", "text"): _csv_text,
    ("csv", "money"): _csv_money,
    ("csv", "integer"): _csv_integer,
    ("csv", "number"): _csv_integer,
    ("csv", "date"): _csv_text,
    ("csv", "timestamp"): _csv_text,
    ("csv", "boolean"): _csv_boolean,
    ("table", "money"): money_text,
    ("table", "boolean"): boolean_text,
    ("json", "money"): money_number,
}
"""(style, type) → spelling; a pair not listed is written as it is."""


# `{0}` is the column. Integer division truncates towards zero, hence the sign.
_SQL_CSV_TEXT = "ifnull({0}, '')"
_SQL_MONEY = (
    "printf('%s%d.%02d', CASE WHEN {0} < 0 THEN '-' ELSE '' END, abs({0} / 100), abs({0} % 100))"
)
_SQL_CSV_INTEGER = (
    f"CASE WHEN typeof({{0}}) = 'integer' THEN CAST({{0}} AS TEXT) ELSE {_SQL_CSV_TEXT} END"
)
_SQL: dict[tuple[str, str], str] = {
    ("csv", "text"): _SQL_CSV_TEXT,
    ("csv", "money"): (
        f"CASE WHEN typeof({{0}}) = 'integer' THEN {_SQL_MONEY} ELSE {_SQL_CSV_TEXT} END"
    ),
    ("csv", "integer"): _SQL_CSV_INTEGER,
    ("csv", "number"): _SQL_CSV_INTEGER,
    ("csv", "date"): _SQL_CSV_TEXT,
    ("csv", "timestamp"): _SQL_CSV_TEXT,
    ("table", "money"): f"CASE WHEN typeof({{0}}) = 'integer' THEN {_SQL_MONEY} ELSE {{0}} END",
    ("json", "money"): "CASE WHEN typeof({0}) IN ('integer', 'real') THEN {0} / 100.0 ELSE {0} END",
}
"""The same table in SQL. Booleans are missing on purpose: SQLite has no boolean to hand to
JSON, so a dataset with a boolean field spells its cells in Python."""


def sql_cell(field_type: str, column: str, style: str) -> str:
    """SQL for one cell: `column` (a column or expression) spelled for `style`."""
    if field_type == "boolean":
        raise ValueError("boolean cells are spelled in Python (SQLite has no boolean for JSON)")
    template = _SQL.get((style, field_type))
    return column if template is None else template.format(column)


def sql_subquery_cell(field_type: str, subquery: str, value: str, style: str) -> str:
    """SQL for a cell a subquery selects (`{}` in it stands for `value`), spelled inside it so
    that the subquery runs once a row; when it finds no row, the cell is spelled as empty."""
    inside = subquery.format(sql_cell(field_type, value, style))
    empty = sql_cell(field_type, "NULL", style)
    return inside if empty == "NULL" else f"ifnull({inside}, {empty})"


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
