"""Tier: the partner's tier figures, sold credit per month, and what expires next.

Everything comes from `local_store.tier`, read in workers. Picking a month on the chart
shows its breakdown at once (the chart already holds the sums) and reads the clients behind
it in a worker; `enter` on a client opens its detail panel over this screen, which keeps its
place (and the Clients screen its filters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from functools import partial
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from console.screens.base import PaletteCommand, PartnerOpsScreen
from console.text import format_local_time, format_money, format_relative, literal
from console.widgets.credit_chart import MONTH_NAMES, CreditChart
from console.widgets.virtual_table import PAGE_SIZE, Column, VirtualTable
from local_store.tier import (
    MIN_MEDIAN_APP_USAGE,
    SIDES,
    CreditMonth,
    CreditProjection,
    MonthClient,
    TierReport,
    credit_by_month,
    credit_projection,
    month_client_count,
    month_clients,
    tier_report,
    tier_threshold,
)

CHART_MONTHS = 12
PROJECTION_MONTHS = 3
PROGRESS_WIDTH = 24
PROJECTION_CLIENTS = 3
NO_DATA = (
    "There are no tier figures in the cache yet. Press r (or run `partnerops sync`) to fetch "
    "the partner's tier and sold credit."
)
KIND_LABELS = {
    "new": "New",
    "increased": "Increased",
    "expired": "Expired or churned",
    "decreased": "Decreased",
}
SIDE_TITLES = {"total": "Total", "gained": "Gained", "lost": "Lost"}
TAB_TITLES = {"total": "All", "gained": "Gained", "lost": "Lost"}
"""The lists count clients, the breakdown beside them points: the labels say which."""
BODY_ACTIONS = ("focus_chart", "show_side", "next_tab", "previous_tab")
"""What the keys of the tier screen do, each needing the cache's figures."""
_GOOD, _BAD, _MUTED = "$text-success", "$text-error", "$text-muted"


def _signed(points: int) -> str:
    return f"{points:+,}".replace("-", "−") if points else "0"


