"""Run every figure of PRODUCT.md §8 next to its own baseline and print one table.

    .venv/bin/python -m benchmarks            # 100,000 clients; 4-9 minutes here, once built
    .venv/bin/python -m benchmarks --quick    # 2,000 clients, one repetition: a smoke run

The data set is generated and synced once into `benchmarks/.data/` and reused. Each figure
that fails to run becomes a row saying why, so the table always has every figure.
"""

from __future__ import annotations

import argparse
import compileall
import json
import platform
import sqlite3
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks import dataset
from benchmarks.dataset import log
from benchmarks.tui import REPO
from benchmarks.views import STEPS as VIEW_STEPS

if TYPE_CHECKING:
    from benchmarks.syncing import SyncTime

RESULTS_DIR = Path(__file__).with_name("results")


@dataclass
class Row:
    figure: str
    measured: str
    baseline: str
    ratio: str
    target: str
    passed: bool | None  # None: not measured


@dataclass(frozen=True)
class Mode:
    clients: int
    small: int
    """The size of the scrolling and search baselines."""
    starts: int
    pilot_repeats: int
    syncs: int
    exports: int


FULL = Mode(clients=100_000, small=1_000, starts=21, pilot_repeats=5, syncs=1, exports=11)
"""One full sync of each kind: at 100,000 clients the pair takes about 3 minutes here. Starts
and exports are whole processes, whose times on a shared machine spread by half (a bare
start took 0.29-0.51 s within one minute): more of them steady the medians."""
QUICK = Mode(clients=2_000, small=1_000, starts=1, pilot_repeats=1, syncs=1, exports=1)
FIGURES = (
    "1 open to Clients",
    "2 search 'a'",
    "2 search no match",
    "2 search everything",
    "3 end: rows read",
    "3 end: time",
    "3 page down: rows read",
    "3 page down: time",
    "4 full sync",
    "4 full sync: pull only",
    "5 no change: requests",
    "5 1% changed",
    "5 1% changed: pull only",
    "6 CSV export",
    "7 TUI memory",
    *(f"8 {step.name}: in-process" for step in VIEW_STEPS),
    *(f"8 {step.name}: settled" for step in VIEW_STEPS),
    *(f"8 {step.name}: key to paint" for step in VIEW_STEPS),
)


def _named(*prefixes: str) -> tuple[str, ...]:
    return tuple(name for name in FIGURES if name.startswith(prefixes))


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _guard(names: tuple[str, ...], measure: Callable[[], list[Row]]) -> list[Row]:
    try:
        return measure()
    except Exception as exc:
        traceback.print_exc()
        reason = f"not measured: {type(exc).__name__}: {exc}"[:90]
        return [Row(name, reason, "", "", "", None) for name in names]


def _steps(timed: SyncTime) -> str:
    return ", ".join(f"{label} {seconds:.1f}" for label, seconds in timed.after_pull.items())


def sync_figures(mode: Mode, scratch: Path) -> list[Row]:
    from benchmarks.syncing import BackendProcess, product_sync, pull_requests, raw_sync
    from sync.wire import RESOURCE_MODELS

    with BackendProcess(mode.clients) as backend:
        raw: list[float] = []
        product: list[SyncTime] = []
        for attempt in range(mode.syncs):
            log(f"full sync {attempt + 1}/{mode.syncs}: raw limit, then the product")
            raw.append(raw_sync(backend.url, scratch / f"raw-{attempt}.sqlite3"))
            (scratch / f"raw-{attempt}.sqlite3").unlink()
            product.append(product_sync(backend.url, scratch / f"product-{attempt}.sqlite3"))
        synced = scratch / f"product-{mode.syncs - 1}.sqlite3"
        log("incremental syncs: nothing changed, then 1% changed")
        product_sync(backend.url, synced)
        counted = pull_requests(backend.url, synced)
        backend.touch(0.01)
        one_percent = product_sync(backend.url, synced)
    full = _median([t.total for t in product])
    pulled = _median([t.pull for t in product])
    limit = _median(raw)
    resources = len(RESOURCE_MODELS)
    per_request = counted.response_bytes / max(counted.requests, 1)
    return [
        Row(
            "4 full sync",
            f"{full:.1f} s",
            f"{limit:.1f} s raw",
            f"{limit / full:.0%} of raw",
            "≥ 40% of raw",
            limit / full >= 0.40,
        ),
        Row(
            "4 full sync: pull only",
            f"{pulled:.1f} s (+ {_steps(product[-1])})",
            f"{limit:.1f} s raw",
            f"{limit / pulled:.0%} of raw",
            "≥ 40% of raw",
            limit / pulled >= 0.40,
        ),
        Row(
            "5 no change: requests",
            f"{counted.requests} req, {per_request:.0f} B each",
            f"{resources} resources",
            f"{counted.requests / resources:.1f} per resource",
            "1 small per resource",
            counted.requests == resources and per_request < 1024,
        ),
        Row(
            "5 1% changed",
            f"{one_percent.total:.1f} s",
            f"{full:.1f} s full",
            f"{one_percent.total / full:.0%}",
            "≤ 10% of full",
            one_percent.total / full <= 0.10,
        ),
        Row(
            "5 1% changed: pull only",
            f"{one_percent.pull:.1f} s (+ {_steps(one_percent)})",
            f"{pulled:.1f} s full pull",
            f"{one_percent.pull / pulled:.0%}",
            "≤ 10% of full",
            one_percent.pull / pulled <= 0.10,
        ),
    ]


