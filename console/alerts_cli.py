"""`partnerops alerts list|ack|snooze|assign|resolve|note`: triage from scripts.

The same sections, filter language and triage as the Inbox. Backend alerts are queued in the
outbox and sent at the next `partnerops sync`; alerts raised by local rules are triaged in
this cache only (the backend does not know them). Imports only `typer`, `sync.profile` and,
inside the commands, `local_store`: never Textual.

Exit codes: 0 done, 1 an action failed or the cache is unusable, 2 a usage error (bad
option, section, filter or date).
"""

import json
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

import typer

from console.cli_common import EXIT_ERROR, EXIT_USAGE, ProfileOption, cache_of, fail, profile_from
from sync.profile import Profile

FORMATS = ("table", "json", "jsonl", "csv")
FIELDS = (
    "id",
    "client_id",
    "client_name",
    "kind",
    "severity",
    "status",
    "title",
    "detail",
    "raised_at",
    "due_date",
    "assignee",
    "snoozed_until",
    "source",
)
"""The fields `list` writes, in order: those of `export alerts`, stable names for scripts."""

app = typer.Typer(help="List and triage alerts from scripts.", no_args_is_help=True)

IdsArgument = Annotated[list[str], typer.Argument(help="Alert ids (see `alerts list`).")]


def _filter_text(profile: Profile, section: str | None, status: str | None, mine: bool) -> str:
    """The section's filter with `--status` and `--mine` added; usage errors exit 2."""
    from local_store.alert_filter import FilterError, compile_filter, inbox_sections
    from local_store.health import SettingsError

    parts: list[str] = []
    if section is not None:
        try:
            sections = inbox_sections(profile.settings, profile.archetype)
        except SettingsError as exc:
            fail(f"config of profile {profile.name!r}: {exc}", EXIT_USAGE)
        found = next((s for s in sections if s.name.lower() == section.strip().lower()), None)
        if found is None:
            names = ", ".join(repr(s.name) for s in sections)
            fail(f"no section {section!r}; the sections are {names}", EXIT_USAGE)
        if found.filter.strip():
            parts.append(f"({found.filter})")
    if status is not None:
        from local_store.exports import ALERT_STATUSES

        if status not in ALERT_STATUSES:
            fail(f"--status must be one of {', '.join(ALERT_STATUSES)}, not {status!r}", EXIT_USAGE)
        parts.append(f"status:{status}")
    if mine:
        if not profile.user_email:
            fail(f"--mine needs user_email in profile {profile.name!r}", EXIT_USAGE)
        parts.append("mine")
    text = " and ".join(parts)
    try:
        compile_filter(text, profile.user_email, date.today())
    except FilterError as exc:
        fail(f"filter: {exc}", EXIT_USAGE)
    return text


def _write(records: list[dict[str, Any]], output_format: str) -> None:
    from console.text import for_person

    if output_format == "csv" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8", newline="")
    # On a terminal the server's text is shown inert; a pipe or a file gets it byte-exact.
    out = for_person(sys.stdout, json=output_format in ("json", "jsonl"))
    if output_format == "json":
        json.dump(records, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif output_format == "jsonl":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif output_format == "csv":
        # The exports' CSV: the same quoting, line ends and formula guard.
        from console.export_formats import write_csv
        from local_store.export_cells import python_csv_line
        from local_store.exports import ExportField

        line = python_csv_line(["text"] * len(FIELDS))
        fields = [ExportField(name, "text", "") for name in FIELDS]
        write_csv(out, fields, (line(tuple(record.values())) for record in records))
    else:
        _table(records)


def _table(records: list[dict[str, Any]]) -> None:
    from console.text import safe_text

    columns = ("id", "severity", "status", "due_date", "client_name", "title", "assignee")
    cells = [[safe_text(r[c]) if r[c] is not None else "—" for c in columns] for r in records]
    widths = [
        min(40, max([len(c), *(len(row[i]) for row in cells)])) for i, c in enumerate(columns)
    ]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip())
    for row in cells:
        typer.echo(
            "  ".join(
                (v if len(v) <= w else v[: w - 1] + "…").ljust(w)
                for v, w in zip(row, widths, strict=True)
            ).rstrip()
        )


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    profile: ProfileOption = None,
    section: Annotated[str | None, typer.Option(help="An inbox section, by name.")] = None,
    status: Annotated[
        str | None, typer.Option(help="open, acknowledged, snoozed, resolved or any.")
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only alerts that are mine.")] = False,
    search: Annotated[str, typer.Option(help="Text in the title, client or kind.")] = "",
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, jsonl or csv.", case_sensitive=False)
    ] = "table",
    limit: Annotated[int, typer.Option(min=1, help="At most this many alerts.")] = 10_000,
) -> None:
    """List alerts (open and acknowledged unless --status says otherwise), most urgent first."""
    from local_store.alert_filter import compile_filter
    from local_store.alerts import list_matching
    from local_store.exports_alerts import alert_rows_by_id

    output_format = output_format.lower()
    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}", EXIT_USAGE)
    chosen = profile_from(ctx, profile)
    text = _filter_text(chosen, section, status, mine)
    with cache_of(chosen) as conn:
        compiled = compile_filter(text, chosen.user_email, date.today())
        rows = list_matching(conn, compiled, search, limit)
        # The same fields, spelled the same, as `export alerts`, in the Inbox's order.
        by_id = alert_rows_by_id(conn, [row.id for row in rows], date.today())
    records = [dict(zip(FIELDS, by_id[row.id], strict=True)) for row in rows if row.id in by_id]
    _write(records, output_format)


