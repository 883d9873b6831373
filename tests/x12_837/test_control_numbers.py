"""Control numbers: unique, never reused, safe when several processes take them at once."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from therabill.errors import DataFileError, InvalidInput
from therabill.x12.control_numbers import FileControlNumbers, FixedControlNumbers, envelope


def test_numbers_count_up_and_survive_a_new_instance(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    assert list(FileControlNumbers(path).reserve("interchange")) == [1]
    assert list(FileControlNumbers(path).reserve("interchange", 2)) == [2, 3]
    assert list(FileControlNumbers(path).reserve("transaction", 3)) == [1, 2, 3]
    assert FileControlNumbers(path).last() == {"interchange": 3, "group": 0, "transaction": 3}


def test_default_file_is_in_the_data_dir(therabill_home: Path) -> None:
    FileControlNumbers().reserve("group")
    saved = json.loads((therabill_home / "x12-control-numbers.json").read_text())
    assert saved["group"] == 1


def _take(path: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    numbers = FileControlNumbers(Path(path))
    queue.put([n for _ in range(25) for n in numbers.reserve("interchange")])


def test_processes_never_get_the_same_number(tmp_path: Path) -> None:
    path = str(tmp_path / "numbers.json")
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    workers = [ctx.Process(target=_take, args=(path, queue)) for _ in range(4)]
    for worker in workers:
        worker.start()
    taken = [n for _ in workers for n in queue.get(timeout=60)]
    for worker in workers:
        worker.join()
    assert sorted(taken) == list(range(1, 101))


def test_used_up_numbers_are_an_error_not_a_wrap(tmp_path: Path) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(json.dumps({"interchange": 999_999_999}))
    with pytest.raises(InvalidInput, match="used up"):
        FileControlNumbers(path).reserve("interchange")
    assert json.loads(path.read_text())["interchange"] == 999_999_999


@pytest.mark.parametrize(
    "content",
    ["not json", "[1, 2]", '{"interchange": "7"}', '{"group": -1}'],
    ids=["not json", "a list", "a string number", "negative"],
)
def test_damaged_file_names_itself(tmp_path: Path, content: str) -> None:
    path = tmp_path / "numbers.json"
    path.write_text(content)
    with pytest.raises(DataFileError) as caught:
        FileControlNumbers(path).reserve("group")
    assert str(path) in str(caught.value)
    assert path.read_text() == content


def test_an_envelope_takes_each_kind_once_in_one_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's interchange, group and transactions come from one write of the file (one
    fsync pair instead of three): the numbers as three reserves would give them."""
    path = tmp_path / "numbers.json"
    numbers = FileControlNumbers(path)
    numbers.reserve("transaction", 4)
    writes: list[dict[str, int]] = []
    real = FileControlNumbers._write
    monkeypatch.setattr(
        FileControlNumbers,
        "_write",
        lambda self, state: (writes.append(dict(state)), real(self, state)),
    )
    assert envelope(numbers, 3) == (1, 1, range(5, 8))
    assert envelope(numbers) == (2, 2, range(8, 9))
    assert writes == [
        {"interchange": 1, "group": 1, "transaction": 7},
        {"interchange": 2, "group": 2, "transaction": 8},
    ]


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({"interchange": 0}, "at least one control number"),
        ({"segment": 1}, "unknown control number kind 'segment'"),
    ],
)
def test_reserving_several_kinds_refuses_what_reserving_one_refuses(
    tmp_path: Path, counts: dict[str, int], message: str
) -> None:
    numbers = FileControlNumbers(tmp_path / "numbers.json")
    with pytest.raises(InvalidInput, match=message):
        numbers.reserve_many(counts)  # type: ignore[arg-type]
    assert numbers.last() == {"interchange": 0, "group": 0, "transaction": 0}


def test_fixed_numbers_give_an_envelope_too() -> None:
    numbers = FixedControlNumbers(interchange=7, group=3, transaction=10)
    assert envelope(numbers, 2) == (7, 3, range(10, 12))
    assert envelope(numbers) == (8, 4, range(12, 13))
