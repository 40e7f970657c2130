"""The team server's tables, as SQLModel classes: the one place the schema is described.

The migration steps under `migrations/versions` hold their own literal DDL (a shipped step never
changes); a test compares the migrated database with these classes, so they cannot drift apart.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, Table, Text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

# BIGINT on PostgreSQL; on SQLite only INTEGER PRIMARY KEY numbers rows itself.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class TeamTable(SQLModel, registry=registry()):
    """The server's own registry: its metadata holds its tables only, not the console's."""


def table(name: str) -> Table:
    """The Core table of one of the classes below (for fast bulk SQL)."""
    return TeamTable.metadata.tables[name]


class TeamMeta(TeamTable, table=True):
    """Server-wide facts; `instance` (random, made by the first migration) is in every token."""

    __tablename__ = "team_meta"

    name: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)


class TeamPartner(TeamTable, table=True):
    """One partner (agency). `head` is its change counter: every write takes `head + 1`."""

    __tablename__ = "team_partner"

    id: int | None = Field(default=None, primary_key=True)
    upstream_id: str = Field(max_length=64, unique=True)
    name: str = Field(max_length=200)
    head: int = Field(default=0, sa_type=BigInteger)


class TeamRecord(TeamTable, table=True):
    """One record of one resource; `body` is its JSON as served (null: deleted, a tombstone)."""

    __tablename__ = "team_record"
    __table_args__ = (
        Index("ix_team_record_feed", "partner_id", "resource", "seq", unique=True),
        Index("ix_team_record_parent", "partner_id", "parent_id"),
    )

    partner_id: int = Field(foreign_key="team_partner.id", primary_key=True)
    resource: str = Field(primary_key=True, max_length=16)
    id: str = Field(primary_key=True, max_length=64)
    seq: int = Field(sa_type=BigInteger)
    # The client (or, for notes, the target) a record hangs off: end_services follows it.
    parent_id: str | None = Field(default=None, max_length=64)
    body: str | None = Field(default=None, sa_type=Text)


class TeamPerson(TeamTable, table=True):
    """A person's token, stored as its SHA-256 only; scoped to one partner."""

    __tablename__ = "team_person"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="team_partner.id", index=True)
    email: str = Field(max_length=200)
    role: str = Field(max_length=16)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: str = Field(max_length=32)
    revoked_at: str | None = Field(default=None, max_length=32)


class TeamAppliedKey(TeamTable, table=True):
    """Applied action keys, kept for `KEY_RETENTION_DAYS` (at-most-once across restarts)."""

    __tablename__ = "team_applied_key"

    partner_id: int = Field(foreign_key="team_partner.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=128)
    applied_at: str = Field(max_length=32, index=True)


class TeamAudit(TeamTable, table=True):
    """Who did what: one row per action outcome except duplicates."""

    __tablename__ = "team_audit"
    __table_args__ = (Index("ix_team_audit_partner", "partner_id", "id"),)

    id: int | None = Field(default=None, primary_key=True, sa_type=BigId)
    partner_id: int = Field(foreign_key="team_partner.id")
    at: str = Field(max_length=32)
    actor: str = Field(max_length=200)
    kind: str = Field(max_length=32)
    target_id: str = Field(max_length=64)
    key: str = Field(max_length=128)
    outcome: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_type=Text)
