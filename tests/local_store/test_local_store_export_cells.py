"""Export cells: the SQL spellings and their Python twins agree value for value, on bare
values and on the datasets' real columns, and the renewal day reads as the Clients screen's."""

from __future__ import annotations

import csv
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from crafted_cache import add_client, add_credit, new_cache

from local_store.export_cells import (
    STYLES,
    needs_guard,
    python_cells,
    python_csv_line,
    sql_cell,
    sql_csv_line,
    sql_csv_piece,
)
from local_store.exports import DATASETS, FIELD_TYPES, ExportFilters, ExportRequest
from local_store.queries import ClientQuery, client_page

TEXTS = [
    '=HYPERLINK("http://x.example")',
    "+1 617 555 0100",
    "-2+3",
    "@SUM(A1)",
    "\tTab Co",
    "\rCR Co",
    "\x00=nul first",
    "a=b",
    "Acme, Inc.",
    "'already quoted",
    "Ünïcødé 日本",
    "",
    "?",
    "@",
    "A",
    "0",
    None,
]
CENTS = [0, 5, -5, 99, -100, 123405, -123405, 2**53, -(2**53), 2**63 - 1, -(2**63), None]
"""JSON money is exact up to 2**53 cents ($90 trillion): past it SQLite divides a rounded
double. CSV and table money are exact for every 64-bit integer."""
PASSED_THROUGH = [1, -1, 0, 1.5, -1.5, "2026-11-23", "x", "=1+1", "-3", None]
"""Values of the other types, including text where a number or a date belongs (a cache
file edited by hand): in CSV it is guarded like any text."""
VALUES = {"text": TEXTS, "money": [*CENTS, "=1+1", 12.5]}


def sql_spelled(field_type: str, style: str, value: object, *, not_null: bool = False) -> object:
    if style == "csv":
        cell = sql_csv_line([sql_csv_piece(field_type, "v", not_null=not_null)])
    else:
        cell = sql_cell(field_type, "v", style)
    conn = sqlite3.connect(":memory:")
    try:
        return conn.execute(f"SELECT {cell} FROM (SELECT ? AS v)", (value,)).fetchone()[0]
    finally:
        conn.close()


def python_spelled(field_type: str, style: str, value: object) -> object:
    if style == "csv":
        return python_csv_line([field_type])((value,))
    spell = python_cells([field_type], style)
    return value if spell is None else spell((value,))[0]


IN_PYTHON_ONLY = {("csv", "boolean"), ("csv", "number"), ("json", "boolean"), ("table", "boolean")}


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("field_type", FIELD_TYPES)
def test_sql_and_python_spell_every_value_alike(field_type: str, style: str) -> None:
    if (style, field_type) in IN_PYTHON_ONLY:
        with pytest.raises(ValueError, match=f"{field_type}|CSV"):
            sql_spelled(field_type, style, None)
        return
    for value in VALUES.get(field_type, PASSED_THROUGH):
        expected = python_spelled(field_type, style, value)
        got = sql_spelled(field_type, style, value)
        assert (got, type(got)) == (expected, type(expected)), (field_type, style, value)
        if style == "csv" and value is not None:
            # The quick spelling of a column that is never NULL writes the same.
            assert sql_spelled(field_type, style, value, not_null=True) == expected


def test_the_csv_spellings_do_what_they_promise() -> None:
    assert sql_spelled("text", "csv", None) == ""
    assert sql_spelled("text", "csv", "") == '""'
    assert sql_spelled("text", "csv", 'say "hi", then') == '"say ""hi"", then"'
    assert sql_spelled("date", "csv", "2026-11-23", not_null=True) == '"2026-11-23"'
    assert sql_spelled("money", "csv", -123405) == "-1234.05"
    assert sql_spelled("money", "csv", -5) == "-0.05"
    assert sql_spelled("money", "csv", "=1+1") == '"=1+1"'
    assert sql_spelled("money", "json", 123450) == 1234.5
    assert sql_spelled("integer", "csv", -3) == "-3"
    assert sql_spelled("integer", "csv", None) == ""
    assert sql_spelled("text", "json", "=1+1") == "=1+1"
    assert python_spelled("number", "csv", 2.5) == "2.5"
    assert python_spelled("number", "csv", float("-inf")) == '"-inf"'


@pytest.mark.parametrize(
    ("cell", "guarded"),
    [
        ("=1+1", True),
        ('=HYPERLINK("x")', True),
        ("@SUM(A1)", True),
        ("\tTab Co", True),
        ("\rCR Co", True),
        ("+1 617 555 0100", True),
        ("-2+3", True),
        ("-", True),
        ("-inf", True),
        ("-12.50", False),
        ("+3", False),
        ("-1e5", False),
        ("\x00=nul first", False),
        ("a=b", False),
        ("", False),
    ],
)
def test_the_formula_guard_spares_only_signed_numbers(cell: str, guarded: bool) -> None:
    assert needs_guard(cell) is guarded


