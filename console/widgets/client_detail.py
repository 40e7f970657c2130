"""The client detail panel: one client's details, renewals, portal usage, platform engagement,
health and notes, in tabs.

It only shows what it is given (`local_store.client_detail.ClientDetail`, read by the screen
in a worker). Every server string goes through `safe_text` into a `Content`, which never
parses markup; colours are theme variables, so the panel reads right in light and dark.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static, TabbedContent, TabPane

from console.text import format_date, format_local_time, format_money, safe_text
from console.widgets.client_table import ENDING_TEXT
from local_store.activation import activation_summary
from local_store.client_detail import ClientDetail, Renewal, UsagePeriod
from local_store.health import BANDS, health_band

TABS: tuple[tuple[str, str], ...] = (
    ("detail-details", "Client details"),
    ("detail-renewals", "Renewals"),
    ("detail-usage", "Portal usage"),
    ("detail-engagement", "Platform engagement"),
    ("detail-health", "Health & notes"),
)
"""(pane id, title): the four tabs of PRODUCT.md §2, then the console's own health score."""

LABEL_WIDTH = 21
BAR_WIDTH = 30
SPARKS = "▁▂▃▄▅▆▇█"
BAND_STYLES = {"red": "$text-error", "yellow": "$text-warning", "green": "$text-success"}
ENGAGEMENT_STYLES = {"Low": "$text-error", "Medium": "$text-warning", "High": "$text-success"}
SUBSCRIPTION_COLUMNS: tuple[tuple[str, int], ...] = (
    ("Product", 15),
    ("Edition", 13),
    ("Term", 8),
    ("Billing", 10),
    ("MRR", 8),
    ("Start", 11),
    ("Renewal", 11),
)
"""(title, width): each width keeps one space after its longest value."""


def _text(value: object, style: str = "") -> Content:
    """A server value as inert text, optionally styled."""
    return Content.styled(safe_text(value), style) if style else Content(safe_text(value))


def _field(label: str, value: Content | str) -> Content:
    value = value if isinstance(value, Content) else _text(value)
    return Content.assemble((label.ljust(LABEL_WIDTH), "$text-muted"), value)


def _lines(lines: Iterable[Content]) -> Content:
    return Content("\n").join(lines)


def _heading(title: str) -> Content:
    return Content.styled(title, "bold $text-accent")


def _fit(text: str, width: int) -> str:
    """Cut to leave at least one space in a column `width` wide."""
    return text if len(text) < width else text[: width - 2] + "…"


def _signed_money(cents: int) -> str:
    sign = "+" if cents > 0 else "−" if cents < 0 else "±"
    return f"{sign}{format_money(abs(cents))}"


def _health_line(detail: ClientDetail) -> Content:
    band = health_band(detail.health_score)
    if band is None:
        return Content.styled("Health not computed yet", "$text-muted")
    return Content.assemble(
        "Health ", (f"{detail.health_score} {band}", f"bold {BAND_STYLES[band]}")
    )


def title_line(detail: ClientDetail) -> Content:
    """The panel's first line: who, and how healthy."""
    parts: list[Content | str | tuple[str, str]] = [
        _text(detail.name, "bold"),
        "  ",
        _text(detail.domain, "$text-muted"),
        "   ",
        _health_line(detail),
    ]
    if detail.services_status == "ending":
        parts += ["   ", (ENDING_TEXT, "italic $text-warning")]
    return Content.assemble(*parts)


def details_fields(detail: ClientDetail) -> Content:
    owner = detail.owner_name or detail.owner_email
    return _lines(
        [
            _field("Company", _text(detail.name, "bold")),
            _field("Domain", detail.domain),
            _field("HubSpot hub id", str(detail.hub_id)),
            _field("Industry", detail.industry),
            _field("Country", detail.country),
            _field("Relationship", safe_text(detail.relationship).capitalize()),
            _field("MRR", f"{format_money(detail.mrr_cents)} a month"),
            _field("Contact tier", detail.contact_tier),
            _field("Marketing email tier", detail.email_tier),
            _field("Owner", owner if owner else _text("nobody", "$text-muted")),
            _field("Services", detail.services_status),
            _field("Company record", detail.crm_url),
            _field("HubSpot account", detail.account_url),
        ]
    )


