"""The report sums, kept up to date by the database as rows are written.

Each sum table (``therabill.store.models.sums``) is a grouped sum of a base table: the ledger
(append-only, so its sums only ever grow), the claim lines, the sessions. A trigger on the
base table adds each new row to its group (and, where rows change or go, takes the old row
out), in the writer's own transaction (on PostgreSQL the ledger's per statement, each group
once: ``PER_STATEMENT``): every path that writes (the services, the 835
poster's bulk insert, ``claims build``'s batch, a restore) keeps the sums, every process and
reader sees them exactly when it sees the rows, and the first look after a change costs no
more than the second. ``therabill.ledger.effect`` stays the one place that says who owes what:
the sums keep the kind and the responsibility, and the reports evaluate it over them as they
would over the entries.

One :class:`Sum` says, once, how a group is found and what is added: the triggers (SQLite and
PostgreSQL), :func:`rebuild` (the migration that makes them, for an existing database) and
:func:`differences` (the tests' check that a table is still the sum of its rows) are all made
from it, so they cannot disagree.

A claim's frequency code, priority and provider are set when it is made (a correction or a
secondary claim is a new claim), so the line sums, which depend on them, need no trigger on
the claims; its status does change, and the visit sums follow it.

On SQLite the 835 poster's ledger inserts are the one exception: the ledger's insert triggers
stand aside for them (``WHEN NOT therabill_bulk_writer()``, migration 0046) and the poster
adds each batch with :meth:`Sum.upsert_rows` itself, in the same transaction
(``store.bulk_writes``).

A migration that rebuilds one of the base tables (SQLite batch mode copies a table and drops
its triggers) must call :func:`create_triggers` again, as for ``ledger_entries_to_seal``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from sqlalchemy import Connection, TextClause, inspect, text

from therabill.ledger import EntryKind, Responsibility, effect
from therabill.store import bulk_writes


@dataclass(frozen=True)
class Sum:
    """One sum table: its key and value columns as SQL over the base row ``{r}`` (``NEW`` or
    ``OLD`` in a trigger, the table's alias in a rebuild) and what ``joins`` brings in."""

    table: str
    base: str
    keys: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]
    joins: str = ""
    where: str = "TRUE"
    changes: tuple[str, ...] = ()  # what, over the base row, decides its group and values
    deletes: bool = False  # base rows can be deleted (the ledger's cannot)

    def _select(self, row: str, *, sign: str = "", grouped: bool = False, rows: str = "") -> str:
        keys = [expr.format(r=row) for _, expr in self.keys]
        values = [
            f"SUM({expr.format(r=row)})" if grouped else f"{sign}({expr.format(r=row)})"
            for _, expr in self.values
        ]
        source = f"{rows or self.base} AS {row}" if grouped else "(SELECT 1 AS one) AS here"
        sql = (
            f"SELECT {', '.join(keys + values)} FROM {source} {self.joins.format(r=row)} "
            f"WHERE {self.where.format(r=row)}"
        )
        return sql + (f" GROUP BY {', '.join(keys)}" if grouped else "")

    @property
    def columns(self) -> list[str]:
        return [name for name, _ in self.keys] + [name for name, _ in self.values]

    def upsert(self, row: str, sign: str = "") -> str:
        """Add (or with ``sign='-'`` take out) the trigger's ``row`` to its group."""
        added = ", ".join(f"{n} = {self.table}.{n} + excluded.{n}" for n, _ in self.values)
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) {self._select(row, sign=sign)} "
            f"ON CONFLICT ({', '.join(n for n, _ in self.keys)}) DO UPDATE SET {added}"
        )

    def upsert_rows(self, rows: str) -> str:
        """Add every row of the transition table ``rows`` (a statement's new rows) to its
        group: one upsert per group the statement touched, not one per row."""
        added = ", ".join(f"{n} = {self.table}.{n} + excluded.{n}" for n, _ in self.values)
        return (
            f"INSERT INTO {self.table} ({', '.join(self.columns)}) "
            f"{self._select('n', grouped=True, rows=rows)} "
            f"ON CONFLICT ({', '.join(n for n, _ in self.keys)}) DO UPDATE SET {added}"
        )

    def summed(self) -> str:
        """The whole table summed from its base rows now."""
        return self._select("r", grouped=True)

    def triggers(self) -> dict[str, tuple[str, str, list[str]]]:
        """Trigger name → (event, condition, statements). An update fires only when what
        decides the row's group or values changed (a claim's status moves with every
        posting; the visit count only when the claim is voided)."""
        found = {f"keep_{self.table}_on_insert": ("INSERT", "", [self.upsert("NEW")])}
        if self.deletes:
            found[f"keep_{self.table}_on_delete"] = ("DELETE", "", [self.upsert("OLD", "-")])
        if self.changes:
            moved = " OR ".join(
                f"({c.format(r='OLD')}) <> ({c.format(r='NEW')})" for c in self.changes
            )
            found[f"keep_{self.table}_on_update"] = (
                "UPDATE",
                moved,
                [self.upsert("OLD", "-"), self.upsert("NEW")],
            )
        return found


