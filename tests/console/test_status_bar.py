"""The header line on a narrow terminal: the sync state keeps its room, the partner comes
next, the profile gives way first, and nothing is cut without an ellipsis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Static

from console.status import StatusSnapshot
from console.widgets.status_bar import StatusBar
from local_store.queries import PartnerHeader, ResourceSync, SyncOverview

NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield StatusBar("north-star", "Implementation Specialist")
        yield Static("body")


def snapshot(partner: str, *, failed: bool, waiting: int) -> StatusSnapshot:
    resource = ResourceSync("clients", NOW - timedelta(hours=3), "HTTP 503" if failed else None)
    return StatusSnapshot(
        PartnerHeader(partner, "Diamond"), SyncOverview((resource,), waiting, 0), now=NOW
    )


def header_line(app: App[None]) -> str:
    """The header's labels as drawn, each at its place on the line."""
    line = [" "] * app.size.width
    for label in app.query_one(StatusBar).children:
        text = label.render_line(0).text
        line[label.region.x : label.region.x + len(text)] = text
    return "".join(line)


@pytest.mark.parametrize(
    ("width", "partner", "failed", "waiting", "shown"),
    [
        (
            80,
            "Blueprint Consulting",
            False,
            0,
            ["Blueprint Consulting · Diamond", "synced 3 h ago"],
        ),
        (
            80,
            "Blueprint Consulting Group International",
            True,
            12,
            ["Blueprint Consulting Group …", "last sync failed — cached 3 h ago · 12 acti…"],
        ),
        (
            200,
            "Blueprint Consulting Group International",
            True,
            12,
            [
                "Blueprint Consulting Group International · Diamond",
                "profile north-star · Implementation Specialist",
                "last sync failed — cached 3 h ago · 12 actions waiting to sync",
            ],
        ),
    ],
)
async def test_the_header_shares_a_narrow_line_by_importance(
    width: int, partner: str, failed: bool, waiting: int, shown: list[str]
) -> None:
    app = HeaderApp()
    async with app.run_test(size=(width, 3)) as pilot:
        app.query_one(StatusBar).show(snapshot(partner, failed=failed, waiting=waiting))
        await pilot.pause()
        line = header_line(app)
        assert len(line) == width
        position = 0
        for text in shown:
            found = line.find(text, position)
            assert found >= position, (text, line)
            position = found + len(text)
        assert line.rstrip().endswith(shown[-1])
