"""The practice's records: SQLite or PostgreSQL through SQLAlchemy 2, migrated by Alembic.

``engine`` opens the database, ``models`` holds the tables, ``services`` is the only way the
CLI and the web layer change or read client data (one transaction per user action, every
change and read written to the hash-chained audit log). The arithmetic it uses is pure and
lives in the core: ``therabill.ledger`` (balances, allocation) and ``therabill.claims.status``
(the claim lifecycle).
"""
