"""The team server under load, against PostgreSQL (issue 17), with one command:

    .venv/bin/python -m benchmarks.team_server           # load at 2,000 clients, sync at 100,000
    .venv/bin/python -m benchmarks.team_server --quick   # both at 2,000 clients

1. Load: 50 consoles pull everything and then poll their change feeds while 20 people push
   batches of actions (a tenth of the batches sent twice, as after a lost answer). Checked:
   every action applied exactly once (the audit has each key once, every resend answered
   `duplicate`), and every console ends with exactly the server's alerts and notes. Reported:
   p50/p95 latency of change-feed requests.
2. Full sync: one `partnerops sync` of the 100,000-client portfolio into an empty cache, from
   the in-memory reference backend and from the team server on PostgreSQL, each in its own
   process on loopback.

PostgreSQL 16 comes from the `pgserver` wheel (a local socket: it does not listen on TCP).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import pickle
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import TOKENS, ensure_portfolio, log

CONSOLES = 50
PUSHERS = 20
BATCHES_PER_PUSHER = 20
ACTIONS_PER_BATCH = 8
POLL_INTERVAL_S = 0.2
RESOURCES = (
    "partner", "employees", "team", "clients", "subscriptions",
    "renewals", "usage", "credits", "alerts", "notes",
)  # fmt: skip


@contextmanager
def postgres() -> Iterator[str]:
    import pgserver

    server = pgserver.get_server(tempfile.mkdtemp(prefix="partnerops-bench-pg-"), "delete")
    try:
        server.psql("CREATE DATABASE team;")
        yield str(server.get_uri("team"))
    finally:
        server.cleanup()


def load_database(database: str, clients: int, people: int) -> list[str]:
    """Migrate, load the benchmark portfolio, issue `people` tokens at the big partner."""
    from backend.bulk import paused_gc
    from backend.team.people import add_person, list_partners
    from backend.team.run import open_database
    from backend.team.upstream import refresh

    engine = open_database(database)
    with paused_gc(), ensure_portfolio(clients).open("rb") as source:
        portfolios = pickle.load(source)
    started = time.perf_counter()
    refresh(engine, lambda: [portfolio.records for portfolio in portfolios])
    log(f"loaded {clients:,} clients into the database in {time.perf_counter() - started:.1f} s")
    partner = list_partners(engine)[0]
    tokens = [
        add_person(engine, partner, f"person{n}@bench.example", "admin") for n in range(people)
    ]
    engine.dispose()
    return tokens


@contextmanager
def team_server(database: str) -> Iterator[str]:
    """`serve` below, in its own process: its JSON work must not share our GIL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.team_server", "serve", database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().split()
        if line[:1] != ["url"]:
            raise RuntimeError("the team server did not start")
        yield line[1]
    finally:
        if process.stdin:
            process.stdin.close()
        process.wait(30)


def serve(database: str) -> None:
    from backend.team.run import open_database, start_team_in_thread

    engine = open_database(database)
    with start_team_in_thread(engine) as running:
        print(f"url {running.url}", flush=True)
        sys.stdin.read()


@dataclass
class LoadResult:
    feed_latencies: list[float] = field(default_factory=list)
    full_pull_latencies: list[float] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=dict)
    resent: int = 0
    resent_not_duplicate: int = 0
    consoles_matching: int = 0
    push_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


async def _pull(
    client: httpx.AsyncClient,
    resource: str,
    since: str | None,
    latencies: list[float],
    state: dict[str, dict[str, Any]],
) -> str:
    while True:
        params: dict[str, Any] = {"limit": 1000} | ({"since": since} if since else {})
        started = time.perf_counter()
        response = await client.get(f"/v1/changes/{resource}", params=params)
        latencies.append(time.perf_counter() - started)
        response.raise_for_status()
        page = response.json()
        records = state.setdefault(resource, {})
        for item in page["items"]:
            records[item["id"]] = item
        for record_id in page["deleted"]:
            records.pop(record_id, None)
        since = page["next"]
        if not page["has_more"]:
            return str(since)


async def console(url: str, token: str, done: asyncio.Event, result: LoadResult) -> dict:
    state: dict[str, dict[str, Any]] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        tokens = {
            r: await _pull(client, r, None, result.full_pull_latencies, state) for r in RESOURCES
        }
        while True:
            finished = done.is_set()  # one more round after the pushers stop
            for resource in RESOURCES:
                tokens[resource] = await _pull(
                    client, resource, tokens[resource], result.feed_latencies, state
                )
            if finished:
                return state
            await asyncio.sleep(POLL_INTERVAL_S)