def _triage(
    ctx: typer.Context,
    profile: str | None,
    alert_ids: list[str],
    action: Callable[[sqlite3.Connection, str], str],
) -> None:
    """Apply `action` to each alert; one line per result, exit 1 if any failed."""
    from local_store.alerts import alert_source

    chosen = profile_from(ctx, profile)
    failed = False
    with cache_of(chosen) as conn:
        for alert_id in alert_ids:
            try:
                done = action(conn, alert_id)
            except (LookupError, ValueError) as exc:
                typer.echo(f"partnerops: {exc}", err=True)
                failed = True
                continue
            where = (
                "kept on this machine (a local alert)"
                if alert_source(conn, alert_id) == "local"
                else "waiting to sync"
            )
            typer.echo(f"{done}: {where}")
    if failed:
        raise typer.Exit(EXIT_ERROR)


def _author(ctx: typer.Context, profile: str | None) -> str:
    return profile_from(ctx, profile).user_email or "partnerops"


@app.command("ack")
def ack(ctx: typer.Context, alert_ids: IdsArgument, profile: ProfileOption = None) -> None:
    """Acknowledge alerts."""
    from local_store.alert_triage import acknowledge

    _triage(ctx, profile, alert_ids, acknowledge)


@app.command("resolve")
def resolve(ctx: typer.Context, alert_ids: IdsArgument, profile: ProfileOption = None) -> None:
    """Resolve alerts."""
    from local_store.alert_triage import resolve as resolve_alert

    _triage(ctx, profile, alert_ids, resolve_alert)


@app.command("snooze")
def snooze(
    ctx: typer.Context,
    alert_ids: IdsArgument,
    until: Annotated[str, typer.Option(help="3d, 2w or an ISO date after today.")],
    reason: Annotated[str, typer.Option(help="Why; kept as a note on the alert.")] = "",
    profile: ProfileOption = None,
) -> None:
    """Snooze alerts until a date; they come back on that day."""
    from local_store.alert_triage import TriageError, parse_until
    from local_store.alert_triage import snooze as snooze_alert

    try:
        day = parse_until(until, date.today())
    except TriageError as exc:
        fail(f"--until: {exc}", EXIT_USAGE)
    author = _author(ctx, profile)
    _triage(
        ctx,
        profile,
        alert_ids,
        lambda conn, alert_id: snooze_alert(conn, alert_id, day, reason, author),
    )


@app.command("assign")
def assign(
    ctx: typer.Context,
    alert_ids: IdsArgument,
    to: Annotated[str | None, typer.Option(help="A colleague's email.")] = None,
    nobody: Annotated[bool, typer.Option("--nobody", help="Unassign.")] = False,
    profile: ProfileOption = None,
) -> None:
    """Assign alerts to a colleague (an employee's email), or --nobody."""
    from local_store.alert_triage import assign as assign_alert

    if (to is None) == (not nobody):
        fail("give either --to EMAIL or --nobody", EXIT_USAGE)
    _triage(ctx, profile, alert_ids, lambda conn, alert_id: assign_alert(conn, alert_id, to))


@app.command("note")
def note(
    ctx: typer.Context,
    alert_ids: IdsArgument,
    text: Annotated[str, typer.Option(help="The note.")],
    profile: ProfileOption = None,
) -> None:
    """Add a note to alerts."""
    from local_store.alert_triage import add_note

    if not text.strip():
        fail("--text needs some text", EXIT_USAGE)
    author = _author(ctx, profile)
    _triage(ctx, profile, alert_ids, lambda conn, alert_id: add_note(conn, alert_id, text, author))
