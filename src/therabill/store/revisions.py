"""Client revisions: a stamp that changes whenever a client's billing data changes, and never
on a read.

The live check (``store.services.live_check``) keeps what it reads about a client's day (the
year's KX amounts, the lines already billed, the plan of care's facts, the eligibility line,
the other disciplines' services that day) between requests, and must know at once when any
of it changed, in any process: several ``therabill serve`` workers and hosts share one
database, and a stale answer would let a wrong claim through. The audit head moves with
every read, and the ledger's generation misses a line edited on a ready claim, so neither
will do. Instead the database keeps, per client, a revision (``client_revisions``) that a
trigger on every table the live check reads moves in the writer's own transaction: every
path that writes (the services, ``claims build``'s batch, the 835 poster, a restore, a
hand-made SQL fix) moves it, a reader sees the new revision exactly when it sees the new
rows, and reads (audited or not) never move it. The practice's own rows (the practice's
settings, providers, payers, fees) move the revision of client 0, which every stamp reads
too. A stamp is one primary-key read of two rows.

What is watched, and why each table (the client's id from the row, or from its parent):

- ``clients``, ``policies``: the client's details and payer on the claim document;
- ``sessions``, ``session_services``, ``session_diagnoses``: the day's sessions, the other
  disciplines' services, the plan of care's treatment days;
- ``claims``, ``claim_lines``: the lines already billed, the year's allowed amounts, visits;
- ``remittance_claims``, ``remittance_lines``, ``remittance_adjustments``: what the payer
  allowed (the KX amounts count the 835's figure when there is one);
- ``authorizations``, ``authorization_codes``, ``authorization_uses``: the authorization a
  claim draws on (the codes it covers: migration 0047);
- ``eligibility_checks``: the eligibility line;
- ``plans_of_care``, ``progress_reports``: the referring provider, certification, days;
- ``practice``, ``providers``, ``payers``, ``fees``: every client's claims (client 0).

The ledger is not watched: nothing the live check keeps is read from it (the payer records
it shows have their own stamp, ``caches.ledger_generation``).

On SQLite a row trigger sets the revision to a new random 64-bit number (a few microseconds
a row; random rather than counted, so a database restored from an older copy does not bring
back a revision a running server kept with other data). On PostgreSQL a statement trigger
sets it to the writing transaction's id (``txid_current()``, never reused), once per client
and statement, reading the statement's transition tables: a multi-row ``INSERT … VALUES``
(SQLAlchemy's batched inserts) costs one trigger call for all its rows, though an
``executemany`` sent row by row still costs one a row; a client touched again in the same
transaction is not rewritten (the ``WHERE`` of the upsert), so a large posting leaves one
row version per client, not one per row.

On SQLite the inserts of remittance claims, lines and adjustments by the 835 poster are the
one exception: their triggers stand aside (``WHEN NOT therabill_bulk_writer()``, migration
0046) and the poster moves the revision of each client of the batch once itself, in the same
transaction (``store.bulk_writes``).

A migration that rebuilds a watched table (SQLite batch mode copies it and drops its
triggers) must call :func:`create_triggers` again, as for the report sums.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Connection, text

from therabill.store import bulk_writes

TABLE = "client_revisions"
PRACTICE_ROWS = 0  # the client id under which the practice's own rows move


@dataclass(frozen=True)
class Watched:
    """A table whose rows belong to a client: ``client`` is SQL over the row ``{r}`` giving
    the client's id (``PRACTICE_ROWS`` for the practice's own rows); ``practice`` the row's
    practice."""

    table: str
    client: str
    practice: str = "{r}.practice_id"
    events: tuple[str, ...] = ("INSERT", "UPDATE", "DELETE")


def _via(parent: str, key: str, column: str = "client_id") -> str:
    return f"(SELECT p.{column} FROM {parent} AS p WHERE p.id = {{r}}.{key})"


WATCHED: tuple[Watched, ...] = (
    Watched("clients", "{r}.id"),
    Watched("policies", "{r}.client_id"),
    Watched("sessions", "{r}.client_id"),
    Watched("session_services", _via("sessions", "session_id")),
    Watched("session_diagnoses", _via("sessions", "session_id")),
    Watched("claims", "{r}.client_id"),
    Watched("claim_lines", _via("claims", "claim_id")),
    Watched("remittance_claims", _via("claims", "claim_id")),
    Watched(
        "remittance_lines",
        "(SELECT c.client_id FROM remittance_claims AS rc JOIN claims AS c ON c.id = rc.claim_id"
        " WHERE rc.id = {r}.remittance_claim_id)",
    ),
    Watched(
        "remittance_adjustments",
        "(SELECT c.client_id FROM remittance_claims AS rc JOIN claims AS c ON c.id = rc.claim_id"
        " WHERE rc.id = {r}.remittance_claim_id)",
    ),
    Watched("authorizations", "{r}.client_id"),
    Watched("authorization_uses", _via("authorizations", "authorization_id")),
    Watched("authorization_codes", _via("authorizations", "authorization_id")),
    Watched("eligibility_checks", "{r}.client_id"),
    Watched("plans_of_care", "{r}.client_id"),
    Watched("progress_reports", _via("plans_of_care", "plan_id")),
    # a new practice has no clients yet, and its row is made before its scope can be set
    Watched("practice", str(PRACTICE_ROWS), practice="{r}.id", events=("UPDATE",)),
    Watched("providers", str(PRACTICE_ROWS)),
    Watched("payers", str(PRACTICE_ROWS)),
    Watched("fees", str(PRACTICE_ROWS)),
)
ROWS = {"INSERT": ("NEW",), "UPDATE": ("OLD", "NEW"), "DELETE": ("OLD",)}
TRANSITIONS = {
    "INSERT": "REFERENCING NEW TABLE AS new_rows",
    "UPDATE": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
    "DELETE": "REFERENCING OLD TABLE AS old_rows",
}


def _name(watched: Watched, event: str) -> str:
    return f"revise_client_on_{watched.table}_{event.lower()}"


def _sqlite_body(watched: Watched, event: str) -> str:
    statements = []
    for row in ROWS[event]:
        client = watched.client.format(r=row)
        statements.append(
            f"INSERT INTO {TABLE} (practice_id, client_id, revision) "
            f"SELECT {watched.practice.format(r=row)}, {client}, random() "
            f"WHERE {client} IS NOT NULL "
            f"ON CONFLICT (practice_id, client_id) DO UPDATE SET revision = excluded.revision"
        )
    return "; ".join(statements)


def _postgres_body(watched: Watched, event: str) -> str:
    rows = {"NEW": "new_rows", "OLD": "old_rows"}
    selects = " UNION ".join(
        f"SELECT {watched.practice.format(r='r')} AS practice_id, "
        f"{watched.client.format(r='r')} AS client_id FROM {rows[row]} AS r"
        for row in ROWS[event]
    )
    return (
        f"INSERT INTO {TABLE} (practice_id, client_id, revision) "
        f"SELECT DISTINCT t.practice_id, t.client_id, txid_current() FROM ({selects}) AS t "
        "WHERE t.client_id IS NOT NULL "
        f"ON CONFLICT (practice_id, client_id) DO UPDATE SET revision = excluded.revision "
        f"WHERE {TABLE}.revision <> excluded.revision"
    )


def create_triggers(
    connection: Connection, *, tables: Collection[str] | None = None, bulk_gate: bool = True
) -> None:
    """Make (or make again) the triggers of every watched table (or of ``tables``;
    ``bulk_gate=False``: SQLite's without ``bulk_writes.GATE`` on the inserts of
    ``bulk_writes.REVISED``, as before migration 0046)."""
    postgres = connection.dialect.name == "postgresql"
    for watched in WATCHED:
        if tables is not None and watched.table not in tables:
            continue
        for event in watched.events:
            name = _name(watched, event)
            if postgres:
                connection.execute(
                    text(
                        f"CREATE OR REPLACE FUNCTION therabill_{name}() RETURNS trigger "
                        f"LANGUAGE plpgsql AS $$ BEGIN {_postgres_body(watched, event)}; "
                        "RETURN NULL; END $$"
                    )
                )
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {watched.table}"))
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} AFTER {event} ON {watched.table} "
                        f"{TRANSITIONS[event]} FOR EACH STATEMENT "
                        f"EXECUTE FUNCTION therabill_{name}()"
                    )
                )
            else:
                gated = bulk_gate and event == "INSERT" and watched.table in bulk_writes.REVISED
                when = f"WHEN {bulk_writes.GATE} " if gated else ""
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} AFTER {event} ON {watched.table} FOR EACH ROW "
                        f"{when}BEGIN {_sqlite_body(watched, event)}; END"
                    )
                )


def drop_triggers(connection: Connection, *, tables: Collection[str] | None = None) -> None:
    postgres = connection.dialect.name == "postgresql"
    for watched in WATCHED:
        if tables is not None and watched.table not in tables:
            continue
        for event in watched.events:
            name = _name(watched, event)
            if postgres:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {watched.table}"))
                connection.execute(text(f"DROP FUNCTION IF EXISTS therabill_{name}()"))
            else:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


STAMP = text(
    f"SELECT client_id, revision FROM {TABLE} "
    "WHERE practice_id = :practice AND client_id IN (:client, 0)"
)


def client_stamp(connection: Connection, *, practice_id: int, client_id: int) -> tuple[int, int]:
    """The client's revision and the practice's (0 for one never written since the table
    was made): equal stamps, equal data for everything :data:`WATCHED` holds."""
    found: dict[int, int] = {
        int(client): int(revision)
        for client, revision in connection.execute(
            STAMP, {"practice": practice_id, "client": client_id}
        )
    }
    return int(found.get(client_id, 0)), int(found.get(PRACTICE_ROWS, 0))


# The live check's stamps in one round trip: the client's and the practice's revisions, and
# the ledger's generation (the payer records' stamp, ``caches.ledger_generation``) beside them.
LIVE_STAMP = text(
    f"SELECT (SELECT revision FROM {TABLE} WHERE practice_id = :practice AND client_id = :client), "
    f"(SELECT revision FROM {TABLE} WHERE practice_id = :practice AND client_id = 0), "
    "(SELECT max(id) FROM ledger_entries WHERE practice_id = :practice), "
    "(SELECT max(id) FROM claim_status_changes WHERE practice_id = :practice)"
)


def client_and_ledger_stamp(
    connection: Connection, *, practice_id: int, client_id: int
) -> tuple[tuple[int, int], tuple[int, int]]:
    """:func:`client_stamp` and the ledger's generation (the newest ledger entry and claim
    status change, as ``caches.ledger_generation`` reads them), in one statement."""
    client, practice, entry, change = connection.execute(
        LIVE_STAMP, {"practice": practice_id, "client": client_id}
    ).one()
    return (int(client or 0), int(practice or 0)), (int(entry or 0), int(change or 0))


# Two primes under 2**32: a revision is a 64-bit integer, and (revision % P1, revision / P1
# % P2) tells every two of them apart, so a practice's sums of the two move whenever one
# client's revision moves (and no sum can overflow: 10,000 clients × 2**32 is far below
# 2**63).
_P1, _P2 = 4_294_967_291, 4_294_967_279
PRACTICE_STAMP = text(
    f"SELECT count(*), sum(revision % {_P1}), sum((revision / {_P1}) % {_P2}), "
    "(SELECT max(id) FROM ledger_entries WHERE practice_id = :practice), "
    "(SELECT max(id) FROM claim_status_changes WHERE practice_id = :practice) "
    f"FROM {TABLE} WHERE practice_id = :practice"
)


def practice_stamp(connection: Connection, *, practice_id: int) -> tuple[int, ...]:
    """A stamp of everything :data:`WATCHED` holds for the whole practice, and of its money
    figures (the newest ledger entry and claim status change, as
    ``caches.ledger_generation``): one statement, a range of this table's primary key (about
    1 ms at 10,000 clients on SQLite). Any client's revision moving moves it; reads never
    do. For figures over all the practice's clients (the dashboard's work queues), where one
    client's stamp would not do."""
    row = connection.execute(PRACTICE_STAMP, {"practice": practice_id}).one()
    return tuple(int(value or 0) for value in row)