CLAIM = "LEFT JOIN claims AS c ON c.id = {r}.claim_id"
# A claim is a visit unless it was voided (status, or a claim sent to void one: frequency 8).
VISIT = "CASE WHEN {r}.status <> 'void' AND {r}.frequency_code <> '8' THEN 1 ELSE 0 END"
SUMS: tuple[Sum, ...] = (
    Sum(
        "ledger_day_sums",
        "ledger_entries",
        keys=(
            ("effective_date", "{r}.effective_date"),
            ("payer_id", "COALESCE({r}.payer_id, c.payer_id, 0)"),
            ("claim_payer_id", "COALESCE(c.payer_id, 0)"),
            ("provider_id", "COALESCE(c.provider_id, 0)"),
            ("code", "COALESCE(l.code, '')"),
            ("kind", "{r}.kind"),
        ),
        values=(("amount_cents", "{r}.amount_cents"), ("entries", "1")),
        joins=CLAIM + " LEFT JOIN claim_lines AS l ON l.id = {r}.claim_line_id",
    ),
    Sum(
        "service_day_sums",
        "ledger_entries",
        keys=(
            ("date_of_service", "c.date_of_service"),
            ("payer_id", "c.payer_id"),
            ("provider_id", "c.provider_id"),
            ("kind", "{r}.kind"),
            ("responsibility", "{r}.responsibility"),
        ),
        values=(("amount_cents", "{r}.amount_cents"), ("entries", "1")),
        joins="JOIN claims AS c ON c.id = {r}.claim_id",
    ),
    Sum(
        "client_sums",
        "ledger_entries",
        keys=(
            ("client_id", "{r}.client_id"),
            ("kind", "{r}.kind"),
            ("responsibility", "{r}.responsibility"),
        ),
        values=(("amount_cents", "{r}.amount_cents"), ("entries", "1")),
    ),
    Sum(
        "session_day_counts",
        "sessions",
        keys=(("date_of_service", "{r}.date_of_service"), ("provider_id", "{r}.provider_id")),
        values=(("sessions", "1"),),
        changes=("{r}.date_of_service", "{r}.provider_id"),
        deletes=True,
    ),
    Sum(
        "line_day_sums",
        "claim_lines",
        keys=(("date_of_service", "{r}.date_of_service"), ("provider_id", "c.provider_id")),
        values=(("units", "{r}.units"), ("charge_cents", "{r}.charge_cents"), ("lines", "1")),
        joins="JOIN claims AS c ON c.id = {r}.claim_id",
        where="c.frequency_code = '1' AND c.priority = 'primary'",
        changes=("{r}.date_of_service", "{r}.units", "{r}.charge_cents", "{r}.claim_id"),
        deletes=True,
    ),
    Sum(
        "visit_days",
        "claims",
        keys=(
            ("client_id", "{r}.client_id"),
            ("payer_id", "{r}.payer_id"),
            ("discipline", "p.discipline"),
            ("date_of_service", "{r}.date_of_service"),
        ),
        values=(("claims", VISIT),),
        joins="JOIN providers AS p ON p.id = {r}.provider_id",
        changes=(VISIT, "{r}.client_id", "{r}.payer_id", "{r}.provider_id", "{r}.date_of_service"),
        deletes=True,
    ),
    Sum(  # after visit_days: its triggers count the days that go from no claim to one and back
        "visit_years",
        "visit_days",
        keys=(
            ("client_id", "{r}.client_id"),
            ("payer_id", "{r}.payer_id"),
            ("discipline", "{r}.discipline"),
            ("year", "YEAR_OF({r}.date_of_service)"),
        ),
        values=(("visits", "CASE WHEN {r}.claims > 0 THEN 1 ELSE 0 END"),),
        changes=("CASE WHEN {r}.claims > 0 THEN 1 ELSE 0 END",),
        deletes=True,
    ),
)


