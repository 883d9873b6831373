"""Where files beside a SQLite database sit, and when there is no file to sit beside."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from therabill.store.beside import beside, beside_database


@pytest.mark.parametrize(
    ("dialect", "database", "expected"),
    [
        ("sqlite", "/srv/books/practice.sqlite3", Path("/srv/books/practice.sqlite3-jobs")),
        ("sqlite", "relative.db", Path("relative.db-jobs")),
        ("sqlite", ":memory:", None),
        ("sqlite", "", None),
        ("sqlite", None, None),
        ("sqlite", "file:books?mode=memory&cache=shared", None),
        ("postgresql", "therabill", None),
    ],
)
def test_beside_names_the_file_next_to_a_database_file_only(
    dialect: str, database: str | None, expected: Path | None
) -> None:
    assert beside(dialect, database, "-jobs") == expected


def test_beside_database_reads_the_engine_url(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'practice.sqlite3'}")
    assert beside_database(engine, "-audit-spool") == tmp_path / "practice.sqlite3-audit-spool"
    engine.dispose()
