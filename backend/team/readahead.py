"""Reading a feed's next page ahead, while the console stores the one it just got.

A console pulling a long feed asks for page N + 1 as soon as it has committed page N, and
that takes it far longer than the database takes to read a page. So after answering a page
that has more, the server reads the next one in the background; the request for it is then
answered from memory. A read-ahead page is used only while the partner's change counter is
what it was before the page was read: any write since makes it a miss, read afresh.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import Engine, select

from backend.team.records import PARTNERS, FeedPage, feed_page

MAX_PAGES = 64
MAX_AGE_S = 30.0
_Key = tuple[int, str, int, int]  # partner, resource, since, limit


@dataclass(frozen=True)
class _Ahead:
    page: FeedPage
    head: int
    read_at: float


class ReadAhead:
    def __init__(self, engine: Engine, workers: int = 2) -> None:
        self._engine = engine
        self._pages: OrderedDict[_Key, _Ahead] = OrderedDict()
        self._pending: set[_Key] = set()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="partnerops-readahead")

    def take(
        self, partner_id: int, resource: str, since: int, limit: int, head: int
    ) -> FeedPage | None:
        """The page read ahead for this request, if nothing was written since it was read."""
        with self._lock:
            ahead = self._pages.pop((partner_id, resource, since, limit), None)
        if ahead is None or ahead.head != head or time.monotonic() - ahead.read_at > MAX_AGE_S:
            return None
        return ahead.page

    def read_next(self, partner_id: int, resource: str, page: FeedPage, limit: int) -> None:
        """Start reading the page after `page`, when there is one."""
        if not page.has_more:
            return
        key = (partner_id, resource, page.next_seq, limit)
        with self._lock:
            if key in self._pending or key in self._pages:
                return
            self._pending.add(key)
        self._pool.submit(self._read, key)

    def _read(self, key: _Key) -> None:
        partner_id, resource, since, limit = key
        try:
            with self._engine.connect() as connection:
                head = connection.execute(
                    select(PARTNERS.c.head).where(PARTNERS.c.id == partner_id)
                ).scalar_one()
                page = feed_page(connection, partner_id, resource, since, limit)
            with self._lock:
                self._pages[key] = _Ahead(page, int(head), time.monotonic())
                while len(self._pages) > MAX_PAGES:
                    self._pages.popitem(last=False)
        finally:
            with self._lock:
                self._pending.discard(key)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
