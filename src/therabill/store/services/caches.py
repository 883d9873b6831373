"""Every cache the services keep, and the one rule that keeps them right.

**The rule**: a cached value is kept with the *stamp* of what it was computed from, and it is
current only while the stamp read now is the same. Nothing is cleared by hand: a change made
by any path (a page, the API, the command line, another ``therabill serve`` worker process)
changes the stamp, so the next read computes the value again. Two kinds of stamp:

- :func:`practice_files` — the practice's own files that a user or another process may
  rewrite: the payer profiles in ``<data dir>/payers``, the imported CPT descriptor file and
  the imported NCCI edit index (each file's name, size, change time and inode: a save writes
  a new file and renames it over the old one, so even two saves within one clock tick
  differ). The shipped data files
  (code set, NCCI and MUE tables, ICD-10-CM) change only with a new release, which restarts
  the process.
- :func:`ledger_generation` — the database's generation of the money figures: the newest
  ledger entry and the newest claim status change. Both tables are append-only and every
  write that changes what is owed, or a claim's status, appends to one of them, so the pair
  moves with every such write, in every process. Two primary-key look-ups.

How a stale value is replaced is the cache's choice: :meth:`Stamped.get` computes it before
answering (the payer profiles, the scrubber's tables); :meth:`Stamped.get_or_refresh` answers
once more with the kept value while a background thread computes the new one (the
dashboard's money figures, which sum the whole ledger: a dashboard never waits for that).
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from therabill.config import PRACTICE_IN_SCOPE, data_dir_path, descriptor_path
from therabill.edits.indexed import INDEX_NAME
from therabill.payers import PayerProfile, default_payers_dir, load_payer_profiles
from therabill.store import tenancy
from therabill.store.models import ClaimStatusChange, LedgerEntry

if TYPE_CHECKING:
    from therabill.scrub import ScrubContext

V = TypeVar("V")
FileStamp = tuple[str, int, int, int]


def _file_stamp(path: Path) -> FileStamp | None:
    try:
        seen = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return path.name, seen.st_size, seen.st_mtime_ns, seen.st_ino


# What the practice's files looked like at the start of a request (:func:`one_look`): by
# which look and the practice in scope.
_LOOKED: contextvars.ContextVar[dict[tuple[str, int | None], Any] | None] = contextvars.ContextVar(
    "therabill_files_looked", default=None
)


@contextmanager
def one_look() -> Iterator[None]:
    """Within the block, the practice's files (:func:`practice_files`, the payer profiles'
    and the scrubber's tables' stamps) are looked at once, however many kept values ask:
    for a request that only reads (the live check), whose kept values all stand for the
    files as they were when it began. A file changed during the block is seen by the next
    request (the values computed meanwhile are kept under the older stamp: one more
    computation, never a stale answer)."""
    token = _LOOKED.set({})
    try:
        yield
    finally:
        _LOOKED.reset(token)


def _once(name: str, look: Callable[[], V]) -> V:
    seen = _LOOKED.get()
    if seen is None:
        return look()
    key = (name, PRACTICE_IN_SCOPE.get())
    if key not in seen:
        seen[key] = look()
    found: V = seen[key]
    return found


def payer_profile_files() -> tuple[str, tuple[FileStamp, ...]]:
    """The practice's payer profile folder and the stamp of each ``.toml`` profile and
    ``.csv`` fee schedule in it."""
    return _once("payers", _payer_profile_files)


def _payer_profile_files() -> tuple[str, tuple[FileStamp, ...]]:
    folder = default_payers_dir()  # the practice in scope's own
    try:
        names = sorted(e.name for e in os.scandir(folder) if e.name.endswith((".toml", ".csv")))
    except (FileNotFoundError, NotADirectoryError):
        names = []
    stamps = (_file_stamp(folder / name) for name in names)
    return str(folder), tuple(s for s in stamps if s is not None)


def practice_files() -> Hashable:
    """The stamp of the practice's own data files: payer profiles, imported descriptors and
    imported NCCI edits (an import renames a new index over the old one)."""
    return payer_profile_files(), installation_files()


def installation_files() -> Hashable:
    """The stamp of the data files every practice of the installation shares: imported
    descriptors and NCCI edits (public or licensed reference data, not a practice's own)."""
    return _once("installation", _installation_files)


def _installation_files() -> Hashable:
    return _file_stamp(descriptor_path()), _file_stamp(data_dir_path() / "edits" / INDEX_NAME)


def database_key(db_url: object) -> tuple[str, int | None]:
    """What a cache of a database's figures is kept under: the database and the practice in
    scope (several practices share one database on PostgreSQL; one practice's figures are
    never another's)."""
    return str(db_url), tenancy.scoped_practice()


# One round trip, built once: the live check and the dashboard ask it on every request.
_GENERATION = select(
    select(func.max(LedgerEntry.id)).scalar_subquery(),
    select(func.max(ClaimStatusChange.id)).scalar_subquery(),
)


def ledger_generation(db: Session) -> tuple[int, int]:
    """The stamp of the money figures: the newest ledger entry and claim status change."""
    # through the ORM session: its hook names the practice in both subqueries (the indexes
    # led by the practice serve them among many practices)
    newest_entry, newest_change = db.execute(_GENERATION).one()
    return int(newest_entry or 0), int(newest_change or 0)


class Stamped(Generic[V]):
    """Values by key (a database, a folder), each kept with the stamp it was computed under.
    Safe to share between the threads of one process; every process keeps its own."""

    def __init__(self, name: str, *, keys: int = 8) -> None:
        self.name = name
        self.keys = keys  # the oldest key is dropped beyond this many
        self._kept: dict[Hashable, tuple[Hashable, V]] = {}
        self._refreshing: set[Hashable] = set()
        # keys whose first value is being computed: the callers that come meanwhile wait for
        # that one computation instead of each starting their own
        self._first: dict[Hashable, Future[V]] = {}
        # (key, stamp) being computed by :meth:`get`: the computing thread and its answer
        self._computing: dict[tuple[Hashable, Hashable], tuple[int, Future[V]]] = {}
        self._lock = threading.Lock()
        CACHES.append(self)

    def get(self, key: Hashable, stamp: Hashable, compute: Callable[[], V]) -> V:
        """The value kept for ``key`` if it was computed under ``stamp``, else a new one.
        Read ``stamp`` before computing: a change in between costs one more computation,
        never a stale answer.

        Callers that come with the same key and stamp while a value is being computed wait
        for that computation (the same stamp: the same data) instead of starting their own:
        after an 835 is posted, fifty live checks at once read the payers' records once.
        If it fails, each waiter computes on its own."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept[0] == stamp:
                return kept[1]
            running = self._computing.get((key, stamp))
            mine = running is None
            if running is None:
                running = (threading.get_ident(), Future())
                self._computing[key, stamp] = running
        if not mine and running[0] != threading.get_ident():  # never waits for itself
            try:
                return running[1].result()
            except Exception:
                return compute()
        try:
            value = compute()
        except BaseException as exc:
            if mine:
                self._done(key, stamp, running)
                running[1].set_exception(exc)
            raise
        with self._lock:
            self._keep(key, stamp, value)
        if mine:
            self._done(key, stamp, running)
            running[1].set_result(value)
        return value

    def _done(self, key: Hashable, stamp: Hashable, running: tuple[int, Future[V]]) -> None:
        with self._lock:
            if self._computing.get((key, stamp)) is running:
                del self._computing[key, stamp]

    def get_or_refresh(
        self, key: Hashable, stamp: Hashable, compute: Callable[[], tuple[Hashable, V]]
    ) -> V:
        """Like :meth:`get`, but a value kept under an older stamp is answered once more
        while one background thread computes the new one. ``compute`` returns the stamp it
        read with the value (in one database snapshot, so the two agree). With nothing kept
        yet, the caller waits for the first value, and callers that come while it is being
        computed wait for that same computation: a server started under load (fifty
        dashboards at once) sums the ledger once, not once a request."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None:
                if kept[0] != stamp and key not in self._refreshing:
                    self._refreshing.add(key)
                    # The thread runs in a copy of the caller's context: the same practice
                    # (therabill.store.tenancy's scope), so it sums that practice's rows.
                    refresh = contextvars.copy_context().run
                    threading.Thread(
                        target=refresh, args=(self._refresh, key, compute), daemon=True
                    ).start()
                return kept[1]
            first = self._first.get(key)
            if first is not None:
                waiting = True
            else:
                waiting, first = False, Future()
                self._first[key] = first
        if waiting:
            return first.result()  # raises what the computation raised
        try:
            value = self._refresh(key, compute)
        except BaseException as exc:
            first.set_exception(exc)
            raise
        else:
            first.set_result(value)
            return value
        finally:
            with self._lock:
                self._first.pop(key, None)

    def _refresh(self, key: Hashable, compute: Callable[[], tuple[Hashable, V]]) -> V:
        try:
            stamp, value = compute()
            with self._lock:
                self._keep(key, stamp, value)
            return value
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def _keep(self, key: Hashable, stamp: Hashable, value: V) -> None:
        self._kept.pop(key, None)
        self._kept[key] = (stamp, value)
        while len(self._kept) > self.keys:
            del self._kept[next(iter(self._kept))]

    def refreshing(self) -> bool:
        """Whether a background computation is running (tests wait for it)."""
        with self._lock:
            return bool(self._refreshing)


CACHES: list[Stamped[Any]] = []  # every cache: the ones below


# per practice folder: as many as a billing office's practices at work at once
PAYER_PROFILES: Stamped[dict[str, PayerProfile]] = Stamped("payer profiles", keys=256)
SHARED_TABLES: Stamped[ScrubContext] = Stamped("the code set and edit tables", keys=1)
SCRUB_TABLES: Stamped[ScrubContext] = Stamped("the scrubber's tables", keys=256)
MONEY_FIGURES: Stamped[Any] = Stamped("the dashboard's money figures")  # reports.Aging


def payer_profiles() -> dict[str, PayerProfile]:
    """Shipped profiles plus the practice in scope's own (its folder's ``payers``), by id."""
    folder, files = payer_profile_files()
    return PAYER_PROFILES.get(folder, files, lambda: load_payer_profiles(None))


def scrub_tables() -> ScrubContext:
    """The scrubber's tables (code set, payer profiles, edit tables), shared by the live
    check and the claims build; their ``today`` and ``therapy_allowed`` are the caller's to
    set (``dataclasses.replace``)."""
    from therabill.scrub import ScrubContext  # the scrubber only when it is needed

    # the code set and edit tables are read once for every practice; each practice's payer
    # profiles (its own folder) are put over them
    installation = installation_files()
    shared = SHARED_TABLES.get("tables", installation, ScrubContext.load)
    folder, files = payer_profile_files()
    return SCRUB_TABLES.get(
        folder,
        (files, installation),
        lambda: replace(shared, payers=payer_profiles(), feature_cache={}),
    )
