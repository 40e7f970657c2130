"""The Clients screen's search, answered from a kept order instead of a LIKE scan and a sort.

One unsearched order is kept per cache file and query (process-wide, shared by every
connection: workers borrow any pooled one), with each row's name and domain for searching
it; a watch on the file's `data_version` drops it when anyone commits.
"""

import os
import sqlite3
import string
import threading
from array import array
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import compress, count, repeat
from operator import contains
from pathlib import Path
from typing import Any, NamedTuple

from local_store.queries import SORT_COLUMNS, ClientOrder, ClientQuery, client_sql


class _SearchBase:
    """An unsearched order, and for searching it each row's `lower(name) \n lower(domain)`
    in blocks of `_BLOCK_ROWS` rows joined by NUL: a block that lacks the text rules out
    its rows in one test (a search matching nothing: 3 ms at 100,000 clients, where testing
    every row takes 8 ms)."""

    __slots__ = ("rowids", "blocks", "searchable", "_split", "last")

    def __init__(self, rowids: array, blocks: list[str], searchable: bool) -> None:
        self.rowids = rowids
        self.blocks = blocks
        self.searchable = searchable
        """False when some name or domain holds a NUL; searches then scan with LIKE."""
        self._split: tuple[list[int], list[str]] | None = None
        self.last: tuple[str, list[int]] | None = None
        """The latest search and the blocks that hold it: a search containing that text
        can only match in those blocks."""

    def split(self) -> tuple[list[int], list[str]]:
        """Rowids and texts one a row, made at the first search, not with the order: about
        14 MB at 100,000 clients (the blocks are 4 MB) that only a search needs. Testing
        them with C-level `map` and `compress` halves a one-letter search (16 -> 8 ms),
        and keeping them spares re-splitting the blocks at every keystroke (5-15 ms)."""
        if self._split is None:
            # Two threads may both make it; either result is the same.
            texts = [text for block in self.blocks for text in block.split(_ROW_END)]
            self._split = (self.rowids.tolist(), texts)
        return self._split


class _Watch(NamedTuple):
    """A connection of our own to one cache file that never writes, so its `PRAGMA
    data_version` changes at every commit by anyone, which no reader's own does (that one
    ignores the reader's own commits and means nothing to another connection)."""

    conn: sqlite3.Connection
    file_id: tuple[int, int]
    """(st_dev, st_ino) of the file watched: a cache moved aside and made anew at the same
    path (`cache rebuild`) is another file."""
    number: int
    """Unique to this watch: another watch's data_version counts from scratch."""


_SEARCH_BASES_KEPT = 2
_search_bases: OrderedDict[tuple[str, ClientQuery], tuple[tuple[int, int], _SearchBase]] = (
    OrderedDict()
)
"""Per cache file and unsearched query, with the version read at the time, most recent last.
Keyed by file, not connection: workers borrow any pooled connection, and each would read
its own copy (80 ms at 100,000 clients)."""
_watches: dict[str, _Watch] = {}
"""Per cache file that has a kept base."""
_watch_numbers = count()
_search_bases_lock = threading.Lock()
_SEPARATOR = "\n"  # between name and domain: a search never spans both
_ROW_END = "\x00"  # between rows of a block
_BLOCK_ROWS = 64
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
"""SQLite's `lower()` and `LIKE` fold ASCII letters only; searches fold the same way."""


def _cache_file(conn: sqlite3.Connection) -> str | None:
    """The connection's main database file; None for an in-memory one."""
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main":
            return file or None
    return None


