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


class SyncFinished(Message):
    """A sync ended. `offline` means the backend could not be reached at all; `refused` has
    one line per action the server rejected or that lost to a server change; `user_must_act`
    that syncing again cannot help until the user fixes what `error` names."""

    def __init__(
        self,
        error: str | None = None,
        *,
        offline: bool = False,
        refused: list[str] | None = None,
        user_must_act: bool = False,
    ) -> None:
        super().__init__()
        self.error = error
        self.offline = offline
        self.refused = refused or []
        self.user_must_act = user_must_act


class StatusSnapshot(NamedTuple):
    """Everything the header shows, read at one moment."""

    partner: PartnerHeader | None = None
    overview: SyncOverview | None = None
    activity: str | None = None
    offline: bool = False
    now: datetime | None = None

    def sync_text(self) -> str:
        """ "synced 3 min ago", "syncing 42%", "offline — cached 2 h ago", and actions waiting."""
        if self.activity:
            base = self.activity
        else:
            last = self.overview.last_success if self.overview else None
            if last is None or self.now is None:
                base = "never synced"
            else:
                age = format_relative(last, self.now)
                if self.offline:
                    base = f"offline — cached {age}"
                elif self.overview and self.overview.last_error:
                    base = f"last sync failed — cached {age}"
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
        if self.overview and self.overview.last_error:
            lines.append(Text("Last error: ") + literal(self.overview.last_error))
        return Text("\n").join(lines)
