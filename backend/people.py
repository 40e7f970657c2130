"""A partner's people: its employees (with archetypes) and its HubSpot team contacts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from backend import words
from backend.draw import Record


@dataclass
class People:
    employees: list[Record] = field(default_factory=list)
    team: list[Record] = field(default_factory=list)
    renewal_managers: tuple[str, ...] = ()


def _person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)


def _email_part(text: str) -> str:
    return text.lower().replace("ü", "ue").replace(" ", "")


def make_people(rng: random.Random, domain: str) -> People:
    people = People()
    archetypes = ["implementer", "value_driver", "deal_closer"]
    count = rng.randrange(4, 9)
    archetypes += [rng.choice(archetypes) for _ in range(count - 3)]
    emails: set[str] = set()
    for number, archetype in enumerate(archetypes, start=1):
        first, last = _person(rng)
        email = f"{_email_part(first)}.{_email_part(last)}@{domain}"
        if email in emails:
            email = f"{_email_part(first)}.{_email_part(last)}{number}@{domain}"
        emails.add(email)
        people.employees.append(
            {
                "id": f"e-{number}",
                "version": 0,
                "name": f"{first} {last}",
                "email": email,
                "archetype": archetype,
            }
        )
    for number, (role, description) in enumerate(words.TEAM_ROLES, start=1):
        first, last = _person(rng)
        handle = f"{_email_part(first)}-{_email_part(last)}"
        people.team.append(
            {
                "id": f"t-{number}",
                "version": 0,
                "role": role,
                "name": f"{first} {last}",
                "email": f"{_email_part(first)[0]}{_email_part(last)}@hubspot.com",
                "description": description,
                "phone": None if number == 3 else f"+1 617-555-{rng.randrange(100, 1000):04d}",
                "meeting_url": f"https://meetings.hubspot.com/{handle}" if number == 1 else None,
            }
        )
    people.renewal_managers = tuple(" ".join(_person(rng)) for _ in range(8))
    return people