def _file_id(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


def _close_watch(path: str) -> None:
    watch = _watches.pop(path, None)
    if watch is not None:
        watch.conn.close()
    for key in [key for key in _search_bases if key[0] == path]:
        del _search_bases[key]


def _data_version(path: str) -> tuple[int, int] | None:
    """The file's version now, under the lock; None when it cannot be watched."""
    file_id = _file_id(path)
    watch = _watches.get(path)
    if watch is not None and watch.file_id != file_id:
        _close_watch(path)
        watch = None
    if file_id is None:
        return None
    try:
        if watch is None:
            # mode=ro: a file gone meanwhile is an error, never a new empty database.
            conn = sqlite3.connect(
                f"{Path(path).as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            if _file_id(path) != file_id:  # replaced while it opened
                conn.close()
                return None
            watch = _watches[path] = _Watch(conn, file_id, next(_watch_numbers))
        (version,) = watch.conn.execute("PRAGMA data_version").fetchone()
    except sqlite3.Error:
        _close_watch(path)
        return None
    return watch.number, version


def _search_base(conn: sqlite3.Connection, unsearched: ClientQuery) -> _SearchBase:
    """The unsearched order, read again only when the cache changed (or the sort or filters)."""
    path = _cache_file(conn)
    if path is None or conn.in_transaction:
        # Nothing to watch, or a snapshot (maybe with uncommitted writes) other readers
        # must not be given.
        return _read_search_base(conn, unsearched)
    key = (path, unsearched)
    with _search_bases_lock:
        version = _data_version(path)
        entry = _search_bases.get(key)
        if entry is not None and entry[0] == version:
            _search_bases.move_to_end(key)
            return entry[1]
    # The version was read before the order: a commit in between makes the next look read
    # the order again, never keep an older one.
    base = _read_search_base(conn, unsearched)
    if version is None:
        return base
    with _search_bases_lock:
        if path in _watches and _watches[path].number == version[0]:
            _search_bases[key] = (version, base)
            _search_bases.move_to_end(key)
        while len(_search_bases) > _SEARCH_BASES_KEPT:
            _search_bases.popitem(last=False)
        kept = {kept_path for kept_path, _ in _search_bases}
        for unused in [watched for watched in _watches if watched not in kept]:
            _close_watch(unused)
    return base


def _scan(conn: sqlite3.Connection, query: ClientQuery, columns: str) -> Iterator[tuple[Any, ...]]:
    """`columns` of the query's clients, in its order, by a scan and a sort."""
    where, _, params = client_sql(query)
    direction = "DESC" if query.descending else "ASC"
    # The unary plus keeps SQLite off the sort column's index: walking it costs one table
    # lookup per row for the status test, about three times a scan and a sort.
    return conn.execute(
        f"SELECT {columns} FROM client WHERE {where} "
        f"ORDER BY +{SORT_COLUMNS[query.sort]} {direction}, rowid {direction}",
        params,
    )


def _read_search_base(conn: sqlite3.Connection, unsearched: ClientQuery) -> _SearchBase:
    rowids = array("q")
    blocks: list[str] = []
    block: list[str] = []
    searchable = True
    for rowid, name, domain in _scan(conn, unsearched, "rowid, lower(name), lower(domain)"):
        rowids.append(rowid)
        text = f"{name}{_SEPARATOR}{domain}"
        searchable = searchable and _ROW_END not in text
        block.append(text)
        if len(block) == _BLOCK_ROWS:
            blocks.append(_ROW_END.join(block))
            block = []
    if block:
        blocks.append(_ROW_END.join(block))
    return _SearchBase(rowids, blocks, searchable)


def client_order(conn: sqlite3.Connection, query: ClientQuery) -> ClientOrder:
    """Read in a worker: one scan and a sort, about 80 ms at 100,000 clients, the first time.

    A search then filters the unsearched order kept from that read, in memory, without
    sorting again: at 100,000 clients a one-letter search matching 84% of them took 60-380
    ms as a LIKE scan and a sort, and takes about 8 ms (the first search of an order 15-20
    ms more, see `_SearchBase.split`); one matching nothing about 3 ms. Only a change to
    the cache, the sort or a filter reads the order again, whichever connection asks.
    """
    search = query.search.strip()
    if _SEPARATOR in search or _ROW_END in search:
        return ClientOrder(query, _scanned_order(conn, query))
    base = _search_base(conn, replace(query, search=""))
    if not search:
        return ClientOrder(query, base.rowids)
    if not base.searchable:
        return ClientOrder(query, _scanned_order(conn, query))
    return ClientOrder(query, _filter(base, search.translate(_ASCII_LOWER)))


def _filter(base: _SearchBase, needle: str) -> array:
    """The base's rowids whose text holds `needle`, in order.

    The needle holds no separator, so a block holding it has a row that does; and a
    search containing the previous one (`ab` after `a`, or `b`) matches only in blocks
    the previous one matched in.
    """
    last = base.last
    numbers: Iterable[int] = (
        last[1] if last is not None and last[0] in needle else range(len(base.blocks))
    )
    blocks = base.blocks
    rows, texts = base.split()
    found: list[int] = []
    matched: list[int] = []
    for number in numbers:
        if needle in blocks[number]:
            matched.append(number)
            first = number * _BLOCK_ROWS
            end = first + _BLOCK_ROWS
            found.extend(compress(rows[first:end], map(contains, texts[first:end], repeat(needle))))
    base.last = (needle, matched)
    return array("q", found)


def _scanned_order(conn: sqlite3.Connection, query: ClientQuery) -> array:
    """The order by a LIKE scan, for searches the kept order cannot answer."""
    return array("q", [rowid for (rowid,) in _scan(conn, query, "rowid")])
