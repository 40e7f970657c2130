"""The benchmark data set: generated once with a fixed seed and date, cached in `.data/`.

Two files per size: the generator's portfolio as a pickle (loading it is several times faster
than generating it again for each backend process) and a cache filled by one product sync,
which the TUI, search and export figures read.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import time
from datetime import date
from pathlib import Path

DATA_DIR = Path(__file__).with_name(".data")
SEED = 2026
TODAY = date(2026, 11, 23)
TOKENS = ("bench-token-big", "bench-token-small")
"""Fixed, so a backend process started from the pickle needs no handshake for them."""


def portfolio_path(clients: int) -> Path:
    return DATA_DIR / f"portfolio-{clients}-{SEED}.pickle"


def cache_file(clients: int) -> Path:
    return DATA_DIR / f"cache-{clients}-{SEED}.sqlite3"


def _partial(path: Path) -> Path:
    """Where a file is built before its atomic rename; per process, as test runs overlap."""
    return path.with_name(f"{path.name}.{os.getpid()}.partial")


def log(message: str) -> None:
    print(f"[benchmarks] {message}", file=sys.stderr, flush=True)


def ensure_portfolio(clients: int) -> Path:
    path = portfolio_path(clients)
    if path.exists():
        return path
    from backend.bulk import paused_gc
    from backend.generator import generate

    log(f"generating {clients:,} clients (seed {SEED}); done once, kept in {DATA_DIR}")
    started = time.perf_counter()
    portfolios = generate(clients, SEED, TODAY)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    partial = _partial(path)
    with paused_gc(), partial.open("wb") as out:
        pickle.dump(portfolios, out, protocol=pickle.HIGHEST_PROTOCOL)
    partial.rename(path)
    log(f"generated in {time.perf_counter() - started:.1f} s")
    return path


def load_store(clients: int):  # -> backend.store.Store (imported lazily: a heavy import)
    from backend.bulk import paused_gc
    from backend.store import Store

    with paused_gc(), ensure_portfolio(clients).open("rb") as source:
        portfolios = pickle.load(source)
    return Store.from_partner_data(portfolios, TOKENS, TODAY)


def ensure_cache(clients: int, backend_url: str) -> Path:
    """A cache filled by the product's own full sync from `backend_url` (done once)."""
    path = cache_file(clients)
    if cache_ready(clients):
        return path
    from benchmarks.syncing import product_sync

    log(f"syncing {clients:,} clients into {path.name}; done once")
    partial = _partial(path)
    seconds = product_sync(backend_url, partial).total  # its last close folds the WAL in
    partial.rename(path)
    log(f"synced in {seconds:.1f} s")
    return path


def cache_ready(clients: int) -> bool:
    path = cache_file(clients)
    return path.exists() and _schema_current(path)


def _schema_current(path: Path) -> bool:
    """A cache from an older schema is synced again rather than migrated: cheaper to reason
    about, and the TUI refuses old schemas anyway."""
    import sqlite3

    from local_store.database import SCHEMA_VERSION

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    finally:
        conn.close()


def copy_cache(clients: int, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(cache_file(clients), target)
    return target
