"""The CSV writer: what the csv module reads back is every cell as the cache has it, after
the formula guard OWASP advises; text is quoted, numbers stand bare, no value is empty."""

from __future__ import annotations

import csv
import io
import itertools

import pytest

from console.export_formats import CSV_BATCH_LINES, write_csv
from local_store.export_cells import guard_csv_line, python_csv_line
from local_store.exports import ExportField

TEXTS = [
    "plain",
    "",
    None,
    "Acme, Inc.",
    'Quote "Co"',
    '"',
    ",",
    '","',
    "line\nbreak",
    "line\n=not a cell start",
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
    "\rCR Co",
    "-inf",
    'He said "-no"',
    "ends with a comma,",
    "Ünïcødé, 日本",
]
NUMBERS = [0, -12, 2**70, None, "=1+1", "-3", "text where a number belongs"]


def expected_cell(value: object) -> str:
    """What a spreadsheet should get: the cache's value (a text up to a NUL character, where
    SQLite's `printf` stops), with a `'` before a formula."""
    text = "" if value is None else str(value).split("\x00")[0]
    if not text.startswith(("=", "+", "-", "@", "\t", "\r")):
        return text
    try:
        float(text)  # a signed number is no formula
    except ValueError:
        return "'" + text
    return text if text[0] in "+-" and text[1:2].isdigit() else "'" + text


def written(types: list[str], rows: list[tuple]) -> str:
    fields = [ExportField(f"f{i}", field_type, "") for i, field_type in enumerate(types)]
    out = io.StringIO(newline="")
    write_csv(out, fields, map(python_csv_line(types), rows))
    return out.getvalue()


def read_back(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))[1:]


@pytest.mark.parametrize("width", [1, 2, 3])
def test_every_text_and_pair_reads_back_guarded(width: int) -> None:
    rows = (
        list(itertools.product(TEXTS, repeat=width))
        if width < 3
        else [(a, b, "tail") for a, b in itertools.product(TEXTS, repeat=2)]
    )
    assert read_back(written(["text"] * width, rows)) == [
        [expected_cell(value) for value in row] for row in rows
    ]


def test_numbers_stand_bare_and_anything_else_in_their_columns_is_quoted_text() -> None:
    rows = [(value, value) for value in NUMBERS]
    text = written(["integer", "money"], rows)
    assert text.split("\r\n")[1:-1] == [
        "0,0.00",
        "-12,-0.12",
        f"{2**70},{2**70 // 100}.{2**70 % 100:02d}",
        ",",
        '"\'=1+1","\'=1+1"',
        '"-3","-3"',
        '"text where a number belongs","text where a number belongs"',
    ]
    assert read_back(text)[:2] == [["0", "0.00"], ["-12", "-0.12"]]


def test_empty_text_and_no_value_differ_and_a_lone_empty_cell_still_makes_a_row() -> None:
    assert written(["text", "text"], [("", None)]).split("\r\n")[1] == '"",'
    assert written(["text"], [(None,), ("",)]).split("\r\n")[1:] == ['""', '""', ""]
    assert read_back(written(["text"], [(None,), ("x",)])) == [[""], ["x"]]


def test_a_formula_deep_in_a_long_export_is_guarded_in_its_batch_and_nowhere_else() -> None:
    rows = [(f"c-{n}", "Acme, Inc.", 'He said "-no"') for n in range(CSV_BATCH_LINES * 2 + 5)]
    rows[CSV_BATCH_LINES + 7] = ("c-x", "=cmd|' /C calc'!A0", "-12.50")
    cells = read_back(written(["text"] * 3, rows))
    assert len(cells) == len(rows)
    assert cells[CSV_BATCH_LINES + 7] == ["c-x", "'=cmd|' /C calc'!A0", "-12.50"]
    assert all(row[1:] == ["Acme, Inc.", 'He said "-no"'] for row in cells[:CSV_BATCH_LINES])


@pytest.mark.parametrize(
    ("line", "guarded"),
    [
        ('"=1+1"', '"\'=1+1"'),
        ('"a","=1"', '"a","\'=1"'),
        ('"ends,","@x"', '"ends,","\'@x"'),
        ('"a"",""=b"', '"a"",""=b"'),
        ('"say ""-no"""', '"say ""-no"""'),
        ('"-12.50",-3', '"-12.50",-3'),
        ('"=a""b","-x"', '"\'=a""b","\'-x"'),
        ('"two\n=lines"', '"two\n=lines"'),
        (',"+1 617"', ',"\'+1 617"'),
    ],
)
def test_the_line_guard_finds_cell_starts_only(line: str, guarded: str) -> None:
    assert guard_csv_line(line) == guarded
