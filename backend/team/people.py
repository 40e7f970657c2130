"""People and their tokens: one token per person, scoped to one partner, stored hashed.

A token is 32 random bytes, so a plain SHA-256 of it cannot be reversed or guessed; a slow
password hash would only make every request slower. Only the hash is stored: a lost token is
revoked and a new one issued.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.engine import Connection

from backend.team.database import writer
from backend.team.records import PARTNERS, now_text
from backend.team.tables import TeamPerson, table

PEOPLE = table(TeamPerson.__tablename__)
ROLES = ("member", "admin")
TOKEN_PREFIX = "pot_"
_EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]{1,100}@[^@\s\x00-\x1f\x7f]{1,99}")


class PeopleError(Exception):
    """A person or partner that cannot be added or found; one line for the user."""


@dataclass(frozen=True)
class Person:
    id: int
    partner_id: int
    partner_name: str
    email: str
    role: str
    head: int  # the partner's change counter when the token was checked

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class PersonRow:
    partner: str
    email: str
    role: str
    created_at: str
    revoked_at: str | None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def partner_id(connection: Connection, partner: str) -> int:
    """The partner named `partner` (its name, any case, or its upstream id)."""
    rows = connection.execute(select(PARTNERS.c.id, PARTNERS.c.name, PARTNERS.c.upstream_id)).all()
    for row in rows:
        if partner in (row.name, row.upstream_id) or (partner.casefold() == row.name.casefold()):
            return int(row.id)
    known = ", ".join(repr(row.name) for row in rows) or "none yet: start the server first"
    raise PeopleError(f"no partner {partner!r} on this server (partners: {known})")


def add_person(engine: Engine, partner: str, email: str, role: str) -> str:
    """Issue a token for `email` at `partner`; returns the token (shown once, never stored)."""
    if role not in ROLES:
        raise PeopleError(f"role must be one of {', '.join(ROLES)}")
    if not _EMAIL.fullmatch(email):
        raise PeopleError("the email must look like name@example.com (no spaces)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with writer(engine).begin() as connection:
        found = partner_id(connection, partner)
        active = connection.execute(
            select(PEOPLE.c.id).where(
                PEOPLE.c.partner_id == found,
                PEOPLE.c.email == email,
                PEOPLE.c.revoked_at.is_(None),
            )
        ).first()
        if active is not None:
            raise PeopleError(f"{email} already has a token at this partner; revoke it first")
        connection.execute(
            insert(PEOPLE).values(
                partner_id=found,
                email=email,
                role=role,
                token_hash=hash_token(token),
                created_at=now_text(),
            )
        )
    return token


def list_people(engine: Engine) -> list[PersonRow]:
    query = (
        select(PARTNERS.c.name, PEOPLE)
        .join(PARTNERS, PARTNERS.c.id == PEOPLE.c.partner_id)
        .order_by(PARTNERS.c.name, PEOPLE.c.email, PEOPLE.c.id)
    )
    with engine.connect() as connection:
        return [
            PersonRow(row.name, row.email, row.role, row.created_at, row.revoked_at)
            for row in connection.execute(query)
        ]


def revoke_person(engine: Engine, email: str, partner: str | None = None) -> int:
    """Revoke every active token of `email` (at `partner` only, when given); returns how many."""
    with writer(engine).begin() as connection:
        conditions = [PEOPLE.c.email == email, PEOPLE.c.revoked_at.is_(None)]
        if partner is not None:
            conditions.append(PEOPLE.c.partner_id == partner_id(connection, partner))
        result = connection.execute(update(PEOPLE).where(*conditions).values(revoked_at=now_text()))
        return int(result.rowcount or 0)


def authenticate(connection: Connection, token: str) -> Person | None:
    """The active person holding `token`. Looked up by hash: no token is ever compared."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    query = (
        select(
            PEOPLE.c.id,
            PEOPLE.c.partner_id,
            PEOPLE.c.email,
            PEOPLE.c.role,
            PARTNERS.c.name,
            PARTNERS.c.head,
        )
        .join(PARTNERS, PARTNERS.c.id == PEOPLE.c.partner_id)
        .where(PEOPLE.c.token_hash == hash_token(token), PEOPLE.c.revoked_at.is_(None))
    )
    row = connection.execute(query).first()
    if row is None:
        return None
    return Person(row.id, row.partner_id, row.name, row.email, row.role, row.head)


def list_partners(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(PARTNERS.c.name).order_by(PARTNERS.c.id)).scalars())
