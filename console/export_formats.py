"""Writers for `partnerops export`: CSV, JSON, JSON Lines and a Rich table, row by row.

Each writer takes rows already cut to the chosen fields and spelled for its format (see
`local_store.export_cells`: money text is there, and CSV's formula guard rule; CSV comes as
finished lines) and writes them as they come, so memory stays flat however many rows there
are (a JSON array is opened, filled and closed by hand for that reason). Rich is imported only
when a table is asked for.
"""

from __future__ import annotations

import errno
import json
import re
from collections.abc import Callable, Iterable, Sequence
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO

from local_store.export_cells import FORMULA_STARTS, guard_csv_line
from local_store.exports import ExportField

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

FORMATS = ("csv", "json", "jsonl", "table")
STYLES = {"json": "json", "jsonl": "json", "table": "table"}
"""Format → how its cells are spelled (`local_store.export_cells.STYLES`); CSV is written from
lines (`Dataset.csv_lines`)."""
CSV_BATCH_LINES = 1000
TABLE_BATCH_ROWS = 1000
"""A Rich table measures every row before it prints, so long exports print in batches."""
TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 6, 40
"""Column widths: no column squeezed to nothing, no long detail crowding out the rest."""
TABLE_COLUMN_GAP = 2


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


def column_widths(natural: Sequence[int], available: int) -> list[int] | None:
    """Each column's width so that all fit in `available` cells, or None when they cannot.

    A column keeps its natural width (its widest cell, at most TABLE_MAX_WIDTH) when there is
    room; otherwise the widest are narrowed first, none below TABLE_MIN_WIDTH (or its natural
    width, if smaller). Never zero: a column asked for is a column shown.
    """
    floors = [max(1, min(width, TABLE_MIN_WIDTH)) for width in natural]
    if sum(floors) > available:
        return None
    natural = [max(width, floor) for width, floor in zip(natural, floors, strict=True)]
    low, high = 0, max(natural)
    # The largest cap at which every column, cut to it (but not below its floor), still fits.
    while low < high:
        cap = (low + high + 1) // 2
        if (
            sum(max(floor, min(width, cap)) for width, floor in zip(natural, floors, strict=True))
            <= available
        ):
            low = cap
        else:
            high = cap - 1
    widths = [max(floor, min(width, low)) for width, floor in zip(natural, floors, strict=True)]
    spare = available - sum(widths)
    # What the cap left over goes first to the columns that need least to show whole.
    for index in sorted(range(len(natural)), key=lambda i: natural[i] - widths[i]):
        grow = min(spare, natural[index] - widths[index])
        widths[index] += grow
        spare -= grow
    return widths


def write_table(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> None:
    """For people: every field asked for, at any terminal width. Cells that do not fit end in
    an ellipsis (headers wrap); when even narrow columns cannot fit, each row is written as a
    record, one `field  value` line each. Cache strings are shown literally (never as markup,
    controls made visible)."""
    from rich.console import Console

    from console.text import safe_text

    class PipeAwareConsole(Console):
        def on_broken_pipe(self) -> None:
            # Rich would exit 1 here; a reader that stopped early (`| head`) is a normal end,
            # which the command's own handler turns into exit 0.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, "the reader closed the pipe")

    console = PipeAwareConsole(file=out, highlight=False, markup=False, emoji=False)
    rows = iter(rows)
    printed = False
    while batch := [
        tuple(safe_text(cell) for cell in row) for row in islice(rows, TABLE_BATCH_ROWS)
    ]:
        _print_batch(console, fields, batch)
        printed = True
    if not printed:
        _print_batch(console, fields, [])


def _print_batch(
    console: Console, fields: Sequence[ExportField], batch: list[tuple[str, ...]]
) -> None:
    from rich.cells import cell_len

    natural = [
        min(TABLE_MAX_WIDTH, max([cell_len(f.name), *(cell_len(row[i]) for row in batch)]))
        for i, f in enumerate(fields)
    ]
    gaps = TABLE_COLUMN_GAP * (len(fields) - 1)
    widths = column_widths(natural, console.width - gaps)
    if widths is None:
        if batch:
            _print_records(console, fields, batch)
        else:
            console.print("(no rows)")
    else:
        console.print(_table(fields, batch, widths))


def _table(fields: Sequence[ExportField], batch: list[tuple[str, ...]], widths: list[int]) -> Table:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    numeric = {"integer", "number", "money"}
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        # The box's column divider is one space; with one more the gap is TABLE_COLUMN_GAP.
        padding=(0, TABLE_COLUMN_GAP - 1, 0, 0),
        header_style="bold",
    )
    for f, width in zip(fields, widths, strict=True):
        table.add_column(
            Text(f.name, overflow="fold"),
            justify="right" if f.type in numeric else "left",
            width=width,
        )
    for row in batch:
        # One line per row, like the TUI's tables: long cells end in an ellipsis.
        table.add_row(*(Text(cell, no_wrap=True, overflow="ellipsis") for cell in row))
    return table


def _print_records(
    console: Console, fields: Sequence[ExportField], batch: list[tuple[str, ...]]
) -> None:
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, TABLE_COLUMN_GAP, 0, 0))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for number, row in enumerate(batch):
        if number:
            grid.add_row("", "")
        for f, cell in zip(fields, row, strict=True):
            grid.add_row(f.name, Text(cell, overflow="fold"))
    console.print(grid)


WRITERS: dict[str, Callable[[TextIO, Sequence[ExportField], Iterable[Any]], None]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "table": write_table,
}
