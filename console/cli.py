"""The `partnerops` command line.

The scripted commands (sync, export, status, backend, alerts) import only `sync`,
`local_store` and `backend` (and Rich for a table on a terminal); Textual loads only for the
commands that open the TUI. Heavy imports stay inside the commands, so `--help` is quick.
The command modules skip `from __future__ import annotations`: Typer would `eval` every
annotation string of every command at each start (about 25 ms).
"""

import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from console import alerts_cli, cache_cli, hubspot_cli, login_cli, outbox_cli, server_cli
from console.cli_common import (
    EXIT_ERROR,
    EXIT_USAGE,
    ProfileOption,
    fail,
    open_cache_orfail,
    resolve_profile,
)
from console.tui import open_tui
from sync.profile import Profile

app = typer.Typer(
    name="partnerops",
    help="Partner Ops Console: triage HubSpot partner clients and alerts, offline.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
backend_app = typer.Typer(help="Run the reference backend.", no_args_is_help=True)
app.add_typer(backend_app, name="backend")
# Command groups kept in their own modules register here, one line each.
app.add_typer(alerts_cli.app, name="alerts")
app.add_typer(outbox_cli.app, name="outbox")
app.command("login")(login_cli.login)
app.command("logout")(login_cli.logout)
app.add_typer(cache_cli.app, name="cache")
app.add_typer(hubspot_cli.app, name="hubspot")
app.add_typer(server_cli.app, name="server")


def stale_after_hours(profile: Profile) -> float:
    """`stale_after_hours` from the profile's config table; 0 turns the warning off."""
    from local_store.status import DEFAULT_STALE_AFTER_HOURS

    value = profile.settings.get("stale_after_hours", DEFAULT_STALE_AFTER_HOURS)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        fail(
            f"profile {profile.name!r}: stale_after_hours must be a number of hours (0 = off)",
            EXIT_USAGE,
        )
    return float(value)


def warn_if_stale(profile: Profile, conn) -> None:
    """Scripts read the cache offline; stderr says when it is older than the profile allows."""
    from local_store.status import last_sync, stale_warning

    warning = stale_warning(last_sync(conn), datetime.now(UTC), stale_after_hours(profile))
    if warning:
        typer.echo(f"partnerops: {warning}", err=True)


@contextmanager
def quiet_on_closed_pipe() -> Iterator[None]:
    """A reader that stops early (`| head -1`) is not an error: exit 0, without a traceback.

    As the Python docs advise, stdout is pointed at devnull so that the flush at exit does
    not fail a second time.
    """
    try:
        yield
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None


@app.callback(invoke_without_command=True)
def main_callback(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """With no command, open the TUI on the configured profile."""
    ctx.obj = profile
    if ctx.invoked_subcommand is None:
        open_tui(resolve_profile(profile))


@app.command()
def sync(ctx: typer.Context, profile: ProfileOption = None) -> None:
    """Push queued actions, then pull every resource from the backend into the local cache.

    A backend that cannot be reached (connection refused, no route, connect timeout) ends it
    at once with "offline: …" and exit code 1; busy or failing answers are retried for
    PARTNEROPS_RETRY_SECONDS.
    """
    sync_orfail(resolve_profile(profile or ctx.obj), summary_to_stderr=False)


class _Offline(Exception):
    """Raised from the sync's `on_unreachable` callback: stops it before any retry."""


_CONNECT_ERRORS = {"ConnectError": "could not connect", "ConnectTimeout": "timed out connecting"}


def offline_line(reason: str) -> str:
    """`reason` is the client's "cannot reach the backend at URL (httpx error class)"."""
    where = reason.removeprefix("cannot reach the backend at ")
    url, _, error = where.partition(" (")
    error = error.removesuffix(")")
    detail = f"{url}: {_CONNECT_ERRORS.get(error, error)}" if error else where
    return f"offline: the backend cannot be reached ({detail}); sync again when it is back"


def sync_orfail(chosen: Profile, *, summary_to_stderr: bool) -> None:
    """One sync with progress; a failure ends the command with the sync's exit code.

    `export --sync` puts the summary on stderr: its stdout is the data. An unreachable
    backend ends it at the first attempt: a script or a cron job wants a prompt answer, not
    a minute of silent retries; the next run (or the TUI, which keeps retrying in the
    background) catches up, and a sync stopped there loses nothing.
    """
    from sync.client import SyncError
    from sync.engine import run_sync

    def unreachable(reason: str) -> None:
        raise _Offline(reason)

    try:
        report = _with_progress(
            lambda progress: run_sync(chosen, progress=progress, on_unreachable=unreachable)
        )
    except _Offline as exc:
        fail(offline_line(str(exc)), EXIT_ERROR)
    except SyncError as exc:
        fail(str(exc), exc.exit_code)
    pulled = report.pulled
    summary = (
        f"synced {sum(pulled.pulled.values()):,} records, removed {sum(pulled.deleted.values()):,}"
    )
    if report.pushed.applied:
        summary += f"; sent {report.pushed.applied} actions"
    if pulled.resynced:
        summary += f"; full resync of {', '.join(pulled.resynced)}"
    typer.echo(summary, err=summary_to_stderr)
    from console.text import safe_text

    for line in report.pushed.refused:
        # The server's reason, for a person: never terminal control.
        typer.echo(f"partnerops: {safe_text(line)}", err=True)
    if quarantined := sum(pulled.quarantined.values()):
        details = ", ".join(f"{r}: {n}" for r, n in pulled.quarantined.items())
        typer.echo(
            f"partnerops: set aside {quarantined} malformed records ({details}); "
            "see `partnerops status`",
            err=True,
        )


def _with_progress(run):
    """A live progress line on a terminal, plain lines per resource otherwise."""
    if sys.stderr.isatty():
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn

        with Progress(
            SpinnerColumn(), TextColumn("{task.description}"), console=Console(stderr=True)
        ) as bar:
            task = bar.add_task("syncing…")
            return run(
                lambda resource, count: bar.update(task, description=f"{resource}: {count:,}")
            )
    last: list[str | int] = []

    def plain(resource: str, count: int) -> None:
        if last and last[0] != resource:
            typer.echo(f"pulled {last[0]}: {last[1]:,}", err=True)
        last[:] = [resource, count]

    result = run(plain)
    if last:
        typer.echo(f"pulled {last[0]}: {last[1]:,}", err=True)
    return result


@app.command()
def status(
    ctx: typer.Context,
    profile: ProfileOption = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table or json.", case_sensitive=False)
    ] = "table",
) -> None:
    """Profile, backend, last sync per resource, counts, actions waiting and refused."""
    import dataclasses
    import json

    from local_store.status import cache_status

    output_format = output_format.lower()
    if output_format not in ("table", "json"):
        fail(f"--format must be table or json, not {output_format!r}", EXIT_USAGE)
    chosen = resolve_profile(profile or ctx.obj)
    conn = open_cache_orfail(chosen)
    try:
        warn_if_stale(chosen, conn)
        state = cache_status(conn)
    finally:
        conn.close()
    with quiet_on_closed_pipe():
        if output_format == "json":
            document = {
                "profile": chosen.name,
                "archetype": chosen.archetype,
                "user_email": chosen.user_email,
                "source": chosen.source,
                "backend": chosen.backend_url,
                "cache": str(chosen.cache_path),
                **dataclasses.asdict(state),
            }
            typer.echo(json.dumps(document, indent=2))
        else:
            _print_status(chosen, state)


def _print_status(chosen: Profile, state) -> None:
    # Errors and refusal reasons come from the server: shown inert, never as terminal control.
    from console.text import safe_text

    typer.echo(
        f"profile   {chosen.name} ({chosen.archetype_label}, {chosen.user_email or 'no user'})"
    )
    typer.echo(f"source    {chosen.source}: {chosen.backend_url or '(none)'}")
    typer.echo(f"cache     {chosen.cache_path}")
    typer.echo(f"synced    {state.last_sync or 'never'}")
    for resource in state.resources:
        line = f"  {resource.resource:<14} last synced {resource.last_success or 'never'}"
        if resource.resyncing:
            line += "  (full resync under way)"
        if resource.last_error:
            line += f"  (last error: {safe_text(resource.last_error)})"
        typer.echo(line)
    typer.echo("counts    " + ", ".join(f"{t} {n:,}" for t, n in state.counts.items()))
    typer.echo(
        f"actions   {state.actions_waiting} waiting to sync, {state.actions_refused} refused"
    )
    for action in state.refused:
        typer.echo(
            f"  {action.kind} on {safe_text(action.target_id)}: {action.state}"
            f" ({safe_text(action.reason or 'no reason given')})"
        )
    details = ", ".join(f"{r}: {n}" for r, n in state.quarantined_by_resource.items())
    typer.echo(
        f"set aside {state.quarantined} malformed records" + (f" ({details})" if details else "")
    )


@app.command()
def export(
    ctx: typer.Context,
    dataset: Annotated[
        str, typer.Argument(help="clients, renewals, alerts, tier, credits or team.")
    ],
    output_format: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            help="csv, json, jsonl or table (default: table on a terminal, else csv).",
        ),
    ] = None,
    fields: Annotated[
        str | None,
        typer.Option(help="Comma-separated field names; `--fields list` lists them."),
    ] = None,
    relationship: Annotated[str | None, typer.Option(help="sourced, assisted or managed.")] = None,
    owner: Annotated[str | None, typer.Option(help="The client owner's email.")] = None,
    mine: Annotated[
        bool, typer.Option("--mine", help="Clients owned by the profile's user.")
    ] = False,
    band: Annotated[str | None, typer.Option(help="Engagement band: Low, Medium or High.")] = None,
    health: Annotated[str | None, typer.Option(help="Health: red, yellow or green.")] = None,
    product: Annotated[str | None, typer.Option(help="Product owned, e.g. 'Sales Pro'.")] = None,
    within: Annotated[str | None, typer.Option(help="A window from today, e.g. 45d or 6w.")] = None,
    status_filter: Annotated[
        str | None, typer.Option("--status", help="Alert or renewal status.")
    ] = None,
    search: Annotated[str | None, typer.Option(help="Text in the name or domain.")] = None,
    sort: Annotated[str | None, typer.Option(help="A field, or field:desc.")] = None,
    limit: Annotated[int | None, typer.Option(min=0, help="At most this many rows.")] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write to FILE (`-`: stdout).")
    ] = None,
    bom: Annotated[bool, typer.Option("--bom", help="Start CSV with a UTF-8 BOM (Excel).")] = False,
    sync_first: Annotated[bool, typer.Option("--sync", help="Sync before exporting.")] = False,
    profile: ProfileOption = None,
) -> None:
    """Write cached data out: fields in docs/export-fields.md; works offline."""

    from console.export_cli import (
        FIELDS_LISTING,
        OutputError,
        field_listing,
        plan_export,
        write_export,
    )
    from local_store.exports import DATASETS, ExportUsageError

    if fields is not None and fields.strip().lower() == FIELDS_LISTING:
        known = DATASETS.get(dataset.lower())
        if known is None:
            fail(f"cannot export {dataset!r}: choose one of {', '.join(DATASETS)}", EXIT_USAGE)
        typer.echo(field_listing(known))
        return
    chosen = resolve_profile(profile or ctx.obj)
    if mine and not chosen.user_email:
        fail(f"--mine needs user_email in profile {chosen.name!r}", EXIT_USAGE)
    try:
        plan = plan_export(
            dataset,
            output_format=output_format,
            fields=fields,
            relationship=relationship,
            owner=owner,
            mine_email=chosen.user_email if mine else None,
            band=band,
            health=health,
            product=product,
            within=within,
            status=status_filter,
            search=search,
            sort=sort,
            limit=limit,
            output=output,
            bom=bom,
            today=date.today(),
            stdout_is_terminal=sys.stdout.isatty(),
        )
    except ExportUsageError as exc:
        fail(str(exc), EXIT_USAGE)
    stale_after_hours(chosen)  # a config mistake should stop us before a long sync
    if sync_first:
        sync_orfail(chosen, summary_to_stderr=True)
    conn = open_cache_orfail(chosen)
    try:
        warn_if_stale(chosen, conn)
        with quiet_on_closed_pipe():
            write_export(conn, plan)
    except OutputError as exc:
        fail(str(exc))
    except sqlite3.DatabaseError as exc:
        fail(f"cannot read the cache at {chosen.cache_path}: {exc}")
    except OSError as exc:
        fail(f"cannot write {plan.output or 'the output'}: {exc.strerror or exc}")
    finally:
        conn.close()


