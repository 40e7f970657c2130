"""The local SQLite cache: tables, connections, migrations, queries and the outbox.

This package imports no other package of ours. Importing it is cheap: SQLModel loads only
when a migration or a bulk write needs the table definitions.
"""
