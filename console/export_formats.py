"""Writers for `partnerops export`: CSV, JSON, JSON Lines and a Rich table, row by row.

Each writer takes rows already cut to the chosen fields and spelled for its format (see
`local_store.export_cells`: money text is there, and CSV's formula guard rule; CSV comes as
finished lines) and writes them as they come, so memory stays flat however many rows there
are (a JSON array is opened, filled and closed by hand for that reason). Rich is imported only
when a table is asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import Any, TextIO

from local_store.export_cells import FORMULA_STARTS, guard_csv_line
from local_store.exports import ExportField

FORMATS = ("csv", "json", "jsonl", "table")
STYLES = {"json": "json", "jsonl": "json", "table": "table"}
"""Format → how its cells are spelled (`local_store.export_cells.STYLES`); CSV is written from
lines (`Dataset.csv_lines`)."""
CSV_BATCH_LINES = 1000
TABLE_BATCH_ROWS = 1000
"""A Rich table measures every row before it prints, so long exports print in batches."""
TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 8, 40
"""Column widths: no column squeezed to nothing, no long detail crowding out the rest."""


def write_csv(out: TextIO, fields: Sequence[ExportField], lines: Iterable[str]) -> None:
    """One header row, then the dataset's CSV lines (`Dataset.csv_lines`) with CRLF ends and
    the formula guard, a batch at a time: one join and one regex search a batch; a batch that
    may hold a formula is guarded line by line."""
    out.write(",".join(f.name for f in fields) + "\r\n")
    if len(fields) == 1:
        # A CSV reader skips an empty line: one empty cell on its own is written as "".
        lines = (line or '""' for line in lines)
    lines = iter(lines)
    while batch := list(islice(lines, CSV_BATCH_LINES)):
        # Joined by LF for the search, as a cell ending a line would look like `"` + CR.
        if _MAY_START_FORMULA.search("\n".join(batch)):
            batch = list(map(guard_csv_line, batch))
        out.write("\r\n".join(batch) + "\r\n")


_MAY_START_FORMULA = re.compile('"[' + "".join(map(re.escape, FORMULA_STARTS)) + "]")
"""Every quoted cell that starts a formula matches (a false alarm, such as a doubled quote
before a `-`, only sends the batch the careful way)."""


def _json_objects(fields: Sequence[ExportField], rows: Iterable[tuple]) -> Iterable[str]:
    names = [f.name for f in fields]
    # One encoder for every row; json.dumps would build one per call.
    encode = json.JSONEncoder(ensure_ascii=False).encode
    for row in rows:
        yield encode(dict(zip(names, row, strict=True)))


def write_jsonl(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> None:
    out.writelines(text + "\n" for text in _json_objects(fields, rows))


def write_json(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> None:
    """One JSON array, written object by object."""
    out.write("[")
    separator = "\n  "
    for text in _json_objects(fields, rows):
        out.write(separator + text)
        separator = ",\n  "
    out.write("]\n" if separator == "\n  " else "\n]\n")


def write_table(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> None:
    """For people: cache strings shown literally (never as markup, controls made visible)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from console.text import safe_text

    console = Console(file=out, highlight=False, markup=False, emoji=False)
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
        table.add_row(*(Text(safe_text(cell)) for cell in row))
        in_table += 1
        count += 1
        if in_table == TABLE_BATCH_ROWS:
            console.print(table)
            table, in_table = new_table(), 0
    if in_table or not count:
        console.print(table)


WRITERS: dict[str, Callable[[TextIO, Sequence[ExportField], Iterable[Any]], None]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "table": write_table,
}