def _data_dir(clients: int, scratch: Path) -> Path:
    from benchmarks.tui import PROFILE

    directory = scratch / f"tui-{clients}"
    dataset.copy_cache(clients, directory / f"{PROFILE}.sqlite3")
    return directory


def start_figures(mode: Mode, data_dir: Path) -> list[Row]:
    from benchmarks.tui import starts

    log(f"whole-process starts, bare and product interleaved, {mode.starts} each")
    bare, product = starts(data_dir, mode.starts)
    paint = _median([s.paint_s for s in product])
    bare_paint = _median([s.paint_s for s in bare])
    rss = _median([s.rss_mb for s in product])
    bare_rss = _median([s.rss_mb for s in bare])
    return [
        Row(
            "1 open to Clients",
            f"{paint:.2f} s",
            f"{bare_paint:.2f} s bare",
            f"{paint / bare_paint:.2f}×",
            "≤ 1.30×",
            paint / bare_paint <= 1.30,
        ),
        Row(
            "7 TUI memory",
            f"{rss:.0f} MB",
            f"{bare_rss:.0f} MB bare",
            f"{rss / bare_rss:.2f}×",
            "≤ 2.00×",
            rss / bare_rss <= 2.0,
        ),
    ]


def pilot_figures(mode: Mode, big: Path, small: Path) -> list[Row]:
    from benchmarks.pilot import SEARCHES, measure

    log(f"in-process search and scrolling at {mode.clients:,} and {mode.small:,} clients")
    at_size = measure(big, mode.pilot_repeats)
    at_small = measure(small, mode.pilot_repeats)
    rows = []
    names = dict(zip(SEARCHES, _named("2 "), strict=True))
    for label, name in names.items():
        latency = _median(at_size.search_ms[label]) / 1000
        baseline = _median(at_small.search_ms[label]) / 1000
        rows.append(
            Row(
                name,
                _ms(latency),
                f"{_ms(baseline)} at {mode.small:,}",
                f"{latency / baseline:.2f}×",
                "< 50 ms",
                latency < 0.050,
            )
        )
    for key, label in (("end", "3 end"), ("pagedown", "3 page down")):
        read = max(at_size.scroll_rows[key])
        rows.append(
            Row(
                f"{label}: rows read",
                f"{read} rows",
                f"of {at_size.rows:,}",
                "",
                "≤ 200 (2 pages)",
                read <= 200,
            )
        )
        latency = _median(at_size.scroll_ms[key]) / 1000
        baseline = _median(at_small.scroll_ms[key]) / 1000
        rows.append(
            Row(
                f"{label}: time",
                _ms(latency),
                f"{_ms(baseline)} at {mode.small:,}",
                f"{latency / baseline:.2f}×",
                "≤ 2.00× small",
                latency / baseline <= 2.0,
            )
        )
    return rows


def view_figures(mode: Mode, data_dir: Path) -> list[Row]:
    from benchmarks.tui import PROFILE
    from benchmarks.views import measure

    log(f"screen switches and view changes at {mode.clients:,} clients, in-process and on a pty")
    figures = measure(data_dir / f"{PROFILE}.sqlite3", data_dir, PROFILE, mode.pilot_repeats)
    rows = []
    # In-process: the answer (a list's first page painted) against the target; settled (its
    # count and totals painted too, the app idle) within the key-to-paint bound.
    for step in VIEW_STEPS:
        latency = _median(figures.answer_ms[step.name]) / 1000
        rows.append(
            Row(f"8 {step.name}: in-process", _ms(latency), "", "", "< 100 ms", latency < 0.100)
        )
    for step in VIEW_STEPS:
        latency = _median(figures.in_process_ms[step.name]) / 1000
        rows.append(Row(f"8 {step.name}: settled", _ms(latency), "", "", "< 0.5 s", latency < 0.5))
    for step in VIEW_STEPS:
        latency = _median(figures.pty_ms[step.name]) / 1000
        rows.append(
            Row(f"8 {step.name}: key to paint", _ms(latency), "", "", "< 0.5 s", latency < 0.5)
        )
    return rows


