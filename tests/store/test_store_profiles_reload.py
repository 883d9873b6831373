"""A payer profile saved by another process (``therabill serve`` runs several workers) is
seen on the next look-up, without a restart: the cached profiles and the scrubber's tables
are keyed by the profile files' names, change times and sizes."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import pytest

from therabill.store.services import caches, profiles
from therabill.units import UnitRule


def _write_commercial(home: Path, unit_rule: str) -> None:
    shipped = files("therabill.payers").joinpath("data/commercial.toml").read_text("utf-8")
    changed = shipped.replace('unit_rule = "midpoint"', f'unit_rule = "{unit_rule}"', 1)
    assert changed != shipped
    folder = home / "payers"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "commercial.toml").write_text(changed, "utf-8")


def test_a_profile_saved_elsewhere_is_seen_next_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THERABILL_HOME", str(tmp_path))
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.MIDPOINT
    first = caches.practice_files()
    _write_commercial(tmp_path, "cms")  # as another worker's save would, no cache cleared
    assert caches.practice_files() != first
    assert profiles.unit_rule("COMMERCIAL") is UnitRule.CMS
    assert profiles.payer_profiles() is profiles.payer_profiles()  # kept while unchanged


def test_the_live_checks_scrub_tables_follow_the_profile_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from therabill.store.services import live_check

    monkeypatch.setenv("THERABILL_HOME", str(tmp_path))
    before = live_check.scrub_tables()
    assert before.payers["COMMERCIAL"].unit_rule is UnitRule.MIDPOINT
    _write_commercial(tmp_path, "cms")
    after = live_check.scrub_tables()
    assert after.payers["COMMERCIAL"].unit_rule is UnitRule.CMS