@backend_app.command("serve")
def backend_serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 = any free).")] = 8765,
    clients: Annotated[int, typer.Option(min=0, help="Clients of the first partner.")] = 2000,
    seed: Annotated[int, typer.Option(help="Generator seed: same seed, same data.")] = 7,
    data: Annotated[
        Path | None, typer.Option(help="Serve this JSON file (the API's shape) instead.")
    ] = None,
    allow_remote: Annotated[bool, typer.Option(help="Listen on a non-loopback address.")] = False,
    latency_ms: Annotated[int, typer.Option(min=0, help="Fault: added latency per request.")] = 0,
    error_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Fault: share of 500s.")
    ] = 0.0,
    rate_limit_every: Annotated[
        int, typer.Option(min=0, help="Fault: every Nth request gets 429 + Retry-After.")
    ] = 0,
    retry_after: Annotated[int, typer.Option(min=0, help="Fault: Retry-After seconds.")] = 1,
    truncate_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Fault: share of cut-off JSON bodies.")
    ] = 0.0,
    malformed_rate: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Fault: share of malformed records.")
    ] = 0.0,
    world_moves: Annotated[
        int, typer.Option(min=0, help="Fault: random data changes before each changes request.")
    ] = 0,
) -> None:
    """Run the reference backend; prints one token per partner.

    Fault switches can also be changed while it runs, with PUT /v1/admin/faults.
    """
    from backend.datafile import DataFileError
    from backend.faults import Faults
    from backend.server import serve

    faults = Faults(
        latency_ms=latency_ms,
        error_rate=error_rate,
        rate_limit_every=rate_limit_every,
        retry_after_s=retry_after,
        truncate_rate=truncate_rate,
        malformed_rate=malformed_rate,
        world_moves=world_moves,
    )
    try:
        serve(host, port, clients, seed, data, allow_remote=allow_remote, faults=faults)
    except (ValueError, DataFileError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


@app.command()
def demo(
    clients: Annotated[int, typer.Option(min=1, help="Clients in the demo portfolio.")] = 2000,
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 7,
    archetype: Annotated[
        str,
        typer.Option(help="Open as an implementer, value_driver or deal_closer."),
    ] = "value_driver",
) -> None:
    """Start the reference backend on loopback, sync the demo profile, open the TUI."""
    from console.demo import run_demo
    from sync.profile import ARCHETYPES

    if archetype not in ARCHETYPES:
        fail(f"--archetype must be one of {', '.join(ARCHETYPES)}, not {archetype!r}", EXIT_USAGE)
    run_demo(clients, seed, archetype, _with_progress)
