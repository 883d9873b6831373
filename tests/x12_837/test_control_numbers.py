"""Control numbers: unique, never reused, safe when several processes take them at once."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from therabill.errors import DataFileError, InvalidInput
from therabill.x12.control_numbers import FileControlNumbers


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
