"""docs/cli.md is generated from --help; it must match the commands as they are."""

from __future__ import annotations

from pathlib import Path

from therabill.docsgen import CLI_DOC, cli_reference

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_current() -> None:
    current = (ROOT / CLI_DOC).read_text("utf-8")
    assert current == cli_reference(), "docs/cli.md is stale: run `make docs`"
