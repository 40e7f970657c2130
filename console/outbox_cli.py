"""`partnerops outbox list|dismiss`: the actions waiting to sync and those the server refused.

A refused action is never sent again; it stays listed, with what the server said, until it is
dismissed here or in the console (R, or "Refused actions" in the palette). Imports only
`typer`, `sync.profile` and, inside the commands, `local_store`: never Textual.

Exit codes: 0 done, 1 an id matched no refused action (the others are still dismissed) or the
cache is unusable, 2 a usage error.
"""

import json
import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from console.cli_common import EXIT_ERROR, EXIT_USAGE, ProfileOption, cache_of, fail, profile_from

if TYPE_CHECKING:
    from local_store.outbox import OutboxEntry

FORMATS = ("table", "json", "jsonl")
FIELDS = ("id", "key", "state", "kind", "target", "queued_at", "reason")
"""The fields `list` writes, in order; stable names for scripts."""
SHORT_ID = 8
"""The table shows this much of each key; any unique prefix works for `dismiss`."""
STATE_NAMES = {"pending": "waiting", "rejected": "refused", "conflict": "conflict"}

app = typer.Typer(
    help="Actions waiting to sync, and those the server refused (read why, dismiss).",
    no_args_is_help=True,
)


def _record(entry: "OutboxEntry") -> dict[str, Any]:
    return {
        "id": entry.key[:SHORT_ID],
        "key": entry.key,
        "state": STATE_NAMES.get(entry.state, entry.state),
        "kind": entry.kind,
        "target": f"{entry.target_table} {entry.target_id}",
        "queued_at": entry.created_at,
        "reason": entry.outcome_reason,
    }


def _table(records: list[dict[str, Any]]) -> None:
    from console.text import safe_text

    if not records:
        typer.echo("The outbox is empty: nothing waiting to sync, nothing refused.")
        return
    columns = ("id", "state", "kind", "target", "queued_at")
    cells = [[safe_text(record[c]) for c in columns] for record in records]
    widths = [max([len(c), *(len(row[i]) for row in cells)]) for i, c in enumerate(columns)]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)) + "  reason")
    for row, record in zip(cells, records, strict=True):
        reason = safe_text(record["reason"]) if record["reason"] else "—"
        line = "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True))
        typer.echo(f"{line}  {reason}")


@app.command("list")
def list_outbox(
    ctx: typer.Context,
    profile: ProfileOption = None,
    refused: Annotated[
        bool, typer.Option("--refused", help="Only the actions the server refused.")
    ] = False,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json or jsonl.", case_sensitive=False)
    ] = "table",
) -> None:
    """List the outbox: actions waiting to sync, then refused ones with the server's reason."""
    from local_store.outbox import pending_actions, refused_actions

    output_format = output_format.lower()
    if output_format not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {output_format!r}", EXIT_USAGE)
    chosen = profile_from(ctx, profile)
    with cache_of(chosen) as conn:
        entries = [] if refused else pending_actions(conn, limit=sys.maxsize)
        entries += refused_actions(conn)
    records = [_record(entry) for entry in entries]
    if output_format == "json":
        json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    elif output_format == "jsonl":
        for record in records:
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
    else:
        _table(records)


@app.command("dismiss")
def dismiss(
    ctx: typer.Context,
    ids: Annotated[
        list[str] | None,
        typer.Argument(help="Refused actions' ids (see `outbox list`); a unique prefix will do."),
    ] = None,
    dismiss_all: Annotated[
        bool, typer.Option("--all", help="Dismiss every refused action.")
    ] = False,
    profile: ProfileOption = None,
) -> None:
    """Forget refused actions once you have read why; the server's version is already cached."""
    from console.text import safe_text  # Rich's Text: not loaded for every command's --help
    from local_store.outbox import dismiss_all_refused, dismiss_refused, refused_actions

    if bool(ids) == dismiss_all:
        fail("give the ids of refused actions, or --all", EXIT_USAGE)
    chosen = profile_from(ctx, profile)
    with cache_of(chosen) as conn:
        if dismiss_all:
            count = dismiss_all_refused(conn)
            typer.echo(f"Dismissed {count} refused action{'s' if count != 1 else ''}.")
            return
        refused = refused_actions(conn)
        failed = False
        for wanted in ids or []:
            matches = [entry for entry in refused if entry.key.startswith(wanted.strip())]
            if len(matches) != 1 or not wanted.strip():
                problem = "matches several refused actions" if matches else "is no refused action"
                typer.echo(f"partnerops: {safe_text(wanted)!r} {problem}", err=True)
                failed = True
                continue
            entry = matches[0]
            dismiss_refused(conn, entry.key)
            typer.echo(
                f"Dismissed {entry.key[:SHORT_ID]}: {entry.kind} on {safe_text(entry.target_id)}"
            )
    if failed:
        raise typer.Exit(EXIT_ERROR)