def export_figures(mode: Mode, data_dir: Path) -> list[Row]:
    from benchmarks.export import export_built, export_once, sqlite3_available

    if not export_built():
        return [Row("6 CSV export", "not measured: export not built", "", "", "≤ 2.00×", None)]
    if not sqlite3_available():
        return [Row("6 CSV export", "not measured: no sqlite3 CLI", "", "", "≤ 2.00×", None)]
    log(f"CSV export of {mode.clients:,} clients against sqlite3 -csv, {mode.exports} each")
    runs = [export_once(data_dir) for _ in range(mode.exports)]
    product = _median([r[0] for r in runs])
    baseline = _median([r[1] for r in runs])
    return [
        Row(
            "6 CSV export",
            f"{product:.2f} s ({runs[-1][2] - 1:,} rows)",
            f"{baseline:.2f} s sqlite3",
            f"{product / baseline:.2f}×",
            "≤ 2.00×",
            product / baseline <= 2.0,
        )
    ]


def machine() -> dict[str, str]:
    import os
    import sys

    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        ),
        "0",
    )
    return {
        "cpus": str(os.cpu_count()),
        "cpu": model,
        "ram": f"{int(memory) // 1024:,} MB",
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "load": " ".join(f"{v:.1f}" for v in os.getloadavg()),
    }


def render(rows: list[Row]) -> str:
    header = ("figure", "measured", "baseline", "ratio", "target", "result")
    cells = [
        (
            r.figure,
            r.measured,
            r.baseline,
            r.ratio,
            r.target,
            "n/a" if r.passed is None else "PASS" if r.passed else "FAIL",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *cells]) for i in range(len(header))]
    lines = [
        " | ".join(v.ljust(w) for v, w in zip(line, widths, strict=True))
        for line in [header, *cells]
    ]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def ensure_data_set(mode: Mode) -> None:
    """Generate and sync what `.data/` lacks: the full size and the small baseline size."""
    from benchmarks.syncing import BackendProcess

    for clients in (mode.clients, mode.small):
        dataset.ensure_portfolio(clients)
        if not dataset.cache_ready(clients):
            with BackendProcess(clients) as backend:
                dataset.ensure_cache(clients, backend.url)


PACKAGES = ("console", "sync", "local_store", "backend")
"""The project's packages, as pyproject.toml lists them."""


def compile_as_installed() -> None:
    """Byte-compile the project as `pip install` does. The whole-process figures otherwise pay
    for compiling every module of ours at each start where PYTHONDONTWRITEBYTECODE is set (as
    on the session machines), while Textual's modules come compiled from its wheel."""
    for package in PACKAGES:
        compileall.compile_dir(REPO / package, quiet=1)


def run(mode: Mode) -> list[Row]:
    started = time.perf_counter()
    ensure_data_set(mode)
    compile_as_installed()
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="partnerops-bench-") as name:
        scratch = Path(name)
        rows += _guard(_named("4 ", "5 "), lambda: sync_figures(mode, scratch))
        big = _data_dir(mode.clients, scratch)
        small = _data_dir(mode.small, scratch)
        rows += _guard(_named("1 ", "7 "), lambda: start_figures(mode, big))
        from benchmarks.tui import PROFILE

        rows += _guard(
            _named("2 ", "3 "),
            lambda: pilot_figures(mode, big / f"{PROFILE}.sqlite3", small / f"{PROFILE}.sqlite3"),
        )
        rows += _guard(_named("6 "), lambda: export_figures(mode, big))
        rows += _guard(_named("8 "), lambda: view_figures(mode, big))
    order = {name: position for position, name in enumerate(FIGURES)}
    rows.sort(key=lambda row: order.get(row.figure, len(order)))
    log(f"done in {time.perf_counter() - started:.0f} s")
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="2,000 clients, one repetition")
    arguments = parser.parse_args(argv)
    mode = QUICK if arguments.quick else FULL
    rows = run(mode)
    about = machine()
    kind = "quick" if arguments.quick else "full"
    print(f"partnerops benchmarks at {mode.clients:,} clients ({kind})")
    print(", ".join(f"{key} {value}" for key, value in about.items()))
    print(render(rows))
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    result = {"mode": asdict(mode), "machine": about, "rows": [asdict(r) for r in rows]}
    (RESULTS_DIR / f"{stamp}-{mode.clients}.json").write_text(json.dumps(result, indent=2))
