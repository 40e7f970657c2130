"""Writers for `partnerops export`: CSV, JSON, JSON Lines and a Rich table, row by row.

Each writer takes rows already cut to the chosen fields and writes them as they come, so
memory stays flat however many rows there are (a JSON array is opened, filled and closed by
hand for that reason). Rich is imported only when a table is asked for.

CSV guards against formula injection: a text cell starting with `=`, `+`, `-`, `@`, tab or
CR gets a leading `'`, as OWASP advises, so a spreadsheet shows it instead of running it.
Only text cells are touched. Money, numbers, dates and timestamps are written by us
from typed values, so they cannot carry a formula, and negative money ("-12.50") must stay
a number a spreadsheet can add up.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from local_store.exports import ExportField

FORMATS = ("csv", "json", "jsonl", "table")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TABLE_BATCH_ROWS = 1000
"""A Rich table measures every row before it prints, so long exports print in batches."""
TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 8, 40
"""Column widths: no column squeezed to nothing, no long detail crowding out the rest."""


def money_text(cents: int | None) -> str | None:
    """Integer cents as a decimal string, exactly: -123450 → "-1234.50"."""
    if cents is None:
        return None
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def money_number(cents: int | None) -> float | None:
    """Integer cents as a JSON number: 123450 → 1234.5 (shortest repr, no float noise)."""
    return None if cents is None else cents / 100


def neutralise(value: object) -> object:
    """A text cell, made inert for spreadsheets; only a string can hold a formula."""
    if value.__class__ is str and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv_boolean(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


_CSV_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "text": neutralise,
    "money": money_text,
    "boolean": _csv_boolean,
}
_JSON_CONVERTERS: dict[str, Callable[[Any], Any]] = {"money": money_number}


def _converter(
    fields: Sequence[ExportField], table: dict[str, Callable[[Any], Any]]
) -> Callable[[tuple], list]:
    """A function turning a row into its cells; only columns whose type needs it are touched."""
    steps = [table.get(f.type) for f in fields]

    def convert(row: tuple) -> list:
        return [
            value if step is None else step(value) for step, value in zip(steps, row, strict=True)
        ]

    return convert


def write_csv(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> int:
    """RFC 4180: CRLF line ends, quotes only where needed, one header row."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([f.name for f in fields])
    convert = _converter(fields, _CSV_CONVERTERS)
    count = 0
    for row in rows:
        writer.writerow(convert(row))
        count += 1
    return count


def _json_objects(fields: Sequence[ExportField], rows: Iterable[tuple]) -> Iterable[str]:
    names = [f.name for f in fields]
    convert = _converter(fields, _JSON_CONVERTERS)
    for row in rows:
        yield json.dumps(dict(zip(names, convert(row), strict=True)), ensure_ascii=False)


def write_jsonl(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> int:
    count = 0
    for text in _json_objects(fields, rows):
        out.write(text + "\n")
        count += 1
    return count


def write_json(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> int:
    """One JSON array, written object by object."""
    count = 0
    out.write("[")
    for text in _json_objects(fields, rows):
        out.write(("\n  " if count == 0 else ",\n  ") + text)
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def write_table(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> int:
    """For people: cache strings shown literally (never as markup, controls made visible)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from console.text import safe_text

    console = Console(file=out, highlight=False, markup=False, emoji=False)
    convert = _converter(fields, {"money": money_text, "boolean": _csv_boolean})
    numeric = {"integer", "number", "money"}

    def new_table() -> Table:
        table = Table(show_edge=False, pad_edge=False, header_style="bold")
        for f in fields:
            # One line per row, like the TUI's tables: long cells end in an ellipsis.
            table.add_column(
                f.name,
                justify="right" if f.type in numeric else "left",
                no_wrap=True,
                overflow="ellipsis",
                min_width=min(len(f.name), TABLE_MIN_WIDTH),
                max_width=TABLE_MAX_WIDTH,
            )
        return table

    table, in_table, count = new_table(), 0, 0
    for row in rows:
        table.add_row(*(Text(safe_text(cell)) for cell in convert(row)))
        in_table += 1
        count += 1
        if in_table == TABLE_BATCH_ROWS:
            console.print(table)
            table, in_table = new_table(), 0
    if in_table or not count:
        console.print(table)
    return count


WRITERS: dict[str, Callable[[TextIO, Sequence[ExportField], Iterable[tuple]], int]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "table": write_table,
}
