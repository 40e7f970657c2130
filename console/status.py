"""What the header says about the partner and the cache's freshness, and the messages that
change it. Workers post these messages; only their handlers touch widgets."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from rich.text import Text
from textual.message import Message

from console.text import format_local_time, format_relative, literal
from local_store.queries import PartnerHeader, SyncOverview


class SyncProgress(Message):
    """A running sync reports progress; `fraction` is 0–1, or None when unknown."""

    def __init__(self, fraction: float | None = None, detail: str = "") -> None:
        super().__init__()
        self.fraction = fraction
        self.detail = detail


class SyncUnreachable(Message):
    """A running sync could not connect (`reason` says why) and keeps retrying quietly."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


class SyncFinished(Message):
    """A sync ended. `offline` means the backend could not be reached at all; `refused` has
    one line per action the server rejected or that lost to a server change; `user_must_act`
    that syncing again cannot help until the user fixes what `error` names, and `paused`
    says it in a few words for the header ("token rejected")."""

    def __init__(
        self,
        error: str | None = None,
        *,
        offline: bool = False,
        refused: list[str] | None = None,
        user_must_act: bool = False,
        paused: str | None = None,
    ) -> None:
        super().__init__()
        self.error = error
        self.offline = offline
        self.refused = refused or []
        self.user_must_act = user_must_act
        self.paused = paused


class StatusSnapshot(NamedTuple):
    """Everything the header shows, read at one moment."""

    partner: PartnerHeader | None = None
    overview: SyncOverview | None = None
    activity: str | None = None
    offline: bool = False
    now: datetime | None = None
    paused: str | None = None
    """Why syncing is paused until the user fixes something ("token rejected"), or None."""
    problem: str | None = None
    """The last sync's error in full, for the tooltip: why offline, or why paused."""

    def sync_text(self) -> str:
        """ "synced 3 min ago", "syncing 42%", "offline — cached 2 h ago", "sync paused: token
        rejected — cached 5 min ago", and actions waiting and refused."""
        last = self.overview.last_success if self.overview else None
        age = format_relative(last, self.now) if last is not None and self.now else None
        cached = f" — cached {age}" if age else " — nothing cached yet"
        if self.paused:
            # Before anything else: nothing syncs until the user fixes it.
            base = f"sync paused: {self.paused}{cached}"
        elif self.offline:
            base = f"offline{cached}"
        elif self.activity:
            base = self.activity
        elif age is None:
            base = "never synced"
        elif self.overview and self.overview.last_error:
            base = f"last sync failed{cached}"
        else:
            base = f"synced {age}"
        parts = [base]
        if self.overview and self.overview.actions_waiting:
            count = self.overview.actions_waiting
            parts.append(f"{count} action{'s' if count != 1 else ''} waiting to sync")
        if self.overview and self.overview.actions_refused:
            parts.append(f"{self.overview.actions_refused} refused")
        return " · ".join(parts)

    def sync_tooltip(self) -> Text:
        """The local time of the last sync and the last error, which came from the server."""
        last = self.overview.last_success if self.overview else None
        lines = [Text(f"Last synced {format_local_time(last)}" if last else "Never synced")]
        if self.paused and self.problem:
            lines.append(Text("Sync paused: ") + literal(self.problem))
        elif self.offline and self.problem:
            lines.append(literal(self.problem) + Text("; retrying in the background."))
        if self.overview and self.overview.actions_refused:
            lines.append(Text("Refused actions (in the palette) says what the server said."))
        if self.overview and self.overview.last_error:
            lines.append(Text("Last error: ") + literal(self.overview.last_error))
        return Text("\n").join(lines)
