"""Every part of therabill is in a layer: the core, checked by import-linter's contract in
pyproject.toml (run by ``make lint``), or one of the adapters at the edge. A new top-level
package must be placed in one, so the contract cannot silently miss it."""

from __future__ import annotations

import pkgutil
import tomllib
from pathlib import Path
from typing import Any

import therabill

ROOT = Path(__file__).resolve().parents[2]
EDGES = {"cli", "docsgen", "store", "web", "__main__"}


def contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {c["name"]: c for c in config["tool"]["importlinter"]["contracts"]}


def test_every_top_level_module_is_core_or_an_edge() -> None:
    core = contracts()["The core imports no database, web or command-line code"]
    checked = {name.removeprefix("therabill.") for name in core["source_modules"]}
    top_level = {m.name for m in pkgutil.iter_modules(therabill.__path__)}
    assert top_level - EDGES == checked
    forbidden = {name.removeprefix("therabill.") for name in core["forbidden_modules"]}
    assert EDGES - {"__main__"} <= forbidden
