"""practices as tenants: ``practice_id`` on every practice-owned table, per-practice unique
keys, and on PostgreSQL row-level security that holds each transaction to its practice

Every table except the installation's own (see ``therabill.store.tenancy.GLOBAL_TABLES``) gets
``practice_id`` NOT NULL, referencing ``practice``. Rows already there belong to the database's
practice (the column is added with that practice as its default, which fills them without an
UPDATE, so the append-only ledger and audit log need no exception). A database with rows but no
practice is refused: ``therabill init`` always made one. The zero X12 control-number counters
0004 seeded are dropped when there is no practice yet: each practice's counters are made when
first used.

Keys that are one practice's (names, NPIs, chart, statement and receipt numbers, a file's
hash, a fee's code, a control-number kind, the audit chain's ``seq``) become keys per practice.

PostgreSQL: the column's default becomes the transaction's practice,
``current_setting('therabill.practice_id')::integer`` (an error when unset: nothing is written
for no one), and every practice-owned table gets ENABLE and FORCE ROW LEVEL SECURITY (FORCE:
the tables' owner is held to the policy too) with one policy, ``practice_isolation``, whose
USING and WITH CHECK both compare ``practice_id`` with the setting
(https://www.postgresql.org/docs/current/ddl-rowsecurity.html,
https://www.postgresql.org/docs/current/sql-createpolicy.html). SQLite has one practice per
installation; its default stays that practice's id.

On SQLite the tables whose keys change are rebuilt (SQLite's own procedure, with their
indexes and triggers, ``audit_log``'s append-only ones among them); ``ledger_entries`` is not.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 02:40:00
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

SETTING = "therabill.practice_id"

# Every practice-owned table at this revision (frozen: later tables add the column themselves).
TABLES = (
    "audit_log",
    "authorization_codes",
    "authorization_uses",
    "authorizations",
    "claim_changes",
    "claim_lines",
    "claim_reopenings",
    "claim_status_changes",
    "claim_status_responses",
    "claims",
    "clearinghouse_transfers",
    "client_payments",
    "client_providers",
    "clients",
    "contract_rates",
    "denials",
    "eligibility_checks",
    "eligibility_requests",
    "fees",
    "invoice_lines",
    "invoices",
    "jobs",
    "ledger_entries",
    "ledger_unsealed",
    "payers",
    "payment_plans",
    "plans_of_care",
    "policies",
    "progress_reports",
    "providers",
    "reminder_messages",
    "reminder_settings",
    "remittance_adjustments",
    "remittance_claims",
    "remittance_exceptions",
    "remittance_files",
    "remittance_lines",
    "remittance_provider_adjustments",
    "remittance_quarantine",
    "remittances",
    "service_locations",
    "session_diagnoses",
    "session_services",
    "sessions",
    "statement_runs",
    "statements",
    "submitted_claims",
    "underpayments",
    "web_remittance_uploads",
)
# The web tables keep a MetaData of their own (therabill.store.web_tables), which cannot name
# a foreign key into the store's tables.
NO_FOREIGN_KEY = frozenset({"web_remittance_uploads"})

# (table, constraint, columns before) whose key becomes (practice_id, columns).
UNIQUE = (
    ("audit_log", "uq_audit_log_seq", ("seq",)),
    ("client_payments", "uq_client_payments_receipt", ("receipt",)),
    ("clearinghouse_transfers", "uq_clearinghouse_transfers_direction",
     ("direction", "profile", "remote_name", "sha256")),
    ("clients", "uq_clients_chart_number", ("chart_number",)),
    ("eligibility_requests", "uq_eligibility_requests_trace", ("trace",)),
    ("invoices", "uq_invoices_number", ("number",)),
    ("payers", "uq_payers_name", ("name",)),
    ("providers", "uq_providers_npi", ("npi",)),
    ("remittance_files", "uq_remittance_files_sha256", ("sha256",)),
    ("remittances", "uq_remittances_payer_key", ("payer_key", "trace_number")),
    ("service_locations", "uq_service_locations_name", ("name",)),
    ("statement_runs", "uq_statement_runs_through", ("through",)),
    ("statements", "uq_statements_number", ("number",)),
)  # fmt: skip
PRIMARY = (
    ("fees", "pk_fees", ("code",)),
    ("x12_control_numbers", "pk_x12_control_numbers", ("kind",)),
)
UNIQUE_INDEX = (("claim_lines", "ix_claim_lines_control_number", ("control_number",)),)
# The report sums (0031): their key leads with the practice too, and their triggers are made
# again with it (therabill.store.report_sums.sums); the rows already there are the practice's.
SUMS = (
    "client_sums",
    "ledger_day_sums",
    "line_day_sums",
    "service_day_sums",
    "session_day_counts",
    "visit_days",
    "visit_years",
)
OWNED = (*TABLES, "x12_control_numbers", *SUMS)
APPEND_ONLY_SQLITE = (
    "CREATE TRIGGER audit_log_no_{action} BEFORE {ACTION} ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: post a reversing entry instead'); END"
)


def _the_practice(bind: sa.Connection) -> int:
    """The practice existing rows belong to (1 when there is none yet and nothing to own)."""
    first = bind.execute(sa.text("SELECT min(id) FROM practice")).scalar()
    if first is not None:
        return int(first)
    bind.execute(sa.text("DELETE FROM x12_control_numbers WHERE last_number = 0"))
    for table in OWNED:
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
            raise RuntimeError(
                f"the database has rows in {table} but no practice: "
                "run therabill init with the therabill that made it first"
            )
    return 1


def _has_column(bind: sa.Connection, table: str) -> bool:
    return any(c["name"] == "practice_id" for c in sa.inspect(bind).get_columns(table))


def upgrade() -> None:
    bind = op.get_bind()
    postgres = bind.dialect.name == "postgresql"
    practice = _the_practice(bind)
    for table in OWNED:
        fk = f"fk_{table}_practice_id_practice"
        if _has_column(bind, table):
            # web_remittance_uploads made by create_all before 0005 from today's definition
            # (see 0015); on SQLite, a database taken back below 0032, which keeps its columns
            continue
        if postgres:
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN practice_id integer NOT NULL DEFAULT {practice}"
            )
            if table not in NO_FOREIGN_KEY:
                op.execute(
                    f"ALTER TABLE {table} ADD CONSTRAINT {fk} "
                    "FOREIGN KEY (practice_id) REFERENCES practice (id)"
                )
        else:
            reference = (
                "" if table in NO_FOREIGN_KEY else f" CONSTRAINT {fk} REFERENCES practice (id)"
            )
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN practice_id INTEGER NOT NULL "
                f"DEFAULT {practice}{reference}"
            )
    from therabill.store import report_sums

    report_sums.drop_triggers(bind)  # they upsert on the sums' keys, which change here
    if postgres:
        _postgres_keys(bind)
        _row_level_security()
    else:
        _sqlite_keys(bind)
    report_sums.create_triggers(bind)


def _postgres_keys(bind: sa.Connection) -> None:
    for table in SUMS:
        keyed = sa.inspect(bind).get_pk_constraint(table)["constrained_columns"]
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} "
            f"PRIMARY KEY (practice_id, {', '.join(keyed)})"
        )
    for table, name, columns in UNIQUE:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE (practice_id, {', '.join(columns)})"
        )
    for table, name, columns in PRIMARY:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY (practice_id, {', '.join(columns)})"
        )
    for table, name, columns in UNIQUE_INDEX:
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE UNIQUE INDEX {name} ON {table} (practice_id, {', '.join(columns)})")


def _row_level_security() -> None:
    mine = f"practice_id = NULLIF(current_setting('{SETTING}', true), '')::integer"
    for table in OWNED:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN practice_id "
            f"SET DEFAULT (current_setting('{SETTING}'))::integer"
        )
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY practice_isolation ON {table} USING ({mine}) WITH CHECK ({mine})"
        )


def _sqlite_rebuild(bind: sa.Connection, table: str, old: str, new: str) -> None:
    """Rebuild ``table`` with ``old`` in its definition replaced by ``new``, the way SQLite
    documents for changes ALTER TABLE cannot make (https://www.sqlite.org/lang_altertable.html,
    "Making Other Kinds Of Table Schema Changes"; foreign keys are off during migrations):
    new table, copy, drop, rename, then its indexes and triggers again. Plain SQL, about ten
    times quicker than Alembic's batch mode, which reflects each table first."""
    definition = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
    ).scalar_one()
    if new in definition:
        return  # rebuilt before (a database taken back below 0032 keeps its keys)
    if definition.count(old) != 1:
        raise RuntimeError(f"{table}: expected {old!r} once in {definition!r}")
    extras = (
        bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
            "AND sql IS NOT NULL",
            (table,),
        )
        .scalars()
        .all()
    )
    columns = ", ".join(row[1] for row in bind.exec_driver_sql(f"PRAGMA table_info({table})"))
    temporary = f"_0032_{table}"
    head = re.compile(rf"^CREATE TABLE \"?{table}\"?", re.IGNORECASE)
    bind.exec_driver_sql(head.sub(f"CREATE TABLE {temporary}", definition.replace(old, new), 1))
    bind.exec_driver_sql(f"INSERT INTO {temporary} ({columns}) SELECT {columns} FROM {table}")
    bind.exec_driver_sql(f"DROP TABLE {table}")
    bind.exec_driver_sql(f"ALTER TABLE {temporary} RENAME TO {table}")
    for statement in extras:
        bind.exec_driver_sql(statement)


