"""What the screens and the command palette use of the app, as protocols.

They type against these rather than `console.app`, which imports them: no import circle, and
the app jumps to a client without knowing which screen class shows clients.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from textual.await_complete import AwaitComplete
    from textual.worker import Worker

    from console.cache import CacheReader
    from console.local_writes import LocalWrite
    from console.status import StatusSnapshot
    from sync.profile import Profile


class ConsoleApp(Protocol):
    SCREEN_TITLES: ClassVar[dict[str, str]]
    profile: Profile
    cache: CacheReader
    status: StatusSnapshot
    data_generation: int

    def now(self) -> datetime: ...
    def today(self) -> date: ...
    def refresh_status(self) -> None: ...
    def switch_mode(self, mode: str) -> AwaitComplete: ...
    def action_sync_now(self) -> None: ...
    def action_help(self) -> None: ...
    def action_refused(self) -> None: ...
    def queue_action(
        self,
        outbox_action: str,
        args: tuple[object, ...],
        *,
        done: str,
        undo_label: str | None,
        error_title: str,
    ) -> None: ...
    def write_locally(self, write: LocalWrite) -> None: ...
    def open_link(self, url: str, what: str) -> None: ...
    def copy_text(self, text: str, what: str) -> None: ...
    async def jump_to_client(self, client_id: str) -> None: ...
    def report_worker_error(self, worker: Worker) -> None: ...
    def expect_dialog(self) -> None: ...


@runtime_checkable
class ShowsClients(Protocol):
    """The screen that `jump_to_client` switches to can select a client."""

    def jump_to(self, client_id: str, *, open_detail: bool = True) -> None: ...