def _age(moment: datetime, now: datetime) -> str:
    """How old the figures are; a stamp ahead of this machine's clock says so instead of
    reading "just now" (the vendor stamps its daily refresh, which can be ahead of us)."""
    ahead = int((moment - now).total_seconds() // 60)
    if ahead < 1:
        return format_relative(moment, now)
    if ahead < 120:
        return f"{ahead} min ahead of this computer's clock"
    return f"{ahead // 60} h ahead of this computer's clock"


def _month_title(month: date) -> str:
    return f"{MONTH_NAMES[month.month - 1]} {month.year}"


def _server(value: object, style: str = "") -> Content:
    """A cache string as inert content: never markup, controls shown visibly."""
    return Content.from_rich_text(literal(value)).stylize(style)


def _client_name(row: MonthClient) -> str:
    return row.name if row.name is not None else f"{row.client_id} (not in the cache)"


TIER_COLUMNS: tuple[Column[MonthClient], ...] = (
    Column(
        "client",
        "Client",
        24,
        _client_name,
        tone=lambda r: "muted" if r.name is None else None,
        flex=True,
        min_width=14,
    ),
    Column("kind", "Kind", 18, lambda r: KIND_LABELS.get(r.kind, r.kind), priority=30),
    Column("points", "Points", 8, lambda r: _signed(r.points), "right", priority=10),
    Column("mrr", "MRR basis", 10, lambda r: format_money(r.mrr_basis_cents), "right", priority=20),
)


class TierClientList(VirtualTable[MonthClient]):
    """The clients behind one side of a month, paged from the cache; every key has an id so a
    keymap can move it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "enter",
            "open",
            "Open client",
            id="tier.open-client",
            tooltip="Open the selected client's detail panel here.",
        ),
        Binding("up", "cursor_up", "Up", show=False, id="tier.list-up", tooltip="Previous client."),
        Binding(
            "down", "cursor_down", "Down", show=False, id="tier.list-down", tooltip="Next client."
        ),
        Binding(
            "pageup", "page_up", "Page up", show=False, id="tier.list-page-up", tooltip="Page up."
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="tier.list-page-down",
            tooltip="Page down.",
        ),
        Binding(
            "home", "first", "First", show=False, id="tier.list-first", tooltip="First client."
        ),
        Binding("end", "last", "Last", show=False, id="tier.list-last", tooltip="Last client."),
    ]

    def __init__(self, side: str) -> None:
        super().__init__(
            TIER_COLUMNS, row_id=lambda row: (row.client_id, row.kind), id=f"tier-list-{side}"
        )
        self.side = side


class TierScreen(PartnerOpsScreen):
    DEFAULT_CSS = """
    #tier-body {
        height: 1fr;
    }

    .tier-row {
        height: auto;
    }

    .tier-panel,
    #credit-chart,
    #tier-clients {
        border: round $foreground 30%;
        border-title-color: $text-accent;
        padding: 0 1;
    }

    #credit-chart:focus,
    #tier-clients:focus-within {
        border: round $accent;
    }

    #tier-report {
        width: 1fr;
        height: auto;
    }

    #tier-projection {
        width: 1fr;
        height: auto;
        min-height: 11;
    }

    #credit-chart {
        height: 14;
    }

    #tier-month {
        height: 1fr;
        min-height: 13;
    }

    #tier-breakdown {
        width: 32;
        height: 100%;
    }

    #tier-clients {
        width: 1fr;
        height: 100%;
        padding: 0;
    }

    #tier-clients TierClientList {
        height: 1fr;
    }

    TierScreen.-narrow .tier-row {
        layout: vertical;
    }

    TierScreen.-narrow .tier-panel,
    TierScreen.-narrow #tier-breakdown {
        width: 100%;
        height: auto;
        min-height: 0;
    }

    TierScreen.-narrow #tier-month {
        height: auto;
    }

    TierScreen.-narrow #tier-clients {
        height: 16;
    }

    .tier-no-data {
        display: none;
    }
    """
    SCREEN_TITLE = "Tier"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    HELP_NOTES = (
        "Pick a month on the chart (left and right, or click a bar) to see its breakdown and the "
        "clients behind it. ] and [ switch between the All, Gained and Lost lists of clients; "
        "enter opens a client's panel over this screen. "
        "Figures are the vendor's, refreshed daily between 6 and 8 AM."
    )
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "p",
            "focus_chart",
            "Pick month",
            id="tier.chart",
            tooltip="Move to the credit chart to pick a month.",
        ),
        Binding(
            "right_square_bracket",
            "next_tab",
            "Next tab",
            show=False,
            id="tier.next-tab",
            tooltip="Show the next list of clients: total, gained, lost.",
        ),
        Binding(
            "left_square_bracket",
            "previous_tab",
            "Previous tab",
            show=False,
            id="tier.previous-tab",
            tooltip="Show the previous list of clients.",
        ),
    ]

    class Loaded(Message):
        """The report and the months, read by a worker (`ProjectionRead` follows)."""

        def __init__(self, report: TierReport | None, months: list[CreditMonth]) -> None:
            super().__init__()
            self.report = report
            self.months = months

    class ProjectionRead(Message):
        """The projection, read after the months: the chart shows without waiting for it."""

        def __init__(self, projection: CreditProjection) -> None:
            super().__init__()
            self.projection = projection

    class MonthClientsRead(Message):
        """The clients behind one month, per side, read by a worker."""

        def __init__(
            self, month: date, sides: dict[str, tuple[int | None, list[MonthClient]]]
        ) -> None:
            super().__init__()
            self.month = month
            self.sides = sides
            """Side → (how many clients, None until `MonthClientsCounted`; the first page)."""

    class MonthClientsCounted(Message):
        """How many clients each side of a month lists, read after their first pages."""

        def __init__(self, month: date, counts: dict[str, int]) -> None:
            super().__init__()
            self.month = month
            self.counts = counts

    def __init__(self) -> None:
        super().__init__()
        self._showing_body = False

    # Layout.

    def compose_body(self) -> ComposeResult:
        cache = self.console_app.cache
        self._showing_body = cache.available
        if not cache.available:
            yield Static(cache.problem or "", id="empty-state", markup=False)
            return
        yield Static(NO_DATA, id="empty-state", classes="tier-no-data", markup=False)
        with VerticalScroll(id="tier-body"):
            with Horizontal(id="tier-top", classes="tier-row"):
                yield Static(id="tier-report", classes="tier-panel")
                yield Static(id="tier-projection", classes="tier-panel")
            yield CreditChart(id="credit-chart")
            with Horizontal(id="tier-month", classes="tier-row"):
                yield Static(id="tier-breakdown", classes="tier-panel")
                with TabbedContent(id="tier-clients"):
                    for side in SIDES:
                        with TabPane(TAB_TITLES[side], id=f"tier-tab-{side}"):
                            yield TierClientList(side)

    def on_mount(self) -> None:
        super().on_mount()
        self._start()

    def _start(self) -> None:
        if self._showing_body:
            self.query_one("#tier-report").border_title = "Tier report"
            self.query_one(
                "#tier-projection"
            ).border_title = f"Next {PROJECTION_MONTHS} months if nothing is sold"
            self.query_one(CreditChart).border_title = "Sold tier credit"
            self.query_one("#tier-breakdown").border_title = "Month"
            # Without scrolling: at 80x24 the report, above the chart, is what shows first.
            self.query_one(CreditChart).focus(scroll_visible=False)
            self._load(self._today())

    def _now(self) -> datetime:
        # The app's clock, so tests and snapshots see a fixed moment.
        return self.console_app.now()

    def _today(self) -> date:
        return self._now().astimezone().date()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Without a cache there is nothing to move to: hide the keys rather than offer dead ones.
        return self._showing_body or action not in BODY_ACTIONS

    # Reading the cache.

    @work(thread=True, exclusive=True, group="tier-read", exit_on_error=False)
    def _load(self, today: date) -> None:
        with self.console_app.cache.borrow() as conn:
            report = tier_report(conn)
            months = credit_by_month(conn, CHART_MONTHS, until=today)
            self.post_message(self.Loaded(report, months))
            projection = credit_projection(conn, today, PROJECTION_MONTHS)
        self.post_message(self.ProjectionRead(projection))

    @work(thread=True, exclusive=True, group="tier-month", exit_on_error=False)
    def _load_month(self, month: date) -> None:
        with self.console_app.cache.borrow() as conn:
            pages = {side: month_clients(conn, month, side, 0, PAGE_SIZE) for side in SIDES}
            # A first page shorter than a page is every client: its count is known at once.
            sides = {
                side: (len(page) if len(page) < PAGE_SIZE else None, page)
                for side, page in pages.items()
            }
            self.post_message(self.MonthClientsRead(month, sides))
            if all(count is not None for count, _ in sides.values()):
                return
            counts = {
                side: count if count is not None else month_client_count(conn, month, side)
                for side, (count, _) in sides.items()
            }
        self.post_message(self.MonthClientsCounted(month, counts))

    def _fetch_page(self, month: date, side: str, offset: int, limit: int) -> Sequence[MonthClient]:
        # On the UI thread, while drawing: one page of the month's clients.
        conn = self.console_app.cache.ui
        return self.page_or_nothing(lambda: month_clients(conn, month, side, offset, limit))

    @on(Loaded)
    def _show_loaded(self, message: Loaded) -> None:
        empty = message.report is None and not any(
            month.gained or month.lost for month in message.months
        )
        self.query_one("#empty-state").display = empty
        self.query_one("#tier-body").display = not empty
        self._show_report(message.report)
        # After a sync the same month stays selected; the first time, the latest is.
        chart = self.query_one(CreditChart)
        previous = chart.selected_month
        months = [month.month for month in message.months]
        keep = months.index(previous.month) if previous and previous.month in months else None
        chart.show(message.months, keep)

    @on(ProjectionRead)
    def _show_projection_read(self, message: ProjectionRead) -> None:
        self._show_projection(message.projection)

    def reload(self) -> None:
        if self.console_app.cache.available != self._showing_body:
            self.call_later(self._rebuild)
        elif self._showing_body:
            self._load(self._today())

    async def _rebuild(self) -> None:
        """The cache appeared (or went away) since this screen was built."""
        await self.recompose()
        self._start()

    # The panels.

    def _show_report(self, report: TierReport | None) -> None:
        panel = self.query_one("#tier-report", Static)
        if report is None:
            panel.update(Content("No partner figures yet: sync to fetch them."))
            return
        lines: list[Content] = [
            Content.assemble(("Credited tier  ", _MUTED), _server(report.credited_tier, "bold")),
            Content.assemble(("Performance    ", _MUTED), _server(report.performance_tier, "bold")),
            Content.assemble(("Points         ", _MUTED), (f"{report.points:,}", "bold")),
        ]
        if report.next_tier is None:
            lines.append(Content.assemble(("Next tier      ", _MUTED), "at the top tier"))
        else:
            filled = round(report.progress * PROGRESS_WIDTH)
            lines.append(
                Content.assemble(
                    ("To next tier   ", _MUTED),
                    (f"{report.points_to_next_tier:,}", "bold"),
                    " points to ",
                    _server(report.next_tier, "bold"),
                )
            )
            lines.append(
                Content.assemble(
                    ("               ", _MUTED),
                    ("━" * filled, "$success"),
                    ("━" * (PROGRESS_WIDTH - filled), "$foreground 20%"),
                    (f" {report.progress:.0%}", _MUTED),
                )
            )
            lines.append(
                Content.assemble(
                    ("Minimums       ", _MUTED),
                    f"{report.sourced_minimum:,} sourced · {report.managed_minimum:,} managed",
                )
            )
        usage_ok = report.median_app_usage_ok
        lines.append(
            Content.assemble(
                ("Median apps    ", _MUTED),
                (f"{report.median_app_usage:g}", "bold"),
                (f"  ✓ at least {MIN_MEDIAN_APP_USAGE}", _GOOD)
                if usage_ok
                else (f"  ✗ below {MIN_MEDIAN_APP_USAGE}", _BAD),
            )
        )
        lines.append(
            Content.assemble(
                ("Certified      ", _MUTED),
                ("✓ yes", _GOOD) if report.certified else ("✗ no", _BAD),
                ("   growth market: points count double", _MUTED) if report.growth_market else "",
            )
        )
        if report.figures_as_of is None:
            as_of = Content("unknown")
        else:
            as_of = Content.assemble(
                format_local_time(report.figures_as_of),
                (f" ({_age(report.figures_as_of, self._now())})", _MUTED),
                (" · refreshed daily 6–8 AM", _MUTED),
            )
        lines.append(Content.assemble(("As of          ", _MUTED), as_of))
        panel.update(Content("\n").join(lines))

    def _show_projection(self, projection: CreditProjection) -> None:
        lines: list[Content] = []
        for month in projection.months:
            lines.append(
                Content.assemble(
                    (f"{_month_title(month.month):<9} ", _MUTED),
                    (
                        f"{_signed(-month.points_expiring):>7}",
                        _BAD if month.points_expiring else "",
                    ),
                    f"  → {month.points_after:>7,}  ",
                    _server(month.tier_after),
                    (f"  {len(month.clients)} clients", _MUTED),
                )
            )
        if projection.tier_drops:
            threshold = tier_threshold(projection.tier_now) or 0
            verdict = Content.assemble(
                ("✗ ", _BAD),
                _server(projection.tier_now, "bold"),
                " → ",
                _server(projection.tier_after, f"bold {_BAD}"),
                f": sell {threshold - projection.points_after:,} points to keep it",
            )
        else:
            verdict = Content.assemble(
                ("✓ stays ", _GOOD),
                _server(projection.tier_now, "bold"),
                f" with {projection.points_after:,} points",
            )
        lines += [Content(""), verdict]
        biggest = sorted(
            (client for month in projection.months for client in month.clients),
            key=lambda client: -client.points_expiring,
        )[:PROJECTION_CLIENTS]
        if biggest:
            lines.append(Content.styled("Biggest expiring credit:", _MUTED))
        for client in biggest:
            lines.append(
                Content.assemble(
                    (f"{_signed(-client.points_expiring):>6}  ", _BAD),
                    _server(client.name if client.name is not None else client.client_id),
                )
            )
        self.query_one("#tier-projection", Static).update(Content("\n").join(lines))

    def _show_breakdown(self, month: CreditMonth) -> None:
        def line(label: str, points: int, style: str) -> Content:
            return Content.assemble((f"{label:<19}", _MUTED), (f"{_signed(points):>7}", style))

        panel = self.query_one("#tier-breakdown", Static)
        panel.border_title = f"{_month_title(month.month)} · points"
        panel.update(
            Content("\n").join(
                [
                    line("New", month.new, _GOOD),
                    line("Increased", month.increased, _GOOD),
                    line("Expired or churned", month.expired, _BAD),
                    line("Decreased", month.decreased, _BAD),
                    Content.styled("─" * 26, _MUTED),
                    line("Net points", month.total, "bold"),
                ]
            )
        )

    # The selected month and its clients.

    @on(CreditChart.MonthSelected)
    def _month_selected(self, message: CreditChart.MonthSelected) -> None:
        self._show_breakdown(message.month)
        self._load_month(message.month.month)

    @on(MonthClientsRead)
    def _show_month_clients(self, message: MonthClientsRead) -> None:
        if not self._showing_month(message.month):
            return  # the user has moved on; that month's read is on its way
        for side, (count, first_page) in message.sides.items():
            fetch = partial(self._fetch_page, message.month, side)
            shown = len(first_page) if count is None else count
            self.query_one(f"#tier-list-{side}", TierClientList).show(shown, fetch, first_page)
            self._label_tab(side, count)

    @on(MonthClientsCounted)
    def _show_month_counts(self, message: MonthClientsCounted) -> None:
        if not self._showing_month(message.month):
            return
        for side, count in message.counts.items():
            self.query_one(f"#tier-list-{side}", TierClientList).set_row_count(count)
            self._label_tab(side, count)

    def _showing_month(self, month: date) -> bool:
        selected = self.query_one(CreditChart).selected_month
        return selected is not None and selected.month == month

    def _label_tab(self, side: str, count: int | None) -> None:
        clients = "counting…" if count is None else f"{count:,} client{'s' if count != 1 else ''}"
        tab = self.query_one(TabbedContent).get_tab(f"tier-tab-{side}")
        tab.label = f"{TAB_TITLES[side]} · {clients}"

    @on(TierClientList.Opened)
    def _open_client(self, event: TierClientList.Opened) -> None:
        """The client's panel over this screen: Tier keeps its month, list and cursor."""
        from console.screens.client_panel import ClientPanelDialog

        row = event.row
        self.app.push_screen(ClientPanelDialog(row.client_id, row.name or row.client_id))

    # Actions.

    def action_focus_chart(self) -> None:
        self.query_one(CreditChart).focus()

    def action_next_tab(self) -> None:
        self._step_tab(1)

    def action_previous_tab(self) -> None:
        self._step_tab(-1)

    def _step_tab(self, step: int) -> None:
        active = self.query_one(TabbedContent).active.removeprefix("tier-tab-")
        position = SIDES.index(active) if active in SIDES else 0
        self.action_show_side(SIDES[(position + step) % len(SIDES)])

    def action_show_side(self, side: str) -> None:
        self.query_one(TabbedContent).active = f"tier-tab-{side}"
        self.query_one(f"#tier-list-{side}", TierClientList).focus()

    def palette_commands(self) -> Iterable[PaletteCommand]:
        if not self._showing_body:
            return
        yield PaletteCommand(
            "Pick a month of tier credit", "Move to the credit chart.", self.action_focus_chart
        )
        for side in SIDES:
            yield PaletteCommand(
                f"Show {SIDE_TITLES[side].lower()} credit clients",
                f"List the clients behind the selected month's {side} credit.",
                partial(self.action_show_side, side),
            )
