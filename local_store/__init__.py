"""The local SQLite cache: tables, connections, migrations, queries and the outbox.

This package imports no other package of ours. Importing it is cheap: the cache runs on plain
SQL (`schema.py`), and SQLModel loads only to regenerate that SQL from the models.
"""
