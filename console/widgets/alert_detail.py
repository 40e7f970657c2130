"""How an alert reads in the inbox: its section's line, and its detail with the rule, the
values that fired it, its notes and its client's health breakdown. Every server string goes
through `literal`."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from console.text import format_local_time, literal
from local_store.alerts import AlertDetail
from local_store.health import health_band
from local_store.impact import explain_impact
from local_store.queries import parse_utc

SECTION_NAME_WIDTH = 19


def section_prompt(name: str, count: int, name_width: int = SECTION_NAME_WIDTH) -> Text:
    """One line: the name (cut with an ellipsis) and the count, right-aligned."""
    prompt = Text(name, no_wrap=True)
    prompt.truncate(name_width, overflow="ellipsis", pad=True)
    prompt.append(f"{count:>6,}", style="bold" if count else "dim")
    return prompt


def words(name: str) -> str:
    """A rule's or a value's name as words: "days_left" reads "days left"."""
    return name.replace("_", " ")


def value_words(value: Any) -> str:
    """A fired value as a person reads it: lists joined, nested fields named."""
    if isinstance(value, dict):
        return ", ".join(f"{words(str(key))} {value_words(item)}" for key, item in value.items())
    if isinstance(value, list):
        separator = "; " if any(isinstance(item, dict) for item in value) else ", "
        return separator.join(value_words(item) for item in value) or "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "none" if value is None else str(value)


def reason_lines(detail: AlertDetail) -> list[tuple[str, str]]:
    """Each rule behind a local item, as words, with the values it fired on; in the item's
    rule order (a merged item lists several)."""
    rules = [rule for rule in (detail.rule or "").split(",") if rule]
    rules += [rule for rule in detail.fired_values if rule not in rules]
    lines = []
    for rule in rules:
        fired = detail.fired_values.get(rule)
        values = value_words(fired) if isinstance(fired, dict) else ""
        lines.append((words(rule).capitalize(), values))
    return lines


def detail_text(detail: AlertDetail) -> Text:
    """The alert, the rules and values that fired it, its notes and its client's health."""
    row = detail.row
    text = Text()
    text.append_text(literal(row.title, "bold"))
    text.append("\n")
    origin = (
        "raised on this machine — triage stays here"
        if row.source == "local"
        else "from the backend — triage is sent at the next sync"
    )
    text.append(f"{row.severity} · ", style="bold")
    text.append_text(literal(row.kind))
    text.append(f" · {origin}\n", style="dim")
    text.append_text(literal(detail.detail))
    text.append("\n")
    reasons = reason_lines(detail) if row.source == "local" else []
    if reasons:
        text.append("Why" if len(reasons) == 1 else f"Why ({len(reasons)} rules)", style="bold")
        for rule, values in reasons:
            text.append("\n  ")
            text.append_text(literal(rule, "bold"))
            if values:
                text.append(": ")
                text.append_text(literal(values))
        text.append("\n")
    text.append("At stake: ", style="bold")
    text.append(
        explain_impact(row.impact, row.stake_points, row.mrr_cents, row.days_left, row.severity)
    )
    text.append("\n")
    raised = parse_utc(row.raised_at)
    status = f"Status {row.status}"
    if detail.snoozed_until and row.status == "snoozed":
        status += f" until {detail.snoozed_until}"
    text.append(status + (f" · raised {format_local_time(raised)}" if raised else ""))
    text.append(" · assigned to ")
    text.append_text(literal(row.assignee or "nobody"))
    text.append("\n")
    if detail.changed_by:
        text.append("Last triaged by ", style="dim")
        text.append_text(literal(detail.changed_by, "dim"))
        text.append("\n")
    if detail.health_score is not None:
        band = health_band(detail.health_score)
        text.append(f"Health {detail.health_score} ({band})", style="bold")
        for reason in detail.health_reasons:
            text.append(f"\n  {reason.get('points', 0):+4d}  ")
            text.append_text(literal(reason.get("label", "")))
        text.append("\n")
    if detail.notes:
        text.append("Notes", style="bold")
        for note in detail.notes:
            written = parse_utc(note.created_at)
            text.append(f"\n  {format_local_time(written) if written else ''} ", style="dim")
            text.append_text(literal(note.author, "dim"))
            text.append("  ")
            text.append_text(literal(note.text))
    return text
