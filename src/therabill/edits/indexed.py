"""Imported CMS edit rows in an indexed SQLite file (``data_dir()/edits/edits.sqlite3``).

A full practitioner PTP quarter is over a million rows: the scrubber must not hold them in
memory, so an import writes them once into an indexed table and a scrub asks for the rows of
the code pairs and codes it meets (a few index look-ups a claim, kept in a bounded cache).
The file is a data file beside the payer profiles, not the practice database: the
command-line scrubber reads it without a practice, and an import builds a new file and
renames it over the old one, so a reader never sees half an import.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from therabill.edits.model import MueLimit, PtpEdit, PtpRow

INDEX_NAME = "edits.sqlite3"
BATCH = 5_000
CACHE_SIZE = 200_000
SCHEMA = """
CREATE TABLE files (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,
    release TEXT, rows_read INTEGER NOT NULL DEFAULT 0, rows_kept INTEGER NOT NULL DEFAULT 0,
    first_code TEXT, last_code TEXT, imported_at TEXT NOT NULL);
CREATE TABLE ptp (column1 TEXT NOT NULL, column2 TEXT NOT NULL, effective TEXT,
    deletion TEXT, modifier_indicator INTEGER NOT NULL, rationale TEXT NOT NULL,
    file_id INTEGER NOT NULL);
CREATE TABLE mue (code TEXT NOT NULL, "limit" INTEGER NOT NULL, mai INTEGER,
    rationale TEXT NOT NULL, file_id INTEGER NOT NULL);
"""
# Built after the rows are in (faster than keeping them up to date row by row). Repeated
# (column 1, column 2, effective date) rows are real: the index is not unique.
INDEXES = """
CREATE INDEX ptp_pair ON ptp (column1, column2);
CREATE INDEX mue_code ON mue (code);
"""
SOURCES = {"ptp": "CMS NCCI practitioner PTP file", "mue": "CMS practitioner MUE table"}


@dataclass(frozen=True, slots=True)
class ImportedFile:
    """One imported CMS file: its kind, name, CMS release (e.g. v323r0) and column 1 range."""

    kind: str
    name: str
    release: str | None
    rows_read: int
    rows_kept: int
    first_code: str | None
    last_code: str | None
    imported_at: str

    def covers(self, code: str) -> bool:
        """Whether a PTP part file holds the rows whose column 1 is ``code`` (the quarter's
        four part files split the table by column 1 code ranges)."""
        if self.first_code is None or self.last_code is None:
            return False
        return self.first_code <= code <= self.last_code


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _day(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


class IndexBuilder:
    """Writes a new index beside the old one; ``finish`` renames it into place, ``discard``
    leaves the old one as it was."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.target = directory / INDEX_NAME
        handle, temp = tempfile.mkstemp(dir=directory, prefix=".import-", suffix=".sqlite3")
        os.close(handle)
        self.temp = Path(temp)
        self.db = sqlite3.connect(self.temp)
        self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + SCHEMA)

    def carry_over(self, *, drop_kinds: set[str], keep_release: str | None) -> None:
        """Copy the rows of the current index that this import does not replace: every row
        of a kind not imported now, and the PTP part files of the same CMS release."""
        if not self.target.exists():
            return
        self.db.execute("ATTACH DATABASE ? AS old", (f"file:{self.target}?mode=ro",))
        kept = [
            row[0]
            for row in self.db.execute("SELECT id, kind, release FROM old.files")
            if row[1] not in drop_kinds or (row[1] == "ptp" and keep_release == row[2])
        ]
        marks = ",".join("?" * len(kept))
        if kept:
            self.db.execute(
                f"INSERT INTO files SELECT * FROM old.files WHERE id IN ({marks})", kept
            )
            self.db.execute(
                f"INSERT INTO ptp SELECT * FROM old.ptp WHERE file_id IN ({marks})", kept
            )
            self.db.execute(
                f"INSERT INTO mue SELECT * FROM old.mue WHERE file_id IN ({marks})", kept
            )
        self.db.commit()
        self.db.execute("DETACH DATABASE old")

    def drop_file(self, name: str) -> None:
        """Forget an earlier import of the same file (importing a part again replaces it)."""
        ids = [r[0] for r in self.db.execute("SELECT id FROM files WHERE name = ?", (name,))]
        for file_id in ids:
            for table in ("ptp", "mue", "files"):
                column = "id" if table == "files" else "file_id"
                self.db.execute(f"DELETE FROM {table} WHERE {column} = ?", (file_id,))

    def add_file(self, kind: str, name: str, release: str | None) -> int:
        now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        cursor = self.db.execute(
            "INSERT INTO files (kind, name, release, imported_at) VALUES (?, ?, ?, ?)",
            (kind, name, release, now),
        )
        return int(cursor.lastrowid or 0)

    def add_ptp(self, file_id: int, rows: Iterable[PtpRow]) -> tuple[str | None, str | None]:
        """Insert in batches; return the lowest and highest column 1 code seen."""
        low: str | None = None
        high: str | None = None
        batch: list[tuple[object, ...]] = []
        sql = "INSERT INTO ptp VALUES (?, ?, ?, ?, ?, ?, ?)"
        for row in rows:
            column1 = row[0]
            if low is None or column1 < low:
                low = column1
            if high is None or column1 > high:
                high = column1
            batch.append((*row, file_id))
            if len(batch) >= BATCH:
                self.db.executemany(sql, batch)
                batch.clear()
        self.db.executemany(sql, batch)
        return low, high

    def add_mue(self, file_id: int, limits: Iterable[MueLimit]) -> None:
        sql = "INSERT INTO mue VALUES (?, ?, ?, ?, ?)"
        batch: list[tuple[object, ...]] = []
        for m in limits:
            batch.append((m.code, m.limit, m.mai, m.rationale, file_id))
            if len(batch) >= BATCH:
                self.db.executemany(sql, batch)
                batch.clear()
        self.db.executemany(sql, batch)

    def count_file(self, file_id: int, read: int, kept: int, codes: tuple[str | None, ...]) -> None:
        first, last = (*codes, None, None)[:2]
        self.db.execute(
            "UPDATE files SET rows_read = ?, rows_kept = ?, first_code = ?, last_code = ? "
            "WHERE id = ?",
            (read, kept, first, last, file_id),
        )

    def finish(self) -> Path:
        self.db.executescript(INDEXES + "ANALYZE;")
        self.db.commit()
        self.db.close()
        os.replace(self.temp, self.target)
        return self.target

    def discard(self) -> None:
        self.db.close()
        self.temp.unlink(missing_ok=True)


