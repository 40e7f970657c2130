"""The reference backend in its own process, serving the cached portfolio.

A separate process, so the backend's JSON work does not share the GIL with the sync being
measured (the product talks to a backend on another machine). Prints `url <url>` once it
accepts requests; then reads commands from stdin, one a line, and answers each with `ok`:

    touch <fraction>   re-write that fraction of every resource's records (new versions)
"""

from __future__ import annotations

import gc
import random
import sys

from backend.server import start_in_thread
from benchmarks.dataset import load_store


def touch(store, fraction: float) -> int:  # store: backend.store.Store
    """Give `fraction` of each resource's records a new version, as real edits would."""
    partner = store.partners[0]
    rng = random.Random(7)
    touched = 0
    for resource in partner.feeds:
        ids = sorted(partner.feeds[resource].records)
        for record_id in rng.sample(ids, round(len(ids) * fraction)):
            partner.update(resource, record_id)
            touched += 1
    return touched


def warm(store) -> None:  # store: backend.store.Store
    """Read every feed once: the backend encodes each record on its first read and keeps the
    bytes, so without this whichever sync ran first would pay for the encoding."""
    for partner in store.partners:
        for resource, feed in partner.feeds.items():
            partner.changes(resource, 0, len(feed.records) + 1)


def main() -> None:
    clients = int(sys.argv[1])
    store = load_store(clients)
    # Every process serves the same records with the same sequence numbers, so one epoch for
    # all of them keeps the change tokens in the cached cache valid for the next process.
    store.epoch = f"bench-{clients}"
    warm(store)
    gc.collect()
    gc.freeze()  # the portfolio lives as long as the process: keep the collector off it
    with start_in_thread(store) as server:
        print(f"url {server.url}", flush=True)
        for line in sys.stdin:
            command, _, argument = line.strip().partition(" ")
            if command == "touch":
                print(f"ok {touch(store, float(argument))}", flush=True)
            else:
                print(f"error unknown command {command!r}", flush=True)


if __name__ == "__main__":
    main()
