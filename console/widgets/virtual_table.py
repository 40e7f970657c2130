"""A virtual table: renders only the visible lines, reading rows a page at a time.

It holds no rows beyond a few cached pages. Whoever shows it passes a row count and a function
that reads one page (offset, limit), usually one indexed `LIMIT/OFFSET` query of the local
store with the sort and filters in SQL; the table asks for a page the first time one of its
lines comes into view. Line 0 is the column header and does not scroll vertically.

Columns are chosen by the width available: each has a priority and a minimum width; the
most important that fit show, widened towards their natural width in priority order, and the
first column takes what is left. An optional marker cell before the first column shows a
row's state (selected, waiting to sync).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, ClassVar, Generic, Literal, NamedTuple, TypeVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.text import safe_text

Row = TypeVar("Row", bound=Hashable)

PAGE_SIZE = 100
CACHED_PAGES = 12
LINE_CACHE_SIZE = 400
GAP = 2
TONES = ("muted", "error", "warning", "success", "accent", "pending")
"""Styles a cell can take, from the table's component classes (the theme's colours)."""


class Column(NamedTuple, Generic[Row]):
    key: str
    label: str
    width: int
    """The natural width: wider never helps."""
    cell: Callable[[Row], str | None]
    align: Literal["left", "right"] = "left"
    sort: str | None = None
    """The sort a click on the header asks for (None: not sortable)."""
    tone: Callable[[Row], str | None] | None = None
    """One of `TONES` for a row's cell, or None for the plain style."""
    priority: int = 50
    """Lower shows first when the width is short; the first column always shows."""
    min_width: int = 0
    """The narrowest it is still useful at (0: its natural width)."""
    flex: bool = False
    """Takes the width the others leave, and always shows (else the first column does)."""


PageFetcher = Callable[[int, int], Sequence[Row | None]]
"""Reads rows `offset` to `offset + limit`; None stands for a row gone since counting."""

Marker = Callable[[Row], tuple[str, str | None]]
"""A row's marker cell: one character and its tone ("●" selected, "…" waiting to sync)."""
PENDING_MARK = ("…", "pending")
"""The marker of a row with a change waiting to sync; the whole row takes its tone."""


def _fit(text: str, width: int, align: Literal["left", "right"]) -> str:
    """Text cut to `width` cells (ending in an ellipsis when cut) and padded to it."""
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…" if width > 1 else set_cell_size(text, width)
        length = width
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding


def share_widths(columns: Sequence[Column], width: int) -> tuple[int, ...]:
    """Each column's width at `width` cells (0: hidden). See the module's docstring."""
    if not columns:
        return ()
    flex = next((i for i, c in enumerate(columns) if c.flex), 0)
    others = [i for i in range(len(columns)) if i != flex]
    order = sorted(others, key=lambda i: (columns[i].priority, i))
    minimum = [c.min_width or c.width for c in columns]
    widths = [0] * len(columns)
    widths[flex] = minimum[flex]
    used = minimum[flex] + GAP
    for index in order:
        if used + minimum[index] + GAP <= width:
            widths[index] = minimum[index]
            used += minimum[index] + GAP
    for index in [flex, *order]:
        if widths[index]:
            grow = min(columns[index].width - widths[index], max(0, width - used))
            widths[index] += grow
            used += grow
    widths[flex] += max(0, width - used)
    return tuple(widths)


class RowsView(Sequence[Row]):
    """A table's rows as a read-only sequence (read page by page as they are asked for)."""

    def __init__(self, table: VirtualTable[Row]) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.row_count

    def __getitem__(self, index: int) -> Row:  # type: ignore[override]
        if index < 0:
            index += len(self)
        row = self._table.row_at(index)
        if row is None:
            raise IndexError(index)
        return row


class _Styles(NamedTuple):
    base: Style
    header: Style
    cursor: Style
    tones: dict[str, Style]


