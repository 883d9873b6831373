"""Files that belong to a transaction: published when the outermost transaction commits,
removed when the transaction they were written in (a savepoint too) or one around it rolls
back. SQLAlchemy sends ``after_commit`` when a savepoint is released as well: a file written
in a released savepoint must still wait for the real commit."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from therabill.store.services.files_on_commit import publish_on_commit


class Boom(Exception):
    pass


def _write(folder: Path, name: str, db: Session) -> Path:
    temporary = folder / f".{name}.part"
    temporary.write_text(name)
    publish_on_commit(db, [(temporary, folder / name)])
    return folder / name


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def session(tmp_path: Path) -> Session:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    return Session(engine)


def test_files_appear_only_when_the_outermost_transaction_commits(
    session: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    with session.begin():
        _write(folder, "a.x12", session)
        with session.begin_nested():
            _write(folder, "b.x12", session)
        assert _names(folder) == [".a.x12.part", ".b.x12.part"]  # released, not committed
        with pytest.raises(Boom), session.begin_nested():  # a refused client's savepoint
            _write(folder, "c.x12", session)
            raise Boom
        assert _names(folder) == [".a.x12.part", ".b.x12.part"]
        with session.begin_nested():
            _write(folder, "d.x12", session)
    assert _names(folder) == ["a.x12", "b.x12", "d.x12"]


def test_a_rollback_removes_the_files_of_savepoints_released_in_it(
    session: Session, tmp_path: Path
) -> None:
    """A batch that dies after some clients' savepoints were released leaves no file: their
    inquiries were rolled back with it (before, each was published at its release)."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    with pytest.raises(Boom), session.begin():
        for name in ("a.x12", "b.x12"):
            with session.begin_nested():
                _write(folder, name, session)
        raise Boom
    assert _names(folder) == []
    with session.begin():  # the same session's next transaction starts clean
        _write(folder, "e.x12", session)
    assert _names(folder) == ["e.x12"]