def _batch(
    rng: random.Random,
    pusher: int,
    number: int,
    alerts: list[str],
    renewals: list[str],
    employees: list[str],
) -> list[dict[str, Any]]:
    actions = []
    for n in range(ACTIONS_PER_BATCH):
        key = f"p{pusher}-b{number}-{n}"
        choice = rng.random()
        if choice < 0.3:
            action = {
                "kind": "assign_alert",
                "target_id": rng.choice(alerts),
                "payload": {"assignee": rng.choice(employees)},
            }
        elif choice < 0.6:
            action = {
                "kind": "add_note",
                "target_id": f"n-{key}",
                "payload": {
                    "target_type": "alert",
                    "target_id": rng.choice(alerts),
                    "text": f"load note {key}",
                    "author": "bench",
                },
            }
        elif choice < 0.8:
            action = {
                "kind": "set_renewal_owner",
                "target_id": rng.choice(renewals),
                "payload": {"owner": rng.choice(["partner", "hubspot"])},
            }
        else:
            action = {"kind": "ack_alert", "target_id": rng.choice(alerts)}
        actions.append({"key": key, **action})
    return actions


async def pusher(
    url: str, token: str, number: int, targets: dict[str, list[str]], result: LoadResult
) -> None:
    rng = random.Random(number)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        for batch_number in range(BATCHES_PER_PUSHER):
            actions = _batch(
                rng,
                number,
                batch_number,
                targets["alerts"],
                targets["renewals"],
                targets["employees"],
            )
            response = await client.post("/v1/actions", json={"actions": actions})
            response.raise_for_status()
            for item in response.json()["results"]:
                result.outcomes[item["outcome"]] = result.outcomes.get(item["outcome"], 0) + 1
            if rng.random() < 0.1:  # the answer was "lost": send the batch again
                again = await client.post("/v1/actions", json={"actions": actions})
                again.raise_for_status()
                result.resent += len(actions)
                result.resent_not_duplicate += sum(
                    item["outcome"] != "duplicate" for item in again.json()["results"]
                )


async def run_load(url: str, tokens: list[str]) -> LoadResult:
    result = LoadResult()
    done = asyncio.Event()
    reference: dict[str, dict[str, Any]] = {}
    headers = {"Authorization": f"Bearer {tokens[0]}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        for resource in ("alerts", "renewals", "employees"):
            await _pull(client, resource, None, [], reference)
    open_alerts = [a["id"] for a in reference["alerts"].values() if a["status"] != "resolved"]
    targets = {
        "alerts": sorted(open_alerts),
        "renewals": sorted(reference["renewals"]),
        "employees": sorted(e["email"] for e in reference["employees"].values()),
    }
    consoles = [
        asyncio.create_task(console(url, tokens[n % len(tokens)], done, result))
        for n in range(CONSOLES)
    ]
    started = time.perf_counter()
    await asyncio.gather(*(pusher(url, tokens[n], n, targets, result) for n in range(PUSHERS)))
    result.push_seconds = time.perf_counter() - started
    done.set()
    views = await asyncio.gather(*consoles)
    final: dict[str, dict[str, Any]] = {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        for resource in ("alerts", "notes", "renewals"):
            await _pull(client, resource, None, [], final)
    result.consoles_matching = sum(
        all(view.get(r) == final[r] for r in ("alerts", "notes", "renewals")) for view in views
    )
    return result


def audit_keys(database: str) -> tuple[int, int]:
    """(applied rows in the audit, keys that appear more than once)."""
    from sqlalchemy import text

    from backend.team.database import open_engine

    engine = open_engine(database)
    with engine.connect() as connection:
        applied = connection.execute(
            text("SELECT count(*) FROM team_audit WHERE outcome = 'applied'")
        ).scalar_one()
        doubled = connection.execute(
            text(
                "SELECT count(*) FROM (SELECT key FROM team_audit GROUP BY partner_id, key "
                "HAVING count(*) > 1) AS twice"
            )
        ).scalar_one()
    engine.dispose()
    return int(applied), int(doubled)


def server_side_quantiles(url: str, route: str) -> dict[str, str]:
    """p50/p95 of the server's own answer time (its Prometheus histogram), as bucket bounds:
    the client-side figures also hold the benchmark's own event loop, on the same 2 CPUs."""
    buckets: list[tuple[float, float]] = []
    for line in httpx.get(f"{url}/metrics").text.splitlines():
        if line.startswith("partnerops_request_seconds_bucket") and f'route="{route}"' in line:
            upper = line.split('le="')[1].split('"')[0]
            buckets.append((float(upper), float(line.rsplit(" ", 1)[1])))
    buckets.sort()
    total = buckets[-1][1] if buckets else 0.0
    quantiles = {}
    for name, fraction in (("p50", 0.5), ("p95", 0.95)):
        limit = next((b for b, count in buckets if count >= fraction * total), float("inf"))
        quantiles[name] = f"<= {limit * 1000:g} ms"
    return quantiles


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))] if ordered else 0.0