def _owed_by_client() -> str:
    """How much more the client owes after an entry, as SQL over ``{r}``: the ledger's own
    ``effect()`` for one cent of every kind and responsibility (as the reports evaluate it)."""
    whens = [
        f"WHEN {{r}}.kind = '{kind.value}' AND {{r}}.responsibility = '{resp.value}' "
        f"THEN {cents} * {{r}}.amount_cents"
        for kind in EntryKind
        for resp in Responsibility
        if (cents := effect(kind, 1, resp).patient_cents)
    ]
    return f"CASE {' '.join(whens)} ELSE 0 END"


SUMS += (
    Sum(
        "client_balances",
        "ledger_entries",
        keys=(("client_id", "{r}.client_id"),),
        values=(("patient_cents", _owed_by_client()),),
    ),
)
YEAR_OF = {
    "sqlite": r"CAST(strftime('%Y', \1) AS INTEGER)",
    "postgresql": r"CAST(EXTRACT(YEAR FROM \1) AS INTEGER)",
}


def dialect_sql(connection: Connection, sql: str) -> TextClause:
    """``sql`` for the connection's database (the year of a date is said differently)."""
    return text(re.sub(r"YEAR_OF\(([^()]*)\)", YEAR_OF[connection.dialect.name], sql))


PRACTICE_KEY = ("practice_id", "{r}.practice_id")


def sums(connection: Connection, only: tuple[str, ...] = ()) -> tuple[Sum, ...]:
    """The sums as this database keeps them: from migration 0032 on, each practice's apart
    (every key leads with the base row's practice, docs/tenants.md); as 0031 made them before.
    Only those whose table the database has (a migration before a sum's own knows only the
    older ones), or only those named."""
    tables = set(inspect(connection).get_table_names())
    present = tuple(t for t in SUMS if t.table in tables and (not only or t.table in only))
    columns = inspect(connection).get_columns("ledger_day_sums")
    if not any(c["name"] == "practice_id" for c in columns):
        return present
    return tuple(replace(total, keys=(PRACTICE_KEY, *total.keys)) for total in present)


# Bases whose sums PostgreSQL keeps per statement (migration 0039): ``ledger_entries`` is
# append-only, and an 835's entries fall on a few groups (the payment's day, its codes, one
# client's balance), which a row trigger updated once per entry: the same few rows updated
# tens of thousands of times in one transaction, each update a new row version that the next
# must step over (posting 10,000 claims spent 116 of its 121 s of ledger inserts there). A
# statement trigger with the statement's new rows (``REFERENCING NEW TABLE``) adds each group
# once per statement; a writer of many entries sends them in one statement (the 835 poster's
# ``INSERT … SELECT FROM unnest``). SQLite has no statement triggers: its stay per row.
PER_STATEMENT = ("ledger_entries",)
NEW_ROWS = "new_rows"


