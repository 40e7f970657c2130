"""Hostile strings from the server are data: the cache keeps them byte for byte.

They go into the reference backend through its data file (`--data`), are synced over HTTP,
and are read back from the cache. How screens and exports show them is tested where those
are built; here the point is that nothing on the way interprets, strips or trips over them.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from loopback_backend import TODAY, profile_for

from backend.datafile import load_store, store_to_document, write_data_file
from backend.server import start_in_thread
from backend.store import Store
from local_store.database import open_cache
from sync.engine import run_sync

HOSTILE = [
    "[bold red]markup[/] [link=https://evil.example]click[/link] [@click=app.quit]x[/]",
    "\x1b[31mred\x1b[0m\x1b[2J\x1b[H cleared",
    "\x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard write (OSC 52)",
    "\x1b]8;;https://evil.example\x1b\\hyperlink\x1b]8;;\x1b\\",
    "\u202eevil.exe\u202c \u2066isolate\u2069",
    "zero\u200bwidth\u200c\u200djoiner\ufeff",
    '=HYPERLINK("https://evil.example","x")',
    "nul\x00byte and \r\n line breaks \t tab",
    "🧨" * 40 + "e\u0301" * 40,
    "L" * 200_000,
]


def _hostile_document(tmp_path: Path) -> tuple[Path, dict[str, list[tuple[str, str]]]]:
    """A data file whose clients, notes and employees carry the strings; what went where."""
    store = Store.generate(40, seed=5, today=TODAY)
    document = store_to_document(store)
    partner = document["partners"][0]
    planted: dict[str, list[tuple[str, str]]] = {"client": [], "note": [], "employee": []}
    shape = partner["notes"][0]
    for index, (text, client) in enumerate(zip(HOSTILE, partner["clients"], strict=False)):
        client["name"] = text
        client["owner_email"] = f"{text}@example.com"
        note_id = f"n-hostile-{index}"
        partner["notes"].append(
            {**shape, "id": note_id, "target_type": "client", "target_id": client["id"]}
            | {"text": text, "author": text}
        )
        planted["client"].append((client["id"], text))
        planted["note"].append((note_id, text))
    employee = partner["employees"][0]
    employee["email"] = HOSTILE[2]
    employee["name"] = HOSTILE[4]
    planted["employee"].append((employee["id"], HOSTILE[2]))
    path = tmp_path / "hostile.json"
    write_data_file(path, document)
    return path, planted


def _cached(conn: sqlite3.Connection, sql: str, row_id: str) -> tuple:
    row = conn.execute(sql, (row_id,)).fetchone()
    assert row is not None, f"{row_id} missing from the cache"
    return row


@pytest.mark.parametrize("round_trips", [1, 2])
def test_hostile_strings_are_cached_byte_for_byte(tmp_path: Path, round_trips: int) -> None:
    path, planted = _hostile_document(tmp_path)
    with start_in_thread(load_store(path, today=TODAY)) as server:
        profile = profile_for(server)
        for _ in range(round_trips):  # the second sync must not re-interpret what the first kept
            report = run_sync(profile)
            assert not report.pulled.quarantined
    conn = open_cache(profile.cache_path)
    try:
        for client_id, text in planted["client"]:
            row = _cached(conn, "SELECT name, owner_email FROM client WHERE id = ?", client_id)
            assert row == (text, f"{text}@example.com")
        for note_id, text in planted["note"]:
            assert _cached(conn, "SELECT text, author FROM note WHERE id = ?", note_id) == (
                text,
                text,
            )
        for employee_id, text in planted["employee"]:
            assert _cached(conn, "SELECT email FROM employee WHERE id = ?", employee_id) == (text,)
        stored = conn.execute(
            "SELECT CAST(name AS BLOB) FROM client WHERE id = ?", (planted["client"][0][0],)
        ).fetchone()[0]
        assert stored == HOSTILE[0].encode("utf-8")
    finally:
        conn.close()