def _sqlite_keys(bind: sa.Connection) -> None:
    for table in SUMS:
        _sqlite_rebuild(
            bind,
            table,
            f"CONSTRAINT pk_{table} PRIMARY KEY (",
            f"CONSTRAINT pk_{table} PRIMARY KEY (practice_id, ",
        )
    for table, name, columns in UNIQUE:
        listed = ", ".join(columns)
        _sqlite_rebuild(
            bind,
            table,
            f"CONSTRAINT {name} UNIQUE ({listed})",
            f"CONSTRAINT {name} UNIQUE (practice_id, {listed})",
        )
    for table, name, columns in PRIMARY:
        listed = ", ".join(columns)
        _sqlite_rebuild(
            bind,
            table,
            f"CONSTRAINT {name} PRIMARY KEY ({listed})",
            f"CONSTRAINT {name} PRIMARY KEY (practice_id, {listed})",
        )
    for table, name, columns in UNIQUE_INDEX:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, ["practice_id", *columns], unique=True)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM practice")).scalar_one() > 1:
        raise RuntimeError("more than one practice: a database before 0032 holds only one")
    from therabill.store import report_sums

    sum_keys = {
        table: [
            c
            for c in sa.inspect(bind).get_pk_constraint(table)["constrained_columns"]
            if c != "practice_id"
        ]
        for table in SUMS
    }
    report_sums.drop_triggers(bind)
    if bind.dialect.name == "postgresql":
        _postgres_downgrade(sum_keys)
    else:
        _sqlite_downgrade(sum_keys)
    report_sums.create_triggers(bind)  # keyed as 0031 made them (no practice column now)


def _postgres_downgrade(sum_keys: dict[str, list[str]]) -> None:
    for table in OWNED:
        op.execute(f"DROP POLICY practice_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table, name, columns in UNIQUE:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE ({', '.join(columns)})")
    for table, name, columns in PRIMARY:
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY ({', '.join(columns)})")
    for table, name, columns in UNIQUE_INDEX:
        op.execute(f"DROP INDEX {name}")
        op.execute(f"CREATE UNIQUE INDEX {name} ON {table} ({', '.join(columns)})")
    for table, keys in sum_keys.items():
        op.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({', '.join(keys)})")
    for table in OWNED:
        op.execute(f"ALTER TABLE {table} DROP COLUMN practice_id")


def _sqlite_downgrade(sum_keys: dict[str, list[str]]) -> None:
    """SQLite keeps the practice columns and keys: dropping them means rebuilding every table
    while foreign keys are on (a downgrade runs without migrate.upgrade's pragma), and with one
    practice they change nothing. The next upgrade takes them as they are."""
