"""The clients table: a virtual view that renders only the visible lines.

It holds no rows of its own beyond a few cached pages. Whoever shows it passes a row count
and a function that reads one page of rows (offset, limit); the table asks for a page the
first time one of its lines comes into view. Line 0 is the column header and does not scroll
vertically. Which columns show, and in which order, is the profile's `client_columns`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import ClassVar, Literal, NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from console.text import format_date, format_money, safe_text
from local_store.health import HEALTH_BANDS, health_band
from local_store.queries import ClientListRow

PageFetcher = Callable[[int, int], Sequence[ClientListRow | None]]
"""Reads rows `offset` to `offset + limit`; None stands for a row deleted since counting."""

PAGE_SIZE = 100
CACHED_PAGES = 12
LINE_CACHE_SIZE = 400
GAP = 2


def _fit(text: str, width: int, align: Literal["left", "right"]) -> str:
    """Text cut to `width` cells (ending in an ellipsis when cut) and padded to it."""
    length = cell_len(text)
    if length > width:
        text = set_cell_size(text, width - 1) + "…"
        length = width
    padding = " " * (width - length)
    return padding + text if align == "right" else text + padding


ENDING_TEXT = "ending — waiting to sync"
"""Shown across a row whose End services action waits to sync."""


def _owner(row: ClientListRow) -> str | None:
    return row.owner_name or row.owner_email


def _health(row: ClientListRow) -> str | None:
    band = health_band(row.health_score)
    return f"{row.health_score} {band}" if band else None


class _LineStyles(NamedTuple):
    base: Style
    header: Style
    cursor: Style
    muted: Style
    bands: dict[str, Style]


class Column(NamedTuple):
    key: str
    """The sort key (`local_store.queries.SORT_COLUMNS`)."""
    label: str
    width: int
    cell: Callable[[ClientListRow], str | None]
    align: Literal["left", "right"] = "left"


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", 18, lambda r: r.name),
    Column("domain", "Domain", 20, lambda r: r.domain),
    Column("products", "Products", 20, lambda r: r.products or None),
    Column("relationship", "Relationship", 12, lambda r: r.relationship.capitalize()),
    Column("usage", "Usage", 9, lambda r: f"{r.tools_in_use} / {r.active_users}", "right"),
    Column("mrr", "MRR", 9, lambda r: format_money(r.mrr_cents), "right"),
    Column("engagement", "Engagement", 10, lambda r: f"{r.engagement_score} {r.engagement_band}"),
    Column("health", "Health", 10, _health),
    Column("renewal", "Renewal", 10, lambda r: format_date(r.next_renewal) or None),
    Column("owner", "Owner", 16, _owner),
)
"""Every column the table can show (`sync.profile.CLIENT_COLUMNS`), in the default order.
Usage is tools in use / active users. The first column shown takes whatever width the others
leave; with all ten at 160 columns nothing needs a horizontal scroll."""
COLUMNS_BY_KEY: dict[str, Column] = {column.key: column for column in COLUMNS}


class ClientTable(ScrollView, can_focus=True, inherit_bindings=False):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "up",
            "cursor_up",
            "Up",
            show=False,
            id="client-table.up",
            tooltip="Select the client above.",
        ),
        Binding(
            "down",
            "cursor_down",
            "Down",
            show=False,
            id="client-table.down",
            tooltip="Select the client below.",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="client-table.page-up",
            tooltip="Move the selection up one screen.",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="client-table.page-down",
            tooltip="Move the selection down one screen.",
        ),
        Binding(
            "home",
            "first",
            "First",
            show=False,
            id="client-table.first",
            tooltip="Select the first client.",
        ),
        Binding(
            "end",
            "last",
            "Last",
            show=False,
            id="client-table.last",
            tooltip="Select the last client.",
        ),
        Binding(
            "left",
            "scroll_left",
            "Scroll left",
            show=False,
            id="client-table.left",
            tooltip="Scroll the columns left.",
        ),
        Binding(
            "right",
            "scroll_right",
            "Scroll right",
            show=False,
            id="client-table.right",
            tooltip="Scroll the columns right.",
        ),
        Binding(
            "enter", "open", "Open", id="client-table.open", tooltip="Open the selected client."
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "client-table--header",
        "client-table--cursor",
        "client-table--muted",
        "client-table--ending",
        "client-table--health-red",
        "client-table--health-yellow",
        "client-table--health-green",
    }

    DEFAULT_CSS = """
    ClientTable {
        background: $surface;
        color: $foreground;
        height: 1fr;
        & > .client-table--header { background: $panel; color: $foreground; text-style: bold; }
        & > .client-table--muted { color: $text-muted; }
        & > .client-table--ending { color: $text-warning; text-style: italic; }
        & > .client-table--health-red { color: $text-error; }
        & > .client-table--health-yellow { color: $text-warning; }
        & > .client-table--health-green { color: $text-success; }
        & > .client-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus {
            & > .client-table--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
    }
    """

    class Opened(Message):
        """The user opened a client (enter or double click)."""

        def __init__(self, row: ClientListRow) -> None:
            super().__init__()
            self.row = row

    class SortClicked(Message):
        """The user clicked a column header."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    class Highlighted(Message):
        """The cursor moved to another row (or the rows under it changed)."""

        def __init__(self, row: ClientListRow | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, columns: Sequence[str] = (), *, id: str | None = None) -> None:
        """`columns` are keys of `COLUMNS`, in the order to show them; empty shows them all."""
        super().__init__(id=id)
        unknown = [key for key in columns if key not in COLUMNS_BY_KEY]
        if unknown:
            raise ValueError(f"unknown client columns: {', '.join(unknown)}")
        self.columns: tuple[Column, ...] = (
            tuple(COLUMNS_BY_KEY[key] for key in columns) if columns else COLUMNS
        )
        self._row_count = 0
        self._fetch: PageFetcher = lambda offset, limit: ()
        self._pages: OrderedDict[int, Sequence[ClientListRow | None]] = OrderedDict()
        self._cursor = 0
        self._sort = "name"
        self._descending = False
        self._widths: tuple[int, ...] = tuple(c.width for c in self.columns)
        self._highlighted_id: str | None = None
        self._line_cache: dict[Hashable, Strip] = {}
        """Rendered lines by what they show (a row's values and whether the cursor is on it),
        so that rows still in view after a search or a reload are not drawn again."""
        self._painted: dict[int, Hashable] = {}
        """What each line of the widget showed when last drawn, by `_line_key`."""
        self._laid_out: tuple[Size, Size, Size] | None = None
        self._line_styles: _LineStyles | None = None

    # What the table shows.

    @property
    def row_count(self) -> int:
        return self._row_count

    @property
    def cursor_row(self) -> int:
        return self._cursor

    @property
    def cursor_client(self) -> ClientListRow | None:
        return self.row_at(self._cursor)

    def show(
        self,
        row_count: int,
        fetch: PageFetcher,
        first_page: Sequence[ClientListRow | None] = (),
        *,
        sort: str,
        descending: bool,
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

    def row_at(self, index: int) -> ClientListRow | None:
        if not 0 <= index < self._row_count:
            return None
        page_number, position = divmod(index, PAGE_SIZE)
        page = self._pages.get(page_number)
        if page is None:
            # Synchronous on purpose: a page is one indexed read of 100 rows, about a
            # millisecond, and the line must be drawn now. Searches and counts, which scan,
            # run in the screen's workers.
            page = self._fetch(page_number * PAGE_SIZE, PAGE_SIZE)
            self._pages[page_number] = page
            while len(self._pages) > CACHED_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_number)
        return page[position] if position < len(page) else None

    # Layout.

    def _column_widths(self, width: int) -> tuple[int, ...]:
        first, *rest = self.columns
        fixed = sum(c.width for c in rest) + GAP * len(self.columns)
        return (max(first.width, width - fixed), *(c.width for c in rest))

    def _update_virtual_size(self) -> None:
        # Leave room for the vertical scrollbar even before it shows, so that its arrival
        # does not push the last column out of view.
        width = self.size.width - self.styles.scrollbar_size_vertical
        widths = self._column_widths(width)
        if widths != self._widths:
            self._widths = widths
            self._forget_lines()
        line_width = sum(self._widths) + GAP * len(self.columns)
        self.virtual_size = Size(line_width, self._row_count + 1)

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Textual's ScrollView compares the viewport it is given with the virtual size the
        # table set, which always differ, so any layout anywhere on the screen (the search
        # input's echo, a label's new text) redrew the scrollbar: 8 ms for 44 lines, on every
        # keystroke. Only a new size or a new row count changes the scrollbar.
        laid_out = (size, container_size, self.virtual_size)
        if laid_out == self._laid_out:
            return False
        self._laid_out = laid_out
        return super()._size_updated(size, virtual_size, container_size, layout)

    @property
    def _visible_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    # Rendering. Lines are built as segments, without Rich `Text`, one segment per run of
    # cells in the same style (a row is 3-5 segments rather than 21: Textual copies, filters
    # and divides each segment of every line it draws). Rendered lines are cached by what
    # they show until the size, the focus or the theme change.

    def _line(self, cells: Sequence[tuple[str, Style]], base: Style) -> Strip:
        segments: list[Segment] = []
        run, run_style = " " * (GAP // 2), base
        gap = " " * GAP
        for column, width, (text, style) in zip(self.columns, self._widths, cells, strict=True):
            for part, part_style in ((_fit(text, width, column.align), style), (gap, base)):
                if part_style == run_style:
                    run += part
                else:
                    segments.append(Segment(run, run_style))
                    run, run_style = part, part_style
        segments.append(Segment(run, run_style))
        return Strip(segments, self._line_width)

    @property
    def _line_width(self) -> int:
        return sum(self._widths) + GAP * len(self.columns) + GAP // 2

    def _ending_line(self, first_cell: tuple[str, Style], note: Style, base: Style) -> Strip:
        """The first cell, then the pending End services across the other columns."""
        first_width = self._widths[0]
        rest_width = self._line_width - GAP // 2 - first_width - GAP
        segments = [
            Segment(" " * (GAP // 2), base),
            Segment(_fit(first_cell[0], first_width, "left"), first_cell[1]),
            Segment(" " * GAP, base),
            Segment(_fit(ENDING_TEXT, max(rest_width, 1), "left"), note),
        ]
        return Strip(segments, self._line_width)

    def _styles(self) -> _LineStyles:
        # `rich_style` walks every ancestor; reading it once per line doubled the first paint.
        if self._line_styles is None:
            base = self.rich_style
            cursor = base + self.get_component_rich_style("client-table--cursor", partial=True)

            def partial_style(name: str) -> Style:
                return base + self.get_component_rich_style(name, partial=True)

            self._line_styles = _LineStyles(
                base=base,
                header=self.get_component_rich_style("client-table--header"),
                cursor=cursor,
                muted=partial_style("client-table--muted"),
                bands={band: partial_style(f"client-table--health-{band}") for band in HEALTH_BANDS}
                | {"ending": partial_style("client-table--ending")},
            )
        return self._line_styles

    def _header_strip(self) -> Strip:
        key = ("header", self._sort, self._descending)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        style = self._styles().header
        cells = []
        for column in self.columns:
            label = column.label
            if column.key == self._sort:
                label += " ▼" if self._descending else " ▲"
            cells.append((label, style))
        strip = self._line_cache[key] = self._line(cells, style)
        return strip

    def _row_key(self, index: int) -> Hashable:
        return (self.row_at(index), index == self._cursor)

    def _row_strip(self, index: int) -> Strip:
        key = self._row_key(index)
        cached = self._line_cache.get(key)
        if cached is not None:
            return cached
        row, is_cursor = self.row_at(index), index == self._cursor
        styles = self._styles()
        base = styles.cursor if is_cursor else styles.base
        muted = styles.cursor if is_cursor else styles.muted
        if row is None:
            cells = [("(removed since the last count)", muted)]
            cells += [("", base)] * (len(self.columns) - 1)
            strip = self._line(cells, base)
        else:
            cells = []
            for column in self.columns:
                value = column.cell(row)
                style = base
                if column.key == "health" and not is_cursor:
                    style = styles.bands.get(health_band(row.health_score) or "", base)
                cells.append((safe_text(value), style) if value else ("—", muted))
            if row.services_status == "ending":
                note = styles.cursor if is_cursor else styles.bands["ending"]
                strip = self._ending_line(cells[0], note, base)
            else:
                strip = self._line(cells, base)
        if len(self._line_cache) >= LINE_CACHE_SIZE:
            self._line_cache.clear()
        self._line_cache[key] = strip
        return strip

    def _line_key(self, y: int) -> Hashable:
        """What line `y` of the widget shows, to tell which lines a change leaves as they are."""
        if y == 0:
            return ("header", self._sort, self._descending)
        index = int(self.scroll_y) + y - 1
        return self._row_key(index) if index < self._row_count else None

    def _refresh_changed_lines(self) -> None:
        # A whole refresh would make Textual draw every line again (about a third of a
        # millisecond each); after a search most lines in view often still show the same rows.
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
        row = self.cursor_client
        row_id = row.id if row is not None else None
        if row_id != self._highlighted_id:
            self._highlighted_id = row_id
            self.post_message(self.Highlighted(row))

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
        row = self.cursor_client
        if row is not None:
            self.post_message(self.Opened(row))

    # The mouse.

    def _column_at(self, x: int) -> Column | None:
        left = GAP // 2
        for column, width in zip(self.columns, self._widths, strict=True):
            if left <= x < left + width + GAP:
                return column
            left += width + GAP
        return None

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            column = self._column_at(offset.x + int(self.scroll_x))
            if column is not None:
                self.post_message(self.SortClicked(column.key))
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
