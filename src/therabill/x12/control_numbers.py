"""Interchange (ISA13), group (GS06) and transaction (ST02) control numbers, never reused.

Receivers reject or silently drop an interchange whose control number they have seen before,
so every number is handed out once. Numbers are reserved before a file is written: a file that
then fails is a gap in the sequence, never a reuse. ``ControlNumbers`` is the interface; the
file-backed store keeps the last numbers in ``<data dir>/x12-control-numbers.json``, updated
atomically (write a temporary file, fsync, rename) under an exclusive lock, so two processes
writing batches at once get different numbers. A database-backed store can implement the same
protocol.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Literal, Protocol

from therabill.config import data_dir
from therabill.errors import DataFileError, InvalidInput
from therabill.x12.writer import MAX_CONTROL_NUMBER

Kind = Literal["interchange", "group", "transaction"]
KINDS: tuple[Kind, ...] = ("interchange", "group", "transaction")
FILE_NAME = "x12-control-numbers.json"


class ControlNumbers(Protocol):
    """Hands out control numbers; each number of a kind is returned once, ever."""

    def reserve(self, kind: Kind, count: int = 1) -> range:
        """``count`` fresh consecutive numbers of ``kind``."""
        ...

    def reserve_many(self, counts: Mapping[Kind, int]) -> dict[Kind, range]:
        """Fresh numbers of several kinds at once (one write where they are kept)."""
        ...


def envelope(numbers: ControlNumbers, transactions: int = 1) -> tuple[int, int, range]:
    """One file's interchange (ISA13) and group (GS06) numbers and its transactions' (ST02),
    reserved together: one write of the file mirror instead of three."""
    got = numbers.reserve_many({"interchange": 1, "group": 1, "transaction": transactions})
    return got["interchange"][0], got["group"][0], got["transaction"]


def checked_counts(counts: Mapping[Kind, int]) -> dict[Kind, int]:
    """``counts`` in the one order every store takes them (so two reservers never lock in a
    circle), after refusing an unknown kind or a count below one."""
    for kind, count in counts.items():
        if kind not in KINDS:
            raise InvalidInput(f"unknown control number kind {kind!r}", field="kind")
        if count < 1:
            raise InvalidInput("at least one control number must be reserved", field="count")
    return {kind: counts[kind] for kind in KINDS if kind in counts}


class FileControlNumbers:
    """Control numbers kept in a small JSON file, safe across processes (POSIX lock)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / FILE_NAME

    def reserve(self, kind: Kind, count: int = 1) -> range:
        return self.reserve_many({kind: count})[kind]

    def reserve_many(self, counts: Mapping[Kind, int]) -> dict[Kind, range]:
        wanted = checked_counts(counts)
        got: dict[Kind, range] = {}
        with self._locked():
            state = self._read()
            for kind, count in wanted.items():
                first = state[kind] + 1
                last = state[kind] + count
                if last > MAX_CONTROL_NUMBER:
                    raise InvalidInput(
                        f"the {kind} control numbers are used up (last {state[kind]})",
                        field=str(self.path),
                        hint="Agree a new sender id with the clearinghouse before sending more.",
                    )
                state[kind] = last
                got[kind] = range(first, last + 1)
            self._write(state)
        return got

    def last(self) -> dict[str, int]:
        """The last number handed out of each kind (0 when none yet)."""
        with self._locked():
            return self._read()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _read(self) -> dict[str, int]:
        try:
            raw = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return dict.fromkeys(KINDS, 0)
        except (OSError, ValueError) as exc:
            raise DataFileError(str(self.path), None, f"unreadable: {exc}") from None
        if not isinstance(raw, dict):
            raise DataFileError(str(self.path), None, "expected a JSON object")
        state: dict[str, int] = {}
        for kind in KINDS:
            value = raw.get(kind, 0)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise DataFileError(str(self.path), None, f"{kind}: {value!r} is not a number")
            state[kind] = value
        return state

    def _write(self, state: dict[str, int]) -> None:
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
        with contextlib.suppress(OSError):
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


class FixedControlNumbers:
    """Numbers counted up from given starts, in memory: golden files and benchmarks."""

    def __init__(self, interchange: int = 1, group: int = 1, transaction: int = 1) -> None:
        self._next: dict[str, int] = {
            "interchange": interchange,
            "group": group,
            "transaction": transaction,
        }

    def reserve(self, kind: Kind, count: int = 1) -> range:
        first = self._next[kind]
        self._next[kind] = first + count
        return range(first, first + count)

    def reserve_many(self, counts: Mapping[Kind, int]) -> dict[Kind, range]:
        return {kind: self.reserve(kind, count) for kind, count in checked_counts(counts).items()}