class VirtualTable(ScrollView, Generic[Row], can_focus=True, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up", tooltip="Row above."),
        Binding("down", "cursor_down", "Down", show=False, id="table.down", tooltip="Row below."),
        Binding(
            "pageup", "page_up", "Page up", show=False, id="table.page-up", tooltip="One screen up."
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="table.page-down",
            tooltip="One screen down.",
        ),
        Binding("home", "first", "First", show=False, id="table.first", tooltip="First row."),
        Binding("end", "last", "Last", show=False, id="table.last", tooltip="Last row."),
        Binding("left", "scroll_left", "Left", show=False, id="table.left", tooltip="Scroll left."),
        Binding(
            "right", "scroll_right", "Right", show=False, id="table.right", tooltip="Scroll right."
        ),
        Binding("enter", "open", "Open", id="table.open", tooltip="Open the row."),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        *(f"virtual-table--{tone}" for tone in TONES),
    }

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .virtual-table--header { background: $panel; color: $foreground; text-style: bold; }
        & > .virtual-table--muted { color: $text-muted; }
        & > .virtual-table--error { color: $text-error; }
        & > .virtual-table--warning { color: $text-warning; }
        & > .virtual-table--success { color: $text-success; }
        & > .virtual-table--accent { color: $text-accent; }
        & > .virtual-table--pending { color: $text-warning; text-style: italic; }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            & > .virtual-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class RowMessage(Message):
        """Something happened to one row of the table."""

        def __init__(self, table: VirtualTable[Any], row: Any) -> None:
            super().__init__()
            self.table = table
            self.row = row

        @property
        def control(self) -> VirtualTable:
            return self.table

    class Opened(RowMessage):
        """The user opened a row (enter or double click)."""

    class Highlighted(RowMessage):
        """The cursor moved to another row (or the rows under it changed)."""

    class SortClicked(Message):
        """The user clicked the header of a sortable column."""

        def __init__(self, table: VirtualTable, sort: str) -> None:
            super().__init__()
            self.table = table
            self.sort = sort

        @property
        def control(self) -> VirtualTable:
            return self.table

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        *,
        row_id: Callable[[Row], Hashable],
        marker: Marker[Row] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns: tuple[Column[Row], ...] = tuple(columns)
        self._row_id = row_id
        self._marker = marker
        self._row_count = 0
        self._fetch: PageFetcher[Row] = lambda offset, limit: ()
        self._pages: OrderedDict[int, Sequence[Row | None]] = OrderedDict()
        self._cursor = 0
        self._sort: str | None = None
        self._descending = False
        self._widths: tuple[int, ...] = tuple(c.width for c in self.columns)
        self._highlighted_id: Hashable | None = None
        self._line_cache: dict[Hashable, Strip] = {}
        """Rendered lines by what they show, so rows still in view after a reload are kept."""
        self._painted: dict[int, Hashable] = {}
        self._laid_out: tuple[Size, Size, Size] | None = None
        self._line_styles: _Styles | None = None

    # What the table shows.

    @property
    def row_count(self) -> int:
        return self._row_count

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_value(self) -> Row | None:
        return self.row_at(self._cursor)

    @property
    def shown_columns(self) -> tuple[Column[Row], ...]:
        return tuple(c for c, w in zip(self.columns, self._widths, strict=True) if w)

    def show(
        self,
        row_count: int,
        fetch: PageFetcher[Row],
        first_page: Sequence[Row | None] = (),
        *,
        sort: str | None = None,
        descending: bool = False,
        cursor: int = 0,
    ) -> None:
        """Show a new set of rows; `first_page` (rows from offset 0) saves one read."""
        self._row_count = row_count
        self._fetch = fetch
        self._pages.clear()
        if first_page:
            self._pages[0] = first_page[:PAGE_SIZE]
        self._sort, self._descending = sort, descending
        self._update_virtual_size()
        self.move_cursor(cursor)
        self._post_highlighted()
        self._refresh_changed_lines()

    def set_row_count(self, row_count: int) -> None:
        """The count of the rows shown, arriving after them: the rows read so far, the cursor
        and the scroll position stay (a count runs longer than the first page's read)."""
        if row_count == self._row_count:
            return
        self._row_count = row_count
        self._update_virtual_size()
        if self._cursor >= row_count:
            self.move_cursor(row_count - 1)
        self._refresh_changed_lines()

    def redraw_rows(self) -> None:
        """Draw the rows again (a marker changed) without reading them again."""
        self._forget_lines()
        self.refresh()

    def row_at(self, index: int) -> Row | None:
        if not 0 <= index < self._row_count:
            return None
        page_number, position = divmod(index, PAGE_SIZE)
        page = self._pages.get(page_number)
        if page is None:
            # Synchronous on purpose: a page is one indexed read of 100 rows, about a
            # millisecond, and the line must be drawn now. Counts, which scan, run in workers.
            page = self._fetch(page_number * PAGE_SIZE, PAGE_SIZE)
            self._pages[page_number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page[position] if position < len(page) else None

    def cell_text(self, index: int, key: str) -> str | None:
        """What a cell shows (before it is cut to width), or None if the row is not there."""
        row = self.row_at(index)
        column = next(c for c in self.columns if c.key == key)
        return None if row is None else safe_text(column.cell(row) or "—")

    def cell_tone(self, index: int, key: str) -> str | None:
        """The tone (`TONES`) a cell is drawn in off the cursor; None for the plain style."""
        row = self.row_at(index)
        column = next(c for c in self.columns if c.key == key)
        return None if row is None or column.tone is None else column.tone(row)

    def index_of(self, row_id: Hashable, *, search: int = 2000) -> int | None:
        """The index of a row among the first `search` rows, or None."""
        for index in range(min(search, self._row_count)):
            row = self.row_at(index)
            if row is not None and self._row_id(row) == row_id:
                return index
        return None

    # Layout.

    @property
    def _marker_width(self) -> int:
        # The marker takes the line's leading space and one more.
        return 1 if self._marker is not None else 0

    def _update_virtual_size(self) -> None:
        # Room for the vertical scrollbar even before it shows, so it pushes nothing out.
        width = self.size.width - self.styles.scrollbar_size_vertical - self._lead
        # share_widths counts a gap after every column; the last one needs none.
        widths = share_widths(self.columns, width + GAP)
        if widths != self._widths:
            self._widths = widths
            self._forget_lines()
        self.virtual_size = Size(self._line_width, self._row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Private Textual API (checked by tests/console/test_textual_private_api.py): the
        # ScrollView redrew its scrollbar on any layout anywhere on the screen, since the
        # viewport it is given always differs from the virtual size; only a new size or row
        # count changes the scrollbar.
        laid_out = (size, container_size, self.virtual_size)
        if laid_out == self._laid_out:
            return False
        self._laid_out = laid_out
        return super()._size_updated(size, virtual_size, container_size, layout)

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    @property
    def _lead(self) -> int:
        """Cells before the first column: a space, or the marker and a space."""
        return GAP // 2 + self._marker_width

    @property
    def _line_width(self) -> int:
        shown = [w for w in self._widths if w]
        return self._lead + sum(shown) + GAP * max(0, len(shown) - 1)

    # Rendering: one segment per run of cells in the same style, cached by what a line shows.

    def _line(
        self, cells: Sequence[tuple[str, Style]], base: Style, mark: tuple[str, Style]
    ) -> Strip:
        segments: list[Segment] = []
        run, run_style = " " * (GAP // 2), base
        parts: list[tuple[str, Style]] = []
        if self._marker is not None:
            run, run_style = mark[0][:1].ljust(GAP // 2), mark[1]
            parts.append((" ", base))
        for column, width, (text, style) in zip(self.columns, self._widths, cells, strict=True):
            if width:
                parts += [(_fit(text, width, column.align), style), (" " * GAP, base)]
        if len(parts) > 1:
            parts.pop()  # no gap after the last column
        for part, part_style in parts:
            if part_style == run_style:
                run += part
            else:
                segments.append(Segment(run, run_style))
                run, run_style = part, part_style
        segments.append(Segment(run, run_style))
        return Strip(segments, self._line_width)

    def _styles(self) -> _Styles:
        # `rich_style` walks every ancestor: read once, not per line.
        if self._line_styles is None:
            base = self.rich_style

            def partial(name: str) -> Style:
                return base + self.get_component_rich_style(f"virtual-table--{name}", partial=True)

            self._line_styles = _Styles(
                base=base,
                header=self.get_component_rich_style("virtual-table--header"),
                cursor=partial("cursor"),
                tones={tone: partial(tone) for tone in TONES},
            )
        return self._line_styles

    def _header_strip(self) -> Strip:
        key = ("header", self._sort, self._descending, self._widths)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        style = self._styles().header
        cells = []
        marked = False
        for column, width in zip(self.columns, self._widths, strict=True):
            label = column.label
            # The arrow shows once, on the first shown column of the sort.
            if width and not marked and column.sort is not None and column.sort == self._sort:
                label += " ▼" if self._descending else " ▲"
                marked = True
            cells.append((label, style))
        strip = self._line_cache[key] = self._line(cells, style, ("", style))
        return strip

    def _row_key(self, index: int) -> Hashable:
        row = self.row_at(index)
        mark = self._marker(row) if self._marker is not None and row is not None else None
        return (row, mark, index == self._cursor)

    def _row_strip(self, index: int) -> Strip:
        key = self._row_key(index)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        row = self.row_at(index)
        mark = self._marker(row) if self._marker is not None and row is not None else None
        is_cursor = index == self._cursor
        styles = self._styles()
        base = styles.cursor if is_cursor else styles.base
        if mark is not None and mark[1] == "pending" and not is_cursor:
            base = styles.tones["pending"]  # a change waits to sync: the whole row says so
        muted = styles.cursor if is_cursor else styles.tones["muted"]
        if row is None:
            cells = [("(removed since the last count)", muted)]
            cells += [("", base)] * (len(self.columns) - 1)
            strip = self._line(cells, base, (" ", base))
        else:
            cells = []
            for column in self.columns:
                value = column.cell(row)
                style = base
                if column.tone is not None and not is_cursor:
                    style = styles.tones.get(column.tone(row) or "", base)
                cells.append((safe_text(value), style) if value else ("—", muted))
            char, tone = mark if mark is not None else (" ", None)
            mark_style = base if is_cursor else styles.tones.get(tone or "", base)
            strip = self._line(cells, base, (char, mark_style))
        if len(self._line_cache) >= LINE_CACHE_SIZE:
            self._line_cache.clear()
        self._line_cache[key] = strip
        return strip

    def _line_key(self, y: int) -> Hashable:
        if y == 0:
            return ("header", self._sort, self._descending, self._widths)
        index = int(self.scroll_y) + y - 1
        return self._row_key(index) if index < self._row_count else None

    def _refresh_changed_lines(self) -> None:
        # A whole refresh draws every line again; after a reload most lines often still match.
        painted = self._painted
        for y in range(self.scrollable_content_region.height):
            if y not in painted or painted[y] != self._line_key(y):
                self.refresh(Region(0, y, self.size.width, 1))

    def _forget_lines(self) -> None:
        self._line_cache.clear()
        self._painted.clear()

    def _clear_line_cache(self) -> None:
        self._forget_lines()
        self._line_styles = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget_lines()
        self._line_styles = None

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        self._painted[y] = self._line_key(y)
        if y == 0:
            strip = self._header_strip()
        else:
            index = int(self.scroll_y) + y - 1
            if index >= self._row_count:
                return Strip.blank(width, self._styles().base)
            strip = self._row_strip(index)
        scroll_x = int(self.scroll_x)
        return strip.crop_extend(scroll_x, scroll_x + width, self._styles().base)

    # The cursor.

    def move_cursor(self, index: int, *, center: bool = False) -> None:
        """Select a row; `center` scrolls it to the middle, for a jump from elsewhere."""
        previous = self._cursor
        self._cursor = max(0, min(index, self._row_count - 1))
        if center:
            self.scroll_to(y=self._cursor - self._visible_rows // 2, animate=False)
        self._scroll_cursor_into_view()
        for row in {previous, self._cursor}:
            self.refresh_line(row + 1)
        if self._cursor != previous:
            self._post_highlighted()

    def _post_highlighted(self) -> None:
        row = self.cursor_value
        row_id = self._row_id(row) if row is not None else None
        if row_id != self._highlighted_id:
            self._highlighted_id = row_id
            self.post_message(self.Highlighted(self, row))

    def _cursor_in_view(self) -> bool:
        top = int(self.scroll_y)
        return top <= self._cursor < top + self._visible_rows

    def _scroll_cursor_into_view(self, *, retry: bool = True) -> None:
        if self._cursor_in_view():
            return
        if self._cursor < int(self.scroll_y):
            self.scroll_to(y=self._cursor, animate=False)
        else:
            self.scroll_to(y=self._cursor - self._visible_rows + 1, animate=False)
        if retry and not self._cursor_in_view():
            # Just after `show` grew the rows, scrolling is still clamped to the old size.
            self.call_after_refresh(self._scroll_cursor_into_view, retry=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._visible_rows)

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._visible_rows)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self._row_count - 1)

    def action_open(self) -> None:
        row = self.cursor_value
        if row is not None:
            self.post_message(self.Opened(self, row))

    # The mouse.

    def _column_at(self, x: int) -> Column[Row] | None:
        left = self._lead
        for column, width in zip(self.columns, self._widths, strict=True):
            if width and left <= x < left + width + GAP:
                return column
            left += width + GAP if width else 0
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x + int(self.scroll_x))
            if column is not None and column.sort is not None:
                self.post_message(self.SortClicked(self, column.sort))
            return
        index = int(self.scroll_y) + offset.y - 1
        if index < self._row_count:
            self.move_cursor(index)
            if event.chain == 2:
                self.action_open()

    def on_focus(self) -> None:
        self._clear_line_cache()

    def on_blur(self) -> None:
        self._clear_line_cache()