def subscriptions_table(detail: ClientDetail) -> Content:
    lines = [_heading("Subscriptions")]
    if not detail.subscriptions:
        return _lines([*lines, Content.styled("No subscriptions on record.", "$text-muted")])
    header = "".join(title.ljust(width) for title, width in SUBSCRIPTION_COLUMNS)
    lines.append(Content.styled(header.rstrip(), "bold"))
    widths = [width for _title, width in SUBSCRIPTION_COLUMNS]
    for sub in detail.subscriptions:
        cells = (
            sub.product,
            sub.edition,
            sub.term,
            sub.billing_frequency,
            format_money(sub.mrr_cents),
            format_date(sub.start_date),
            format_date(sub.renewal_date),
        )
        row = "".join(
            _fit(safe_text(cell), width).ljust(width)
            for cell, width in zip(cells, widths, strict=True)
        )
        lines.append(Content(row.rstrip()))
    return _lines(lines)


def _renewal_block(renewal: Renewal) -> Content:
    owner = {"partner": "the partner", "hubspot": "HubSpot"}.get(
        renewal.communication_owner, safe_text(renewal.communication_owner)
    )
    change_style = (
        "$text-success"
        if renewal.mrr_change_cents > 0
        else "$text-error"
        if renewal.mrr_change_cents < 0
        else ""
    )
    return _lines(
        [
            _heading(f"Renewal on {format_date(renewal.renewal_date) or 'an unknown date'}"),
            _field("Decision deadline", format_date(renewal.decision_deadline) or "—"),
            _field("Status", safe_text(renewal.status).replace("_", " ")),
            _field("Communication owner", owner),
            _field("HubSpot renewal mgr", renewal.renewal_manager),
            _field("Products renewing", ", ".join(renewal.products) or "—"),
            _field("Current subscription", renewal.current_subscription),
            _field("Renewal subscription", renewal.renewal_subscription),
            _field("MRR now", format_money(renewal.mrr_now_cents)),
            _field(
                "MRR change forecast",
                _text(_signed_money(renewal.mrr_change_cents), change_style),
            ),
            _field("Last active employee", renewal.last_active_employee or "—"),
        ]
    )


def renewals_text(detail: ClientDetail) -> Content:
    if not detail.renewals:
        return Content.styled("No renewal on record for this client.", "$text-muted")
    return Content("\n\n").join(_renewal_block(renewal) for renewal in detail.renewals)


def _tools(detail: ClientDetail) -> Content:
    """ "3: Deal pipeline, Forms, Reports": the count with the names when the server sends them."""
    if detail.tools is None:
        return Content.assemble(
            str(detail.tools_in_use), ("  (the server does not name them)", "$text-muted")
        )
    names = ", ".join(safe_text(tool) for tool in detail.tools)
    return Content(f"{detail.tools_in_use}: {names}" if names else str(detail.tools_in_use))


def activation_lines(detail: ClientDetail) -> list[Content]:
    """Onboarding milestones per hub and time to first value, for a client in onboarding."""
    activation = detail.activation
    if activation is None:
        return []
    title = "Activation (first 90 days)" if activation.in_onboarding else "Activation"
    lines = [Content(""), _heading(title), _text(activation_summary(activation))]
    overdue = set(activation.overdue)
    for milestone in activation.milestones:
        name = f"{safe_text(milestone.hub)}: {safe_text(milestone.name)}"
        if milestone.done_on is not None:
            day = (milestone.done_on - activation.since).days
            lines.append(
                Content.assemble(("✓ ", "$text-success"), name, (f"  day {day}", "$text-muted"))
            )
        elif milestone in overdue:
            lines.append(
                Content.assemble(
                    ("✗ ", "$text-error"),
                    name,
                    (f"  overdue since day {milestone.due_day}", "$text-error"),
                )
            )
        else:
            due = f"  due by day {milestone.due_day}" if milestone.due_day is not None else ""
            lines.append(Content.assemble(("· ", "$text-muted"), name, (due, "$text-muted")))
    return lines


