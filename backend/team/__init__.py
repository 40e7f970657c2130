"""The team server: one durable, multi-user backend for a whole agency (docs/team-server.md).

It serves the API of docs/backend-api.md from a database (SQLite by default, PostgreSQL for
teams) through SQLAlchemy, with per-person tokens, an audit trail and versioned migrations.
"""
