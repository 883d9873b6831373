"""Limits a deployer can change without touching code: one environment variable each, with a
safe default, read when asked (so a restart, or a test's ``monkeypatch.setenv``, takes effect).

Files from outside (an 835 from a payer or clearinghouse) and long lists are bounded by these,
so that one large or hostile input cannot hold a worker or fill its memory (issue 14).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from therabill.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Setting:
    """One whole-number setting: its environment variable, default and allowed range."""

    env: str
    default: int
    minimum: int
    maximum: int
    meaning: str

    def value(self) -> int:
        """The configured value, or the default; a value out of range is an error naming the
        variable (a deployer's typo must not silently lift a limit)."""
        text = os.environ.get(self.env, "").strip()
        if not text:
            return self.default
        if not (text.isascii() and text.isdigit()) or not (
            self.minimum <= int(text) <= self.maximum
        ):
            raise InvalidInput(
                f"{text[:20]!r} is not a whole number from {self.minimum} to {self.maximum} "
                f"({self.meaning})",
                field=self.env,
            )
        return int(text)


MAX_835_MB = Setting(
    "THERABILL_MAX_835_MB",
    64,
    1,
    1024,
    "the largest 835 file accepted, in megabytes",
)
"""A busy practice's weekly 835 is well under 1 MB; a clearinghouse's file for a billing
office can be far larger: 64 MB holds some 190,000 claims (a 100,000-claim 835 is 34 MB).
Posting reads the file as a stream, twice, in batches (peak memory under 200 MB at 100,000
claims), and on SQLite posts it in parts (a biller's save waits one part, not the file), so
the size no longer bounds the posting; what it bounds is the file held whole in memory while
it is received (the request's body, then the job's copy of it): two copies of 64 MB per
upload at most. A deployer may raise it (up to 1,024) or lower it."""

PAGE_SIZE = Setting(
    "THERABILL_PAGE_SIZE",
    50,
    10,
    1000,
    "rows shown per page of a long list",
)

DB_POOL_SIZE = Setting(
    "THERABILL_DB_POOL_SIZE",
    0,
    0,
    500,
    "database connections each process keeps open; 0 for the default",
)
"""Connections a process keeps open to its database (0: the backend's default,
:data:`therabill.store.engine.SQLITE_POOL_SIZE` for an SQLite file,
:data:`therabill.store.engine.POSTGRES_POOL_SIZE` for PostgreSQL). On PostgreSQL it is also
the most a process opens: ``hosts × processes × THERABILL_DB_POOL_SIZE`` plus the commands'
and backups' must stay under the server's ``max_connections`` (docs/deployment.md)."""

SETTINGS = (MAX_835_MB, PAGE_SIZE, DB_POOL_SIZE)


def max_835_bytes() -> int:
    """The largest 835 accepted (page, API, ``therabill era post``), checked before reading."""
    return MAX_835_MB.value() * 1024 * 1024


def page_size() -> int:
    """Rows per page of the long lists (unmatched remittance claims, quarantined files)."""
    return PAGE_SIZE.value()
