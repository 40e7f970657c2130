"""The first schema of the team server.

A shipped step never changes: its DDL is written out here, not built from tables.py.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    meta = op.create_table(
        "team_meta",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(200), nullable=False),
    )
    # Every change token carries it: a token from another database is refused (410).
    op.bulk_insert(meta, [{"name": "instance", "value": secrets.token_hex(8)}])
    op.create_table(
        "team_partner",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("upstream_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("head", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "team_record",
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("team_partner.id"), primary_key=True),
        sa.Column("resource", sa.String(16), primary_key=True),
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("parent_id", sa.String(64), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
    )
    op.create_index(
        "ix_team_record_feed", "team_record", ["partner_id", "resource", "seq"], unique=True
    )
    op.create_index("ix_team_record_parent", "team_record", ["partner_id", "parent_id"])
    op.create_table(
        "team_person",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("team_partner.id"), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("revoked_at", sa.String(32), nullable=True),
    )
    op.create_index("ix_team_person_partner_id", "team_person", ["partner_id"])
    op.create_table(
        "team_applied_key",
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("team_partner.id"), primary_key=True),
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("applied_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_team_applied_key_applied_at", "team_applied_key", ["applied_at"])
    op.create_table(
        "team_audit",
        sa.Column("id", _ID, primary_key=True),
        sa.Column("partner_id", sa.Integer(), sa.ForeignKey("team_partner.id"), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("target_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_team_audit_partner", "team_audit", ["partner_id", "id"])


def downgrade() -> None:
    for table in ("team_audit", "team_applied_key", "team_person", "team_record"):
        op.drop_table(table)
    op.drop_table("team_partner")
    op.drop_table("team_meta")