def test_booleans_are_spelled_in_python_only() -> None:
    with pytest.raises(ValueError, match="boolean"):
        sql_csv_piece("boolean", "v")
    with pytest.raises(ValueError, match="boolean"):
        sql_cell("boolean", "v", "json")
    assert python_csv_line(["boolean", "boolean", "boolean"])((True, False, None)) == "true,false,"
    assert python_cells(["boolean"], "json") is None


HOSTILE_NAMES = [
    "=cmd|' /C calc'!A0",
    "-Neg Person",
    'Quote "Co", Ltd\nline two',
    "Plain",
    "NUL\x00 inside",
]


@pytest.fixture
def hostile_cache(tmp_path: Path) -> sqlite3.Connection:
    conn = new_cache(tmp_path)
    for number, name in enumerate(HOSTILE_NAMES):
        add_client(
            conn,
            f"c-{number}",
            owner=f"owner{number}@example.com",
            mrr_cents=[-5, 0, 99, -123405, 7][number],
        )
        conn.execute(
            "UPDATE client SET name = ?, products = ? WHERE id = ?", (name, name, f"c-{number}")
        )
        conn.execute(
            "INSERT INTO employee (id, version, name, email, archetype) VALUES (?, 1, ?, ?, 'x')",
            (f"e-{number}", name, f"owner{number}@example.com"),
        )
        add_credit(conn, f"c-{number}", "2026-10-01", kind=name, points=-3)
    conn.execute("UPDATE credit_event SET mrr_basis_cents = -99 WHERE client_id = 'c-0'")
    # No owner, and an owner the employee table lacks: the name's subquery finds no row.
    add_client(conn, "c-no-owner")
    add_client(conn, "c-unknown-owner", owner="gone@example.com")
    conn.execute(
        "INSERT INTO team_contact (id, version, role, name, email, description, phone) "
        "VALUES ('t-1', 1, '@role', '=team', 'x@example.com', '-desc', '+1 555 0100')"
    )
    conn.commit()
    return conn


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize("dataset", ["clients", "credits", "team"])
def test_sql_datasets_spell_their_real_columns_as_python_would(
    hostile_cache: sqlite3.Connection, dataset: str, style: str
) -> None:
    chosen = DATASETS[dataset]
    request = ExportRequest(ExportFilters(), date(2026, 11, 23))
    rest, params = chosen.sql(request)
    columns = ", ".join(
        f.column if f.inner is None else f.column.format(f.inner) for f in chosen.fields
    )
    raw = hostile_cache.execute(f"SELECT {columns} {rest}", params).fetchall()
    types = [f.type for f in chosen.fields]
    if style == "csv":
        expected = list(map(python_csv_line(types), raw))
        got = list(chosen.csv_lines(hostile_cache, request, chosen.fields))
    else:
        spell = python_cells(types, style)
        expected = raw if spell is None else [spell(row) for row in raw]
        got = list(chosen.rows(hostile_cache, request, chosen.fields, style))
    assert len(got) >= 1
    assert got == expected
    if style == "csv" and dataset == "clients":
        # A subquery's cell comes out as well (the CSV writer guards it like any other), and
        # no owner at all is no value.
        for line in got:
            # A NUL character ends its own cell, never the line.
            assert len(next(csv.reader([line]))) == len(chosen.fields), line
        lines = "\n".join(got)
        assert '"=cmd|\' /C calc\'!A0","' in lines
        assert ',"-Neg Person",' in lines
        assert ",," in lines


STORED_DAYS = {
    "2026-12-01": "2026-12-01",
    "2026-12-05T10:00:00": "2026-12-05",
    "2026-12-06 extra": "2026-12-06",
    "2024-02-29": "2024-02-29",
    "2026-02-29": None,
    "2026-02-30": None,
    "2026-13-01": None,
    "0000-01-01": None,
    "garbage": None,
    "": None,
    "2026-W49-2": None,  # an ISO week date: Python's fromisoformat takes it, SQLite does not
    "20261201": None,  # digits only: the column's NUMERIC affinity stores an integer
}


def test_the_renewal_day_is_read_as_the_clients_screen_reads_it(tmp_path: Path) -> None:
    conn = new_cache(tmp_path)
    for number, stored in enumerate([*STORED_DAYS, None]):
        add_client(conn, f"c-{number:02d}")
        conn.execute(
            "UPDATE client SET next_renewal_date = ? WHERE id = ?", (stored, f"c-{number:02d}")
        )
    conn.commit()
    screen = {
        row.id: row.next_renewal and row.next_renewal.isoformat()
        for row in client_page(conn, ClientQuery(), 0, 100)
    }
    clients = DATASETS["clients"]
    fields = [f for f in clients.fields if f.name in ("id", "next_renewal")]
    request = ExportRequest(ExportFilters(), date(2026, 11, 23))
    exported = dict(clients.rows(conn, request, fields, "json"))
    assert exported == screen
    assert list(exported.values()) == [*STORED_DAYS.values(), None]
