"""A monthly bar chart of sold tier credit: gained above the axis, lost below.

Drawn with the Line API from block characters, in colours from the theme (component
classes), so it needs no chart library and reads the same in light and dark themes. Gained
bars have eighth-cell precision; lost bars grow downwards, where Unicode only has half
blocks. Left and right (or a click) select a month, which posts `MonthSelected`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.strip import Strip
from textual.widget import Widget

from local_store.tier import CreditMonth

MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_UP_BLOCKS = " ▁▂▃▄▅▆▇█"
_DOWN_BLOCKS = " ▀█"

_GAINED = "credit-chart--gained"
_LOST = "credit-chart--lost"
_AXIS = "credit-chart--axis"
_LABEL = "credit-chart--label"
_SELECTED = "credit-chart--selected"
_SELECTED_LABEL = "credit-chart--selected-label"

Cell = tuple[str, tuple[str, ...]]
"""Text and the component classes that style it."""


class _Geometry(NamedTuple):
    gutter: int
    slot: int
    bar: int
    up_rows: int
    down_rows: int
    label_rows: int


class CreditChart(Widget, can_focus=True):
    DEFAULT_CSS = """
    CreditChart {
        height: 12;
    }
    CreditChart > .credit-chart--gained {
        color: $success;
    }
    CreditChart > .credit-chart--lost {
        color: $error;
    }
    CreditChart > .credit-chart--axis {
        color: $foreground-muted;
    }
    CreditChart > .credit-chart--label {
        color: $foreground-muted;
    }
    CreditChart > .credit-chart--selected {
        background: $accent 25%;
    }
    CreditChart > .credit-chart--selected-label {
        color: $foreground;
        background: $accent 25%;
        text-style: bold;
    }
    CreditChart:focus > .credit-chart--selected-label {
        color: $text;
        background: $accent;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        _GAINED,
        _LOST,
        _AXIS,
        _LABEL,
        _SELECTED,
        _SELECTED_LABEL,
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "left",
            "select_month(-1)",
            "Earlier month",
            id="credit-chart.earlier",
            tooltip="Select the month before.",
        ),
        Binding(
            "right",
            "select_month(1)",
            "Later month",
            id="credit-chart.later",
            tooltip="Select the month after.",
        ),
        Binding(
            "home",
            "select_edge(0)",
            "First month",
            show=False,
            id="credit-chart.first",
            tooltip="Select the oldest month.",
        ),
        Binding(
            "end",
            "select_edge(-1)",
            "Latest month",
            show=False,
            id="credit-chart.latest",
            tooltip="Select the latest month.",
        ),
    ]

    selected: reactive[int | None] = reactive(None, always_update=True)
    """Index of the selected month in `months`."""

    class MonthSelected(Message):
        """A month was selected (by key, click, or new data)."""

        def __init__(self, chart: CreditChart, month: CreditMonth, index: int) -> None:
            super().__init__()
            self.chart = chart
            self.month = month
            self.index = index

        @property
        def control(self) -> CreditChart:
            return self.chart

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.months: tuple[CreditMonth, ...] = ()
        self._rows: list[list[Cell]] = []
        self._rows_key: tuple[object, ...] | None = None

    def show(self, months: Sequence[CreditMonth], selected: int | None = None) -> None:
        """Chart `months` (oldest first) and select one: by default the latest."""
        self.months = tuple(months)
        self._rows_key = None
        if not self.months:
            self.selected = None
        else:
            self.selected = len(self.months) - 1 if selected is None else selected
        self.refresh()

    def validate_selected(self, index: int | None) -> int | None:
        if index is None or not self.months:
            return None
        return min(max(index, 0), len(self.months) - 1)

    def watch_selected(self, index: int | None) -> None:
        self.refresh()
        if index is not None:
            self.post_message(self.MonthSelected(self, self.months[index], index))

    @property
    def selected_month(self) -> CreditMonth | None:
        return None if self.selected is None else self.months[self.selected]

    def action_select_month(self, step: int) -> None:
        if self.selected is not None:
            target = self.validate_selected(self.selected + step)
            if target != self.selected:
                self.selected = target

    def action_select_edge(self, index: int) -> None:
        if self.months:
            self.selected = index % len(self.months)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        geometry = self._geometry(self.size.width, self.size.height)
        if offset is None or geometry is None:
            return
        x = offset.x - geometry.gutter
        if x >= 0 and x // geometry.slot < len(self.months):
            self.selected = x // geometry.slot

    # Drawing.

    def _geometry(self, width: int, height: int) -> _Geometry | None:
        months = self.months
        if not months or height < 3:
            return None
        most_gained = max(month.gained for month in months)
        most_lost = max(-month.lost for month in months)
        gutter = max(len(f"+{most_gained}"), len(f"−{most_lost}")) + 1
        slot = (width - gutter) // len(months)
        if slot < 1:
            return None
        bar = slot * 2 // 3 if slot > 2 else 1
        label_rows = 2 if height >= 8 else 1
        plot_rows = height - label_rows - 1
        if most_gained and most_lost and plot_rows > 1:
            share = round(plot_rows * most_gained / (most_gained + most_lost))
            up_rows = min(max(share, 1), plot_rows - 1)
        else:
            up_rows = plot_rows if most_gained or not most_lost else 0
        return _Geometry(gutter, slot, bar, up_rows, plot_rows - up_rows, label_rows)

    def _layout(self, width: int, height: int) -> list[list[Cell]]:
        key = (width, height, self.selected)
        if key == self._rows_key:
            return self._rows
        geometry = self._geometry(width, height)
        self._rows = [] if geometry is None else self._draw(geometry)
        self._rows_key = key
        return self._rows

    def _draw(self, geometry: _Geometry) -> list[list[Cell]]:
        gutter, slot, bar, up_rows, down_rows, label_rows = geometry
        months = self.months
        most_gained = max(month.gained for month in months)
        most_lost = max(-month.lost for month in months)
        left = (slot - bar) // 2

        def scaled(value: int, most: int, rows: int, steps: int) -> int:
            # Any credit at all shows at least one step, so a small month is never blank.
            if value <= 0 or most <= 0:
                return 0
            return max(1, round(value * rows * steps / most))

        def column(index: int, char: str, names: tuple[str, ...]) -> list[Cell]:
            tint = (_SELECTED,) if index == self.selected else ()
            return [
                (" " * left, tint),
                (char * bar, names + tint),
                (" " * (slot - left - bar), tint),
            ]

        def gutter_cell(text: str) -> Cell:
            return (text.rjust(gutter - 1) + " ", (_AXIS,))

        rows: list[list[Cell]] = []
        for level in range(up_rows - 1, -1, -1):
            row = [gutter_cell(f"+{most_gained}" if level == up_rows - 1 else "")]
            for index, month in enumerate(months):
                eighths = scaled(month.gained, most_gained, up_rows, 8)
                fill = min(max(eighths - level * 8, 0), 8)
                row += column(index, _UP_BLOCKS[fill], (_GAINED,))
            rows.append(row)
        axis = [gutter_cell("0")]
        for index in range(len(months)):
            axis.append(("─" * slot, (_AXIS,) + ((_SELECTED,) if index == self.selected else ())))
        rows.append(axis)
        for depth in range(down_rows):
            row = [gutter_cell(f"−{most_lost}" if depth == down_rows - 1 else "")]
            for index, month in enumerate(months):
                halves = scaled(-month.lost, most_lost, down_rows, 2)
                fill = min(max(halves - depth * 2, 0), 2)
                row += column(index, _DOWN_BLOCKS[fill], (_LOST,))
            rows.append(row)
        names = [self._month_name(month, slot) for month in months]
        rows.append(
            [gutter_cell("")] + [self._label(i, name, slot) for i, name in enumerate(names)]
        )
        if label_rows == 2:
            years = [self._year(i, month, slot) for i, month in enumerate(months)]
            rows.append(
                [gutter_cell("")] + [self._label(i, year, slot) for i, year in enumerate(years)]
            )
        return rows

    @staticmethod
    def _month_name(month: CreditMonth, slot: int) -> str:
        name = MONTH_NAMES[month.month.month - 1]
        return name if slot >= 3 else name[0]

    @staticmethod
    def _year(index: int, month: CreditMonth, slot: int) -> str:
        # Under the first month and each January, so every month can be placed in its year.
        if index and month.month.month != 1:
            return ""
        year = month.month.year
        return str(year) if slot >= 4 else f"'{year % 100:02d}"[:slot]

    def _label(self, index: int, text: str, slot: int) -> Cell:
        names = (_LABEL, _SELECTED_LABEL) if index == self.selected and text else (_LABEL,)
        return (text[:slot].center(slot), names)

    def _style(self, base: Style, names: tuple[str, ...]) -> Style:
        # A bar keeps its own colour on a selected column: the selection adds only its
        # background (merging the component styles whole would take the selection's colour).
        style = base
        for name in names:
            component = self.get_component_rich_style(name)
            if name == _SELECTED:
                style += Style(bgcolor=component.bgcolor)
            elif name == _SELECTED_LABEL:
                style += component
            else:
                style += Style(color=component.color)
        return style

    def render_line(self, y: int) -> Strip:
        width, height = self.size
        rows = self._layout(width, height)
        base = self.rich_style
        if y >= len(rows):
            return Strip.blank(width, base)
        segments = [Segment(text, self._style(base, names)) for text, names in rows[y]]
        return Strip(segments).adjust_cell_length(width, base)
