"""The one cache rule (``store.services.caches``): a kept value is current only while the
stamp of what it was computed from is the same, so a change made by any path, or by another
process, is seen by the next read; nothing is cleared by hand."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from therabill.store.services import Store, caches, profiles
from therabill.units import UnitRule

SHIPPED = files("therabill.payers").joinpath("data/commercial.toml").read_text("utf-8")


def _commercial(unit_rule: str, name: str = "Commercial payer (generic)") -> str:
    changed = SHIPPED.replace('unit_rule = "midpoint"', f'unit_rule = "{unit_rule}"', 1)
    changed = changed.replace('name = "Commercial payer (generic)"', f'name = "{name}"', 1)
    assert changed != SHIPPED
    return changed


def test_a_value_is_kept_while_its_stamp_stays_the_same() -> None:
    cache: caches.Stamped[list[int]] = caches.Stamped("test", keys=2)
    first = cache.get("a", 1, lambda: [1])
    assert cache.get("a", 1, lambda: [2]) is first
    assert cache.get("a", 2, lambda: [2]) == [2]
    cache.get("b", 1, lambda: [3])
    cache.get("c", 1, lambda: [4])  # beyond two keys the oldest goes
    assert cache.get("a", 2, lambda: [5]) == [5]


def test_a_stale_value_is_served_once_more_while_it_is_computed_again() -> None:
    cache: caches.Stamped[str] = caches.Stamped("test")
    assert cache.get_or_refresh("k", 1, lambda: (1, "old")) == "old"
    assert cache.get_or_refresh("k", 2, lambda: (2, "new")) == "old"
    deadline = time.monotonic() + 10
    while cache.refreshing() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get_or_refresh("k", 2, lambda: (2, "newer")) == "new"


def _first_value_race(fail: bool) -> tuple[list[str], list[object]]:
    """Six callers ask a cache with nothing kept yet; the first one's computation is held
    until the other five have had time to start computations of their own (which they
    must not: they wait for the first). Returns the computations started and the answers."""
    cache: caches.Stamped[str] = caches.Stamped("test")
    started, release = threading.Event(), threading.Event()
    computed: list[str] = []
    answers: list[object] = []

    def first() -> tuple[int, str]:
        computed.append("first")
        started.set()
        release.wait(10)
        if fail:
            raise RuntimeError("the sums failed")
        return 1, "summed once"

    def another() -> tuple[int, str]:
        computed.append("another")
        return 1, "summed again"

    def ask(compute: Callable[[], tuple[int, str]]) -> None:
        try:
            answers.append(cache.get_or_refresh("k", 1, compute))
        except RuntimeError as exc:
            answers.append(exc)

    leader = threading.Thread(target=ask, args=(first,))
    leader.start()
    assert started.wait(10)
    others = [threading.Thread(target=ask, args=(another,)) for _ in range(5)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 1  # room for a caller that does not wait to compute
    while len(computed) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in [leader, *others]:
        thread.join(10)
    return computed, answers


def test_callers_that_come_while_the_first_value_is_computed_wait_for_it() -> None:
    # a server started under load: fifty dashboards at once sum the ledger once, not fifty
    # times side by side (each then taking fifty times as long)
    computed, answers = _first_value_race(fail=False)
    assert computed == ["first"]
    assert answers == ["summed once"] * 6


def test_callers_waiting_for_a_first_value_that_failed_get_its_error() -> None:
    computed, answers = _first_value_race(fail=True)
    assert computed == ["first"]
    assert len(answers) == 6 and all(isinstance(a, RuntimeError) for a in answers)


def test_after_a_failed_first_value_the_next_caller_computes_it_again() -> None:
    cache: caches.Stamped[str] = caches.Stamped("test")

    def fails() -> tuple[int, str]:
        raise RuntimeError("the sums failed")

    with pytest.raises(RuntimeError):
        cache.get_or_refresh("k", 1, fails)
    assert cache.get_or_refresh("k", 1, lambda: (1, "summed")) == "summed"


def _held_get(cache: caches.Stamped[str], fail: bool = False) -> tuple[Any, ...]:
    """A ``get`` of key "k" under stamp 1 whose computation is held until released."""
    started, release = threading.Event(), threading.Event()
    answers: list[object] = []

    def held() -> str:
        started.set()
        release.wait(10)
        if fail:
            raise RuntimeError("the read failed")
        return "computed once"

    def ask() -> None:
        try:
            answers.append(cache.get("k", 1, held))
        except RuntimeError as exc:
            answers.append(exc)

    leader = threading.Thread(target=ask)
    leader.start()
    assert started.wait(10)
    return leader, release, answers


def _ask_meanwhile(
    cache: caches.Stamped[str], stamp: int, computed: list[str]
) -> tuple[list[threading.Thread], list[str]]:
    answers: list[str] = []

    def compute() -> str:
        computed.append(f"under {stamp}")
        return f"computed under {stamp}"

    others = [
        threading.Thread(target=lambda: answers.append(cache.get("k", stamp, compute)))
        for _ in range(5)
    ]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 1  # room for a caller that does not wait to compute
    while len(computed) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    return others, answers


def test_callers_with_the_same_stamp_wait_for_the_value_being_computed() -> None:
    # fifty live checks after an 835 is posted read the payers' records once
    cache: caches.Stamped[str] = caches.Stamped("test")
    leader, release, first = _held_get(cache)
    computed: list[str] = []
    others, answers = _ask_meanwhile(cache, 1, computed)
    release.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert computed == [] and first == ["computed once"]
    assert answers == ["computed once"] * 5


def test_a_caller_with_another_stamp_never_takes_the_value_being_computed() -> None:
    cache: caches.Stamped[str] = caches.Stamped("test")
    leader, release, first = _held_get(cache)
    computed: list[str] = []
    others, answers = _ask_meanwhile(cache, 2, computed)
    for thread in others:
        thread.join(10)  # not waiting for the held computation
    release.set()
    leader.join(10)
    assert answers == ["computed under 2"] * 5 and first == ["computed once"]


def test_waiters_compute_on_their_own_when_the_computation_failed() -> None:
    cache: caches.Stamped[str] = caches.Stamped("test")
    leader, release, first = _held_get(cache, fail=True)
    computed: list[str] = []
    others, answers = _ask_meanwhile(cache, 1, computed)
    release.set()
    for thread in [leader, *others]:
        thread.join(10)
    assert len(first) == 1 and isinstance(first[0], RuntimeError)
    assert answers == ["computed under 1"] * 5


def test_a_profile_saved_through_the_service_is_used_by_the_next_read(practice: Store) -> None:
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.MIDPOINT
    tables = caches.scrub_tables()
    for name in ("Payer A", "Payer B", "Payer A"):  # the same size each time
        with practice.transaction(actor="t") as work:
            profiles.save_profile(work, profile_id="COMMERCIAL", text=_commercial("cms", name))
        assert profiles.payer_profiles()["COMMERCIAL"].name == name
        assert caches.scrub_tables().payers["COMMERCIAL"].name == name
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.CMS
    assert caches.scrub_tables() is not tables
    assert caches.scrub_tables() is caches.scrub_tables()  # kept while nothing changes


def test_a_profile_saved_by_another_process_is_used_by_the_next_read(
    practice: Store, home: Path
) -> None:
    assert caches.scrub_tables().payers["COMMERCIAL"].unit_rule is UnitRule.MIDPOINT
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.MIDPOINT
    save = (
        "import sys\n"
        "from therabill.store.services import open_store, profiles\n"
        "store = open_store(sys.argv[1])\n"
        "with store.transaction(actor='worker 2') as work:\n"
        "    profiles.save_profile(work, profile_id='COMMERCIAL', text=sys.stdin.read())\n"
    )
    url = practice.engine.url.render_as_string(hide_password=False)
    subprocess.run(
        [sys.executable, "-c", save, url], input=_commercial("cms"), text=True, check=True
    )
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.CMS
    assert caches.scrub_tables().payers["COMMERCIAL"].unit_rule is UnitRule.CMS


def test_one_look_sees_the_files_as_they_were_when_the_request_began(practice: Store) -> None:
    """Inside ``one_look`` (a live check) the practice's files are looked at once: a profile
    saved meanwhile is seen by the next look (the next request), never missed."""
    shipped = caches.payer_profiles()["COMMERCIAL"].name
    with caches.one_look():
        looked = caches.practice_files()
        with practice.transaction(actor="t") as work:
            profiles.save_profile(work, profile_id="COMMERCIAL", text=_commercial("cms", "Mid"))
        assert caches.practice_files() == looked  # one look a request
        assert caches.payer_profiles()["COMMERCIAL"].name == shipped  # as the request began
    assert caches.practice_files() != looked  # the next request's look
    assert profiles.payer_profiles()["COMMERCIAL"].name == "Mid"
    with practice.transaction(actor="t") as work:
        profiles.save_profile(work, profile_id="COMMERCIAL", text=_commercial("cms", "Next"))
    assert caches.scrub_tables().payers["COMMERCIAL"].name == "Next"


def test_the_ledger_generation_moves_with_a_write_from_another_process(practice: Store) -> None:
    with practice.reading(actor="t") as work:
        before = caches.ledger_generation(work.db)
    post = (
        "import sys\n"
        "from therabill.store.services import open_store, ledger\n"
        "store = open_store(sys.argv[1])\n"
        "with store.transaction(actor='worker 2') as work:\n"
        "    ledger.record_patient_payment(work=work, client=1, amount_cents=1000, keep_credit=True)\n"
    )
    url = practice.engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", post, url], check=True)
    with practice.reading(actor="t") as work:
        assert caches.ledger_generation(work.db) > before


STORE = Path(caches.__file__).parents[1]


def _decorator_name(node: ast.expr) -> str:
    target = node.func if isinstance(node, ast.Call) else node
    if isinstance(target, ast.Attribute):
        return target.attr
    return target.id if isinstance(target, ast.Name) else ""


@pytest.mark.parametrize("package", ["store", "web"])
def test_no_module_keeps_a_cache_of_its_own(package: str) -> None:
    """A functools cache outside ``caches`` would be a second rule (or none)."""
    root = STORE.parent / package
    found = [
        f"{path.relative_to(root)}:{node.lineno}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "caches.py"
        for node in ast.walk(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.FunctionDef)
        and any(_decorator_name(d) in {"cache", "lru_cache"} for d in node.decorator_list)
    ]
    assert found == []
