"""Activation of a new client: its onboarding milestones per owned hub and time to first value.

The backend reports which milestones a client reached and when (`client.onboarding`, JSON,
NULL when the server does not send it). The profile's config says which milestones each hub
is expected to reach and by which day after the client's first purchase (`[activation]`); the
defaults follow the onboarding source: a setup step early, then the hub's first value (a
pipeline with a closed deal, a published page). A client is *in onboarding* for its first
`onboarding_days` (90) days; a milestone is *overdue* when its day has passed and it is not done.

Plain standard library: the client panel and the rules read it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from local_store.settings_error import SettingsError

ONBOARDING_DAYS = 90
DEFAULT_MILESTONES: dict[str, tuple[tuple[str, int, bool], ...]] = {
    # hub → (milestone, expected by day N after the hub's purchase, marks first value)
    "Marketing Hub": (("contacts imported", 14, False), ("first landing page published", 45, True)),
    "Sales Hub": (("deal pipeline set up", 14, False), ("first deal closed", 60, True)),
    "Service Hub": (("ticket pipeline set up", 14, False), ("first ticket closed", 45, True)),
    "Content Hub": (("website theme set up", 21, False), ("first page published", 45, True)),
    "Operations Hub": (("first data sync connected", 21, False), ("first workflow live", 45, True)),
    "Commerce Hub": (
        ("payment processing set up", 21, False),
        ("first payment collected", 60, True),
    ),
}


@dataclass(frozen=True, slots=True)
class Milestone:
    hub: str
    name: str
    due_day: int | None
    """Expected by this many days after the first purchase; None when the config does not
    expect it (the backend reported a milestone the config does not know)."""
    first_value: bool
    done_on: date | None


@dataclass(frozen=True, slots=True)
class Activation:
    since: date
    """The first purchase."""
    age_days: int
    milestones: tuple[Milestone, ...]

    @property
    def in_onboarding(self) -> bool:
        return 0 <= self.age_days <= ONBOARDING_DAYS

    @property
    def done(self) -> int:
        return sum(1 for m in self.milestones if m.done_on is not None)

    @property
    def overdue(self) -> tuple[Milestone, ...]:
        return tuple(
            m
            for m in self.milestones
            if m.done_on is None and m.due_day is not None and self.age_days > m.due_day
        )

    @property
    def days_to_first_value(self) -> int | None:
        """Days from the first purchase to the first first-value milestone reached."""
        reached = [m.done_on for m in self.milestones if m.first_value and m.done_on]
        return (min(reached) - self.since).days if reached else None


def milestone_plan(settings: Mapping[str, Any]) -> dict[str, tuple[tuple[str, int, bool], ...]]:
    """`settings["activation"]["milestones"]` (hub → list of {name, by_day, first_value})
    over the defaults; a wrong value raises SettingsError."""
    activation = settings.get("activation", {})
    if not isinstance(activation, Mapping):
        raise SettingsError("activation must be a table")
    given = activation.get("milestones", {})
    if not isinstance(given, Mapping):
        raise SettingsError("activation.milestones must be a table: hub = [{ name, by_day }]")
    plan = dict(DEFAULT_MILESTONES)
    for hub, steps in given.items():
        where = f"activation.milestones.{hub!r}"
        if not isinstance(steps, list):
            raise SettingsError(f"{where} must be a list of {{ name = ..., by_day = N }}")
        parsed = []
        for step in steps:
            name = step.get("name") if isinstance(step, Mapping) else None
            day = step.get("by_day") if isinstance(step, Mapping) else None
            if not isinstance(name, str) or not name.strip():
                raise SettingsError(f"{where}: each milestone needs a name")
            if isinstance(day, bool) or not isinstance(day, int) or day < 0:
                raise SettingsError(f"{where} {name!r}: by_day must be a whole number >= 0")
            first_value = step.get("first_value", False)
            if not isinstance(first_value, bool):
                raise SettingsError(f"{where} {name!r}: first_value must be true or false")
            parsed.append((name.strip(), day, first_value))
        plan[str(hub)] = tuple(parsed)
    return plan


def _reported(text: str | None) -> list[tuple[str, str, date | None]] | None:
    """(hub, milestone, done_on) as the backend sent them; None when it sent nothing."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    found = []
    for item in value:
        if not isinstance(item, dict):
            continue
        hub, name, done = item.get("hub"), item.get("milestone"), item.get("done_on")
        if not isinstance(hub, str) or not isinstance(name, str):
            continue
        try:
            done_on = date.fromisoformat(done[:10]) if isinstance(done, str) else None
        except ValueError:
            done_on = None
        found.append((hub, name, done_on))
    return found


def client_activation(
    onboarding_json: str | None,
    first_start: date | None,
    owned_hubs: Sequence[str],
    today: date,
    plan: Mapping[str, tuple[tuple[str, int, bool], ...]] = DEFAULT_MILESTONES,
) -> Activation | None:
    """The client's activation, or None when the backend reports no milestones for it (an
    older server, or a client past its onboarding) or it has no purchase yet."""
    reported = _reported(onboarding_json)
    if not reported or first_start is None:
        return None
    done = {(hub, name): on for hub, name, on in reported}
    milestones = []
    for hub in sorted(set(owned_hubs) | {hub for hub, _, _ in reported}):
        expected = plan.get(hub, ())
        for name, day, first_value in expected:
            milestones.append(Milestone(hub, name, day, first_value, done.pop((hub, name), None)))
        for (other_hub, name), on in list(done.items()):
            if other_hub == hub:
                milestones.append(Milestone(hub, name, None, False, on))
                del done[(other_hub, name)]
    return Activation(first_start, (today - first_start).days, tuple(milestones))


def activation_summary(activation: Activation) -> str:
    """ "2 of 4 milestones after 50 days (1 overdue); first value on day 31"."""
    total = len(activation.milestones)
    text = f"{activation.done} of {total} milestones after {activation.age_days} days"
    if activation.overdue:
        text += f" ({len(activation.overdue)} overdue)"
    first = activation.days_to_first_value
    text += f"; first value on day {first}" if first is not None else "; no first value yet"
    return text
