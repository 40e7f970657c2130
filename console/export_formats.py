"""Writers for `partnerops export`: CSV, JSON, JSON Lines and a Rich table, row by row.

Each writer takes rows already cut to the chosen fields and spelled for its format (see
`local_store.export_cells`: money text is there, and CSV's formula guard rule) and writes them as
they come, so memory stays flat however many rows there are (a JSON array is opened, filled
and closed by hand for that reason). Rich is imported only when a table is asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TextIO

from local_store.export_cells import FORMULA_STARTS, needs_guard
from local_store.exports import ExportField

FORMATS = ("csv", "json", "jsonl", "table")
STYLES = {"csv": "csv", "json": "json", "jsonl": "json", "table": "table"}
"""Format → how its cells are spelled (`local_store.export_cells.STYLES`)."""
TABLE_BATCH_ROWS = 1000
"""A Rich table measures every row before it prints, so long exports print in batches."""
TABLE_MIN_WIDTH, TABLE_MAX_WIDTH = 8, 40
"""Column widths: no column squeezed to nothing, no long detail crowding out the rest."""


def csv_lines(rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """RFC 4180 lines with CRLF ends, exactly as `csv.writer(out, lineterminator="\r\n")`
    writes the rows once each cell that would start a spreadsheet formula has its leading `'`
    (`export_cells.needs_guard`; tests/cli/test_export_formats.py holds it to that), in a third
    of the time on cells spelled for "csv": a row of text is joined in one call, and its cells
    are looked at only when the line holds more commas than separators, a quote, a line break,
    or a formula character after a separator."""
    join = ",".join
    for row in rows:
        try:
            line = join(row)
        except TypeError:  # a number or None among the cells
            line = join(map(_csv_field, row))
        else:
            if '"' in line or "\r" in line or "\n" in line or _may_start_formula(line):
                line = join(map(_csv_field, row))
            elif line.count(",") >= len(row):
                line = join(['"' + cell + '"' if "," in cell else cell for cell in row])
        # The csv module quotes a lone empty cell, so that the row is not an empty line.
        yield (line or '""') + "\r\n" if len(row) == 1 else line + "\r\n"


_FORMULA_AFTER_SEPARATOR = re.compile(",[" + "".join(map(re.escape, FORMULA_STARTS)) + "]")
"""One regex search a line: six substring tests cost as much as the rest of the writing."""


def _may_start_formula(line: str) -> bool:
    # A false alarm (a comma then "-" inside a cell) only sends the line the careful way.
    return line.startswith(FORMULA_STARTS) or _FORMULA_AFTER_SEPARATOR.search(line) is not None


def _csv_field(cell: object) -> str:
    text = "" if cell is None else cell if cell.__class__ is str else str(cell)
    if needs_guard(text):
        text = "'" + text
    if "," in text or '"' in text or "\r" in text or "\n" in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def write_csv(out: TextIO, fields: Sequence[ExportField], rows: Iterable[tuple]) -> None:
    """RFC 4180: CRLF line ends, quotes only where needed, one header row."""
    out.writelines(csv_lines([[f.name for f in fields]]))
    out.writelines(csv_lines(rows))


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


WRITERS: dict[str, Callable[[TextIO, Sequence[ExportField], Iterable[tuple]], None]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "table": write_table,
}
