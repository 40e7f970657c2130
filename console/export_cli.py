"""`partnerops export`: options into a checked plan, then rows streamed to stdout or a file.

Everything a user can get wrong (a field, a duration, a format, a filter the dataset lacks)
is checked by `plan_export` before the cache is opened or a sync starts, and raised as
`ExportUsageError` for the command line to turn into exit code 2. Imports stay light: only
the `table` format loads Rich, and nothing here loads Textual.
"""

from __future__ import annotations

import os
import re
import sqlite3
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TextIO

from console.export_formats import FORMATS, STYLES, WRITERS
from local_store.exports import (
    DATASETS,
    Dataset,
    ExportField,
    ExportFilters,
    ExportRequest,
    ExportUsageError,
)
from local_store.queries import HEALTH_BANDS

RELATIONSHIPS = ("sourced", "assisted", "managed")
ENGAGEMENT_BANDS = ("Low", "Medium", "High")
FIELDS_LISTING = "list"
"""`--fields list` prints the dataset's fields instead of exporting."""
_DURATION = re.compile(r"(\d{1,5})([dw]?)")
_FILE_BUFFER = 1 << 20
"""Bytes buffered before a write to the output file: fewer system calls at 100,000 rows."""
_SUFFIX_FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class OutputError(Exception):
    """The output file cannot be written; the message names it and why."""


@dataclass(frozen=True)
class ExportPlan:
    dataset: Dataset
    fields: tuple[ExportField, ...]
    request: ExportRequest
    output_format: str
    output: Path | None
    bom: bool


def parse_duration(text: str) -> int:
    """Days in "45d", "6w" or "45" (days)."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ExportUsageError(f"--within {text!r} is not a duration like 30d or 6w")
    number, unit = int(match[1]), match[2]
    return number * 7 if unit == "w" else number


def parse_sort(text: str | None) -> tuple[str | None, bool]:
    """ "mrr" or "mrr:desc" (also ":asc") → (key, descending)."""
    if text is None:
        return None, False
    key, _, direction = text.strip().partition(":")
    if direction.lower() not in ("", "asc", "desc"):
        raise ExportUsageError(f"--sort {text!r}: write field, field:asc or field:desc")
    return key, direction.lower() == "desc"


def parse_fields(dataset: Dataset, text: str | None) -> tuple[ExportField, ...]:
    if text is None:
        return dataset.fields
    by_name = {f.name: f for f in dataset.fields}
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_name]
    if unknown or not names:
        what = f"unknown field {unknown[0]!r}" if unknown else "no fields named"
        raise ExportUsageError(
            f"export {dataset.name}: {what}; see `partnerops export {dataset.name} --fields list`"
        )
    return tuple(by_name[name] for name in names)


def field_listing(dataset: Dataset) -> str:
    width = max(len(f.name) for f in dataset.fields)
    return "\n".join(f"{f.name:<{width}}  {f.type:<9}  {f.meaning}" for f in dataset.fields)


def choose_format(requested: str | None, output: Path | None, stdout_is_terminal: bool) -> str:
    """Asked for, else the output file's suffix, else a table for people and CSV for pipes."""
    if requested is not None:
        chosen = requested.lower()
        if chosen not in FORMATS:
            raise ExportUsageError(
                f"--format must be one of {', '.join(FORMATS)}, not {requested!r}"
            )
        return chosen
    if output is not None:
        return _SUFFIX_FORMATS.get(output.suffix.lower(), "csv")
    return "table" if stdout_is_terminal else "csv"


def _choice(option: str, value: str | None, choices: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    for choice in choices:
        if value.lower() == choice.lower():
            return choice
    raise ExportUsageError(f"{option} must be one of {', '.join(choices)}, not {value!r}")


def plan_export(
    dataset_name: str,
    *,
    output_format: str | None,
    fields: str | None,
    relationship: str | None,
    owner: str | None,
    mine_email: str | None,
    band: str | None,
    health: str | None,
    product: str | None,
    within: str | None,
    status: str | None,
    search: str | None,
    sort: str | None,
    limit: int | None,
    output: str | None,
    bom: bool,
    today: date,
    stdout_is_terminal: bool,
) -> ExportPlan:
    """Every option checked; raises `ExportUsageError` naming the first one that is wrong.

    `mine_email` is the profile's user when `--mine` was given.
    """
    dataset = DATASETS.get(dataset_name.lower())
    if dataset is None:
        raise ExportUsageError(
            f"cannot export {dataset_name!r}: choose one of {', '.join(DATASETS)}"
        )
    if owner is not None and mine_email is not None:
        raise ExportUsageError("give --owner or --mine, not both")
    target = None if output in (None, "-") else Path(output)
    chosen_format = choose_format(output_format, target, stdout_is_terminal and target is None)
    if bom and chosen_format != "csv":
        raise ExportUsageError("--bom applies to CSV only")
    key, descending = parse_sort(sort)
    request = ExportRequest(
        filters=ExportFilters(
            relationship=_choice("--relationship", relationship, RELATIONSHIPS),
            owner_email=mine_email or owner,
            band=_choice("--band", band, ENGAGEMENT_BANDS),
            health=_choice("--health", health, tuple(HEALTH_BANDS)),
            product=product,
            within_days=None if within is None else parse_duration(within),
            status=status,
            search=search,
        ),
        today=today,
        sort=key,
        descending=descending,
        limit=limit,
    )
    dataset.check(request)
    return ExportPlan(dataset, parse_fields(dataset, fields), request, chosen_format, target, bom)


def write_export(conn: sqlite3.Connection, plan: ExportPlan) -> None:
    """Stream the plan's rows out."""
    rows: Iterator[object]
    if plan.output_format == "csv":
        rows = plan.dataset.csv_lines(conn, plan.request, plan.fields)
    else:
        rows = plan.dataset.rows(conn, plan.request, plan.fields, STYLES[plan.output_format])
    writer = WRITERS[plan.output_format]
    if plan.output is None:
        out: TextIO = sys.stdout
        if plan.output_format != "table":
            from console.text import for_person  # loads Rich: only when writing to stdout

            if hasattr(sys.stdout, "reconfigure"):
                # Exports are UTF-8 whatever the locale says; CSV brings its own CRLF.
                sys.stdout.reconfigure(encoding="utf-8", newline="")
            # On a terminal the server's text is shown inert; a pipe gets it byte-exact. (The
            # table escapes its own cells: its styling must still reach the terminal.)
            out = for_person(sys.stdout, json=plan.output_format in ("json", "jsonl"))
        if plan.bom:
            out.write("\ufeff")
        writer(out, plan.fields, rows)
        return
    with _replacing(plan.output) as out:
        if plan.bom:
            out.write("\ufeff")
        writer(out, plan.fields, rows)


@contextmanager
def _replacing(target: Path) -> Iterator[TextIO]:
    """A temporary file beside `target`, renamed over it only when writing succeeded, so a
    failed export never leaves half a file (or spoils the last good one). Owner-only, like
    the cache the rows came from."""
    try:
        fd, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".partial"
        )
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        with open(fd, "w", encoding="utf-8", newline="", buffering=_FILE_BUFFER) as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