def usage_text(detail: ClientDetail) -> Content:
    apps = ", ".join(safe_text(app) for app in detail.apps_in_use)
    lines = [
        _field("Tools in use", _tools(detail)),
        _field("Active users", str(detail.active_users)),
        _field("Apps in use", apps if apps else _text("none", "$text-muted")),
        Content(""),
        _heading("Setup issues"),
    ]
    if detail.setup_issues:
        lines += [_text(f"• {safe_text(issue)}", "$text-warning") for issue in detail.setup_issues]
    else:
        lines.append(Content.styled("No open setup issues.", "$text-muted"))
    return _lines([*lines, *activation_lines(detail)])


def _trend(usage: Sequence[UsagePeriod]) -> Content:
    if not usage:
        return Content.styled("no usage periods yet", "$text-muted")
    sparks = "".join(
        SPARKS[max(0, min(period.engagement_score, 10)) * (len(SPARKS) - 1) // 10]
        for period in usage
    )
    first, last = usage[0], usage[-1]
    change = last.engagement_score - first.engagement_score
    since = format_date(first.period) or "the first period"
    words = f"  {first.engagement_score} → {last.engagement_score} since {since}"
    style = "$text-success" if change > 0 else "$text-error" if change < 0 else ""
    return Content.assemble((sparks, f"bold {style}".strip()), words)


def _category_bars(latest: UsagePeriod | None) -> list[Content]:
    if latest is None or not latest.category_points:
        return [Content.styled("No per-category points yet.", "$text-muted")]
    top = max((points for _category, points in latest.category_points), default=0)
    label_width = min(max(len(safe_text(c)) for c, _p in latest.category_points) + 2, 24)
    lines = []
    for category, points in latest.category_points:
        length = round(BAR_WIDTH * points / top) if top > 0 and points > 0 else 0
        lines.append(
            Content.assemble(
                _fit(safe_text(category), label_width).ljust(label_width),
                ("█" * length, "$accent"),
                f" {points}",
            )
        )
    return lines


def engagement_text(detail: ClientDetail) -> Content:
    latest = detail.latest_usage
    band_style = ENGAGEMENT_STYLES.get(detail.engagement_band, "")
    score = Content.assemble(
        (f"{detail.engagement_score} / 10 ", "bold"),
        _text(detail.engagement_band, f"bold {band_style}".strip()),
        ("   Low 0–3 · Medium 4–6 · High 7–10", "$text-muted"),
    )
    period = f" ({format_date(latest.period)})" if latest is not None and latest.period else ""
    return _lines(
        [
            _field("Score", score),
            _field("Trend", _trend(detail.usage)),
            Content(""),
            _heading(f"Points per category{period}"),
            *_category_bars(latest),
            *_points_sum(latest),
        ]
    )


def _points_sum(latest: UsagePeriod | None) -> list[Content]:
    """What links the bars to the score: the points add up to the score × 10."""
    if latest is None or not latest.category_points:
        return []
    total = sum(points for _category, points in latest.category_points)
    if total == latest.engagement_score * 10:
        text = f"{total} points of 100 in all: the score {latest.engagement_score} / 10"
    else:
        text = f"{total} points of 100 in all (score {latest.engagement_score} / 10)"
    return [Content.styled(text, "$text-muted")]


BAND_LEGEND = " · ".join(f"{name} {low}–{high}" for name, low, high in BANDS).capitalize()
"""'Red 0–50 · yellow 51–75 · green 76–100', from the bands' one home."""


def health_text(detail: ClientDetail) -> Content:
    lines = [
        _health_line(detail),
        Content.styled(BAND_LEGEND, "$text-muted"),
    ]
    lines.append(Content(""))
    lines.append(_heading("Why"))
    if not detail.health_reasons:
        lines.append(Content.styled("not computed yet", "$text-muted"))
    for reason in detail.health_reasons:
        style = "$text-success" if reason.points > 0 else "$text-error" if reason.points < 0 else ""
        lines.append(
            Content.assemble(
                (f"{reason.points:+d}".replace("-", "−").rjust(5), f"bold {style}".strip()),
                "  ",
                _text(reason.label),
            )
        )
    lines += [Content(""), _heading("Notes")]
    if not detail.notes:
        lines.append(Content.styled("No notes yet: n adds one.", "$text-muted"))
    for note in detail.notes:
        when = format_local_time(note.created_at) if note.created_at else "unknown time"
        lines.append(Content.assemble((when, "$text-muted"), "  ", _text(note.author, "bold")))
        lines += [_text(part) for part in note.text.splitlines() or [""]]
    return _lines(lines)


class ClientDetailPanel(Vertical):
    """Shown under the clients table while a client is open."""

    DEFAULT_CSS = """
    ClientDetailPanel {
        height: 1fr;
        background: $surface;
        border-top: hkey $primary;
        #detail-title { height: 1; padding: 0 1; }
        TabbedContent { height: 1fr; }
        TabPane { padding: 0 1; height: 1fr; }
        TabPane > VerticalScroll { height: 1fr; }
        .detail-columns { height: auto; }
        #detail-fields { width: 1fr; margin: 0 2 1 0; }
        #detail-subscriptions { width: 76; }
    }
    """

    TAB_IDS: ClassVar[tuple[str, ...]] = tuple(pane_id for pane_id, _title in TABS)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.client_id: str | None = None
        """The client shown (or being read); None while the panel is closed."""
        # Built here rather than in `compose`, so that the screen can fill them in the moment
        # it creates the panel, before the panel is mounted.
        self._title = Static(id="detail-title", markup=False)
        self._fields = Static(id="detail-fields", markup=False)
        self._subscriptions = Static(id="detail-subscriptions", markup=False)
        self._tab_texts = {
            pane_id: Static(id=f"{pane_id}-text", markup=False) for pane_id, _title in TABS[1:]
        }

    def compose(self) -> ComposeResult:
        yield self._title
        with TabbedContent(initial=TABS[0][0]):
            with (
                TabPane(TABS[0][1], id=TABS[0][0]),
                VerticalScroll(),
                Horizontal(classes="detail-columns"),
            ):
                yield self._fields
                yield self._subscriptions
            for pane_id, title in TABS[1:]:
                with TabPane(title, id=pane_id), VerticalScroll():
                    yield self._tab_texts[pane_id]

    def show_reading(self, client_id: str, name: str) -> None:
        """Say which client is coming while its detail is read."""
        self.client_id = client_id
        self._title.update(Content.assemble(_text(name, "bold"), ("  reading…", "$text-muted")))

    def show_missing(self) -> None:
        self._title.update(
            Content.styled("This client is no longer in the cache.", "$text-warning")
        )
        for static in (self._fields, self._subscriptions, *self._tab_texts.values()):
            static.update("")

    def show(self, detail: ClientDetail) -> None:
        self.client_id = detail.id
        self._title.update(title_line(detail))
        self._fields.update(details_fields(detail))
        self._subscriptions.update(subscriptions_table(detail))
        texts = self._tab_texts
        texts["detail-renewals"].update(renewals_text(detail))
        texts["detail-usage"].update(usage_text(detail))
        texts["detail-engagement"].update(engagement_text(detail))
        texts["detail-health"].update(health_text(detail))

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active

    def switch_tab(self, step: int) -> None:
        """Show the next (`step` 1) or previous (-1) tab, wrapping around."""
        found = self.query(TabbedContent)
        if not found:
            return  # a key pressed the moment the panel was created, before its tabs mounted
        tabs = found.first()
        position = self.TAB_IDS.index(tabs.active) if tabs.active in self.TAB_IDS else 0
        tabs.active = self.TAB_IDS[(position + step) % len(self.TAB_IDS)]
