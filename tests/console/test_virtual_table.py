"""The virtual table's row count arriving after its first page (issue 14)."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import App, ComposeResult

from console.widgets.virtual_table import PAGE_SIZE, Column, VirtualTable

COLUMNS = (Column[int]("n", "N", 8, str),)


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[int, int]] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable[int](COLUMNS, row_id=lambda row: row)

    def fetch(self, offset: int, limit: int) -> Sequence[int]:
        self.reads.append((offset, limit))
        return list(range(offset, offset + limit))


async def test_the_count_grows_in_place_keeping_rows_and_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.show(PAGE_SIZE, app.fetch, list(range(PAGE_SIZE)))
        table.move_cursor(50)
        await pilot.pause()
        table.set_row_count(5000)
        await pilot.pause()
        assert table.row_count == 5000
        assert table.cursor_row == 50
        assert app.reads == []  # the first page was kept, not read again
        assert table.row_at(4321) == 4321
        assert app.reads == [(4300, PAGE_SIZE)]
        await pilot.press("end")
        assert table.cursor_row == 4999


async def test_a_smaller_count_moves_the_cursor_onto_the_last_row() -> None:
    app = TableApp()
    async with app.run_test(size=(40, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.show(PAGE_SIZE, app.fetch, list(range(PAGE_SIZE)))
        table.move_cursor(80)
        table.set_row_count(30)
        await pilot.pause()
        assert (table.row_count, table.cursor_row) == (30, 29)
        assert table.row_at(30) is None
