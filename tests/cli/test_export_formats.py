"""`csv_lines` writes exactly what the csv module writes, for every kind of cell an export has."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from console.export_formats import csv_lines

CELLS = [
    "plain",
    "",
    None,
    "Acme, Inc.",
    'Quote "Co"',
    '"',
    ",",
    "line\nbreak",
    "carriage\rreturn",
    "\r\n",
    "'=1+1",
    "\x00nul, and comma",
    "nul\x00",
    " leading space",
    "tab\tinside",
    '=HYPERLINK("x")',
    "@SUM(A1)",
    "+1 617 555 0100",
    "-12.50",
    "+3",
    "-2+3",
    "-",
    "\tTab Co",
    "-inf",
    "Ünïcødé, 日本",
    0,
    -12,
    2**70,
    1.5,
    0.1 + 0.2,
    True,
]


def reference(rows: list[tuple]) -> str:
    """The csv module's output, after the formula guard that OWASP advises."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(
        [tuple(_guarded(cell) for cell in row) for row in rows]
    )
    return out.getvalue()


def _guarded(cell: object) -> object:
    if not isinstance(cell, str) or not cell.startswith(("=", "+", "-", "@", "\t", "\r")):
        return cell
    try:
        float(cell)  # a signed number is no formula
    except ValueError:
        return "'" + cell
    return cell if cell[0] in "+-" and cell[1:2].isdigit() else "'" + cell


@pytest.mark.parametrize("width", [1, 2, 3])
def test_every_cell_and_pair_as_the_csv_module_writes_it(width: int) -> None:
    rows = (
        list(itertools.product(CELLS, repeat=width))
        if width < 3
        else [(a, b, "tail") for a, b in itertools.product(CELLS, repeat=2)]
    )
    assert "".join(csv_lines(rows)) == reference(rows)


def test_a_lone_empty_cell_is_quoted_so_the_line_is_not_empty() -> None:
    assert list(csv_lines([("",), (None,), ("", "")])) == ['""\r\n', '""\r\n', ",\r\n"]


def test_rows_of_text_take_the_one_join_path_and_stay_exact() -> None:
    rows = [("c-1", "Alpine, Anchor", "x.com", "Sales Pro, Service Pro", "37.20", "6", "")] * 3
    assert "".join(csv_lines(rows)) == reference(rows)
    assert "".join(csv_lines(iter(rows))).count('"Alpine, Anchor"') == 3