def timed_sync(url: str, token: str, cache: Path) -> tuple[float, dict[str, int]]:
    from sync.engine import run_sync
    from sync.profile import Profile

    profile = Profile(name="bench", cache_path=cache, backend_url=url, token=token)
    started = time.perf_counter()
    report = run_sync(profile)
    return time.perf_counter() - started, dict(report.pulled.pulled)


def full_sync_comparison(clients: int, work: Path) -> dict[str, Any]:
    from benchmarks.syncing import BackendProcess

    ensure_portfolio(clients)
    with BackendProcess(clients) as reference:
        log(f"full sync of {clients:,} clients from the in-memory reference backend")
        reference_s, reference_counts = timed_sync(reference.url, TOKENS[0], work / "ref.sqlite3")
    with postgres() as database:
        [token] = load_database(database, clients, 1)
        with team_server(database) as url:
            log(f"full sync of {clients:,} clients from the team server on PostgreSQL")
            team_s, team_counts = timed_sync(url, token, work / "team.sqlite3")
    return {
        "clients": clients,
        "reference_s": round(reference_s, 1),
        "team_postgres_s": round(team_s, 1),
        "same_records": reference_counts == team_counts,
        "records": sum(team_counts.values()),
    }


def load_test(clients: int) -> dict[str, Any]:
    with postgres() as database:
        tokens = load_database(database, clients, PUSHERS)
        with team_server(database) as url:
            log(f"{CONSOLES} consoles syncing, {PUSHERS} people pushing")
            result = asyncio.run(run_load(url, tokens))
            server_side = server_side_quantiles(url, "/v1/changes/{resource}")
            server_side_actions = server_side_quantiles(url, "/v1/actions")
        applied, doubled = audit_keys(database)
    sent = PUSHERS * BATCHES_PER_PUSHER * ACTIONS_PER_BATCH
    feed = result.feed_latencies
    return {
        "clients": clients,
        "consoles": CONSOLES,
        "pushers": PUSHERS,
        "actions_sent": sent,
        "outcomes": result.outcomes,
        "audit_applied": applied,
        "audit_keys_twice": doubled,
        "resent": result.resent,
        "resent_not_duplicate": result.resent_not_duplicate,
        "consoles_matching_server": result.consoles_matching,
        "push_seconds": round(result.push_seconds, 1),
        "actions_per_s": round(sent / result.push_seconds, 1) if result.push_seconds else None,
        "feed_requests": len(feed),
        "feed_p50_ms": round(_percentile(feed, 0.5) * 1000, 1),
        "feed_p95_ms": round(_percentile(feed, 0.95) * 1000, 1),
        "full_pull_pages": len(result.full_pull_latencies),
        "full_pull_page_p50_ms": round(_percentile(result.full_pull_latencies, 0.5) * 1000, 1),
        "full_pull_page_p95_ms": round(_percentile(result.full_pull_latencies, 0.95) * 1000, 1),
        "server_side_changes": server_side,
        "server_side_actions": server_side_actions,
    }


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        serve(sys.argv[2])
        return
    parser = argparse.ArgumentParser(prog="python -m benchmarks.team_server")
    parser.add_argument("--quick", action="store_true", help="2,000 clients for both parts")
    parser.add_argument("--load-clients", type=int, default=2_000)
    parser.add_argument("--sync-clients", type=int, default=100_000)
    parser.add_argument("--skip-sync", action="store_true")
    args = parser.parse_args()
    sync_clients = 2_000 if args.quick else args.sync_clients
    report: dict[str, Any] = {"load": load_test(args.load_clients)}
    if not args.skip_sync:
        with tempfile.TemporaryDirectory(prefix="partnerops-bench-") as work:
            report["full_sync"] = full_sync_comparison(sync_clients, Path(work))
    load = report["load"]
    ok = (
        load["audit_applied"] == load["actions_sent"]
        and load["audit_keys_twice"] == 0
        and load["resent_not_duplicate"] == 0
        and load["consoles_matching_server"] == CONSOLES
    )
    report["load"]["no_lost_or_duplicated_action"] = ok
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