def create_triggers(
    connection: Connection,
    only: tuple[str, ...] = (),
    *,
    per_statement: bool = True,
    bulk_gate: bool = True,
) -> None:
    """Make (or make again) every sum's triggers (``per_statement=False``: PostgreSQL's
    ledger sums per row, as before migration 0039; ``bulk_gate=False``: SQLite's ledger
    insert triggers without ``bulk_writes.GATE``, as before migration 0046)."""
    postgres = connection.dialect.name == "postgresql"
    for total in sums(connection, only):
        for name, (event, moved, statements) in total.triggers().items():
            body = "; ".join(statements)
            when = f"WHEN ({moved})" if moved else ""
            if postgres and per_statement and event == "INSERT" and total.base in PER_STATEMENT:
                connection.execute(
                    dialect_sql(
                        connection,
                        f"CREATE OR REPLACE FUNCTION therabill_{name}() RETURNS trigger "
                        f"LANGUAGE plpgsql AS $$ BEGIN {total.upsert_rows(NEW_ROWS)}; "
                        "RETURN NULL; END $$",
                    )
                )
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {total.base}"))
                connection.execute(
                    text(
                        f"CREATE TRIGGER {name} AFTER INSERT ON {total.base} "
                        f"REFERENCING NEW TABLE AS {NEW_ROWS} FOR EACH STATEMENT "
                        f"EXECUTE FUNCTION therabill_{name}()"
                    )
                )
            elif postgres:
                connection.execute(
                    dialect_sql(
                        connection,
                        f"CREATE OR REPLACE FUNCTION therabill_{name}() RETURNS trigger "
                        f"LANGUAGE plpgsql AS $$ BEGIN {body}; RETURN NULL; END $$",
                    )
                )
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {total.base}"))
                connection.execute(
                    dialect_sql(
                        connection,
                        f"CREATE TRIGGER {name} AFTER {event} ON {total.base} FOR EACH ROW "
                        f"{when} EXECUTE FUNCTION therabill_{name}()",
                    )
                )
            else:
                if bulk_gate and event == "INSERT" and total.base in bulk_writes.GATED:
                    when = f"WHEN {bulk_writes.GATE}"
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
                connection.execute(dialect_sql(connection,
                    f"CREATE TRIGGER {name} AFTER {event} ON {total.base} FOR EACH ROW "
                    f"{when} BEGIN {body}; END"))  # fmt: skip


def drop_triggers(connection: Connection, only: tuple[str, ...] = ()) -> None:
    postgres = connection.dialect.name == "postgresql"
    for total in sums(connection, only):
        for name in total.triggers():
            if postgres:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name} ON {total.base}"))
                connection.execute(text(f"DROP FUNCTION IF EXISTS therabill_{name}()"))
            else:
                connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))


def rebuild(connection: Connection, only: tuple[str, ...] = ()) -> None:
    """Sum every table again from its base rows (an existing database's first sums)."""
    for total in sums(connection, only):
        connection.execute(text(f"DELETE FROM {total.table}"))
        connection.execute(
            dialect_sql(
                connection,
                f"INSERT INTO {total.table} ({', '.join(total.columns)}) {total.summed()}",
            )
        )


def differences(connection: Connection) -> dict[str, list[tuple[object, ...]]]:
    """Per sum table, the groups whose kept values differ from the sum of their rows now
    (a group whose values are all zero counts as absent): empty when all is well."""
    found: dict[str, list[tuple[object, ...]]] = {}
    for total in sums(connection):
        width = len(total.keys)

        def groups(sql: str, width: int = width) -> dict[tuple[object, ...], tuple[int, ...]]:
            rows = connection.execute(dialect_sql(connection, sql)).all()
            return {
                tuple(row[:width]): values
                for row in rows
                if any(values := tuple(int(v) for v in row[width:]))
            }

        kept = groups(f"SELECT {', '.join(total.columns)} FROM {total.table}")
        summed = groups(total.summed())
        wrong = [
            (*key, kept.get(key), summed.get(key))
            for key in sorted(set(kept) | set(summed), key=repr)
            if kept.get(key) != summed.get(key)
        ]
        if wrong:
            found[total.table] = wrong
    return found