class EditIndex:
    """A read-only view of an index file, safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # immutable: an import never changes this file, it renames a new one over it
        self.db = sqlite3.connect(
            f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False
        )
        self.lock = threading.Lock()
        with self.lock:
            rows = self.db.execute(
                "SELECT id, kind, name, release, rows_read, rows_kept, first_code, last_code, "
                "imported_at FROM files ORDER BY id"
            ).fetchall()
        self.files = {r[0]: ImportedFile(*r[1:]) for r in rows}
        self.sources = {i: f"{SOURCES.get(f.kind, f.kind)} {f.name}" for i, f in self.files.items()}

    def has(self, kind: str) -> bool:
        return any(f.kind == kind for f in self.files.values())

    def query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        with self.lock:
            return self.db.execute(sql, args).fetchall()


def _ptp(index: EditIndex, row: tuple[object, ...]) -> PtpEdit:
    col1, col2, effective, deletion, indicator, rationale, file_id = row
    return PtpEdit(str(col1), str(col2), _day(effective), _day(deletion),
                   int(str(indicator)), str(rationale),
                   index.sources.get(int(str(file_id)), "imported CMS file"), "P")  # fmt: skip


class _Cached:
    def __init__(self) -> None:
        self.cache: dict[object, object] = {}
        self.cache_lock = threading.Lock()

    def _remember(self, key: object, value: object) -> None:
        with self.cache_lock:
            if len(self.cache) >= CACHE_SIZE:
                self.cache.clear()
            self.cache[key] = value


class IndexedPairs(_Cached, Mapping[tuple[str, str], tuple[PtpEdit, ...]]):
    """PTP rows by (column 1, column 2), read from the index on demand."""

    def __init__(self, index: EditIndex) -> None:
        super().__init__()
        self.index = index

    def __getitem__(self, key: tuple[str, str]) -> tuple[PtpEdit, ...]:
        found = self.cache.get(key)
        if found is None:
            rows = self.index.query(
                "SELECT * FROM ptp WHERE column1 = ? AND column2 = ?", (key[0], key[1])
            )
            found = tuple(_ptp(self.index, r) for r in rows)
            self._remember(key, found)
        if not found:
            raise KeyError(key)
        return found  # type: ignore[return-value]

    def __iter__(self) -> Iterator[tuple[str, str]]:
        rows = self.index.query("SELECT DISTINCT column1, column2 FROM ptp ORDER BY 1, 2")
        return ((str(a), str(b)) for a, b in rows)

    def __len__(self) -> int:
        (count,), = self.index.query("SELECT COUNT(*) FROM (SELECT DISTINCT column1, column2 FROM ptp)")  # fmt: skip
        return int(str(count))

    def involving(self, code: str) -> list[PtpEdit]:
        """Every row naming ``code`` in either column (``therabill edits list --code``)."""
        rows = self.index.query(
            "SELECT * FROM ptp WHERE column1 = ? UNION ALL SELECT * FROM ptp WHERE column2 = ?",
            (code, code),
        )
        return [_ptp(self.index, r) for r in rows]


class IndexedLimits(_Cached, Mapping[str, MueLimit]):
    """MUE limits by code, read from the index on demand."""

    def __init__(self, index: EditIndex) -> None:
        super().__init__()
        self.index = index

    def _limit(self, row: tuple[object, ...]) -> MueLimit:
        code, limit, mai, rationale, file_id = row
        return MueLimit(str(code), int(str(limit)), int(str(mai)) if mai is not None else None,
                        str(rationale), self.index.sources.get(int(str(file_id)), ""), "P")  # fmt: skip

    def __getitem__(self, code: str) -> MueLimit:
        found = self.cache.get(code, False)
        if found is False:
            rows = self.index.query("SELECT * FROM mue WHERE code = ?", (code,))
            found = self._limit(rows[-1]) if rows else None
            self._remember(code, found)
        if found is None:
            raise KeyError(code)
        return found  # type: ignore[return-value]

    def __iter__(self) -> Iterator[str]:
        return (str(r[0]) for r in self.index.query("SELECT DISTINCT code FROM mue ORDER BY 1"))

    def __len__(self) -> int:
        (count,), = self.index.query("SELECT COUNT(DISTINCT code) FROM mue")  # fmt: skip
        return int(str(count))
