"""The one serial writer of the console's local actions, and the undo of them.

Every local action (a note, an owner, a communication owner, end services, alert triage) and
every undo is a `LocalWrite` handed to `LocalWriter.submit`, which writes them one at a time,
in the order submitted, from a single thread worker: `a` then `x` always commit in that order.
A write is one or more steps (a bulk action has one per alert) and one undo step: `u` takes
back all of it. What `u` will take back is remembered for this run of the console and
forgotten when a sync starts or ends (the sync sends the actions, and its rule evaluation
rewrites local alerts); with nothing remembered, `u` takes back the newest single action.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.app import App
from textual.message import Message

WriteStep = Callable[[sqlite3.Connection], object]
"""Writes one action on a write connection; raises LookupError/ValueError to refuse it."""


@dataclass(frozen=True)
class LocalWrite:
    steps: Sequence[WriteStep]
    done: str
    """Said once written, e.g. "Acknowledged 3 alerts (u undoes)"."""
    undo_label: str | None
    """What `u` says it took back, naming clients, e.g. "acknowledged 3 alerts of Acme, Globex";
    None for a write that leaves nothing to undo (dismissing refused actions)."""
    error_title: str


@dataclass(frozen=True)
class _Undo:
    pass


@dataclass(frozen=True)
class _Forget:
    pass


_Job = LocalWrite | _Undo | _Forget


class Written(Message):
    """A `LocalWrite` ran: `applied` steps took effect, `errors` says why the others did not."""

    def __init__(self, write: LocalWrite, applied: int, errors: list[str]) -> None:
        super().__init__()
        self.write = write
        self.applied = applied
        self.errors = errors


class Undone(Message):
    """The last action (or bulk action) was taken back (`what` says which), or there was none."""

    def __init__(self, what: str | None) -> None:
        super().__init__()
        self.what = what


_WRITE_ERRORS = (LookupError, ValueError, sqlite3.DatabaseError)


def apply_steps(conn: sqlite3.Connection, steps: Sequence[WriteStep]) -> tuple[int, list[str]]:
    """Run each step in order; a refused step does not stop the ones after it."""
    applied, errors = 0, []
    for step in steps:
        try:
            step(conn)
        except _WRITE_ERRORS as exc:
            errors.append(str(exc))
        else:
            applied += 1
    return applied, errors


class LocalWriter:
    """A first-in, first-out queue of writes, drained by one thread worker at a time."""

    def __init__(self, app: App[Any], cache_path: Path) -> None:
        self._app = app
        self._cache_path = cache_path
        self._jobs: deque[_Job] = deque()
        self._lock = threading.Lock()
        self._draining = False
        self._undo_steps: list[tuple[int, str]] = []
        """(outbox or journal entries written, label) per write, newest last; writer thread only."""

    def submit(self, write: LocalWrite) -> None:
        self._put(write)

    def undo(self) -> None:
        self._put(_Undo())

    def forget_undo(self) -> None:
        """A sync started or ended: what the console wrote may be sent or rewritten."""
        self._put(_Forget())

    def _put(self, job: _Job) -> None:
        with self._lock:
            self._jobs.append(job)
            if self._draining:
                return  # the running worker takes it next
            self._draining = True
        self._app.run_worker(self._drain, thread=True, group="local-writes", exit_on_error=False)

    def _next(self) -> _Job | None:
        with self._lock:
            if not self._jobs:
                self._draining = False
                return None
            return self._jobs.popleft()

    def _drain(self) -> None:
        # Imported here: the local store's writers pull in SQLModel, off the first paint.
        from local_store.database import CacheError, connect

        conn: sqlite3.Connection | None = None
        try:
            while (job := self._next()) is not None:
                if isinstance(job, _Forget):
                    self._undo_steps.clear()
                    continue
                if conn is None:
                    try:
                        conn = connect(self._cache_path)  # the reader's are for reading
                    except CacheError as exc:
                        self._refuse(job, str(exc))
                        continue
                if isinstance(job, _Undo):
                    self._app.post_message(Undone(self._undo(conn)))
                else:
                    applied, errors = apply_steps(conn, job.steps)
                    if applied and job.undo_label is not None:
                        self._undo_steps.append((applied, job.undo_label))
                    self._app.post_message(Written(job, applied, errors))
        finally:
            if conn is not None:
                conn.close()

    def _refuse(self, job: _Job, error: str) -> None:
        if isinstance(job, LocalWrite):
            self._app.post_message(Written(job, 0, [error]))
        else:
            self._app.post_message(Undone(None))

    def _undo(self, conn: sqlite3.Connection) -> str | None:
        from local_store.alert_triage import undo_last

        if not self._undo_steps:
            return undo_last(conn)
        count, label = self._undo_steps.pop()
        undone = [what for _ in range(count) if (what := undo_last(conn)) is not None]
        return f"undid: {label}" if undone else None
