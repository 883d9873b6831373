"""Generate docs/cli.md from the commands' own ``--help`` so the reference cannot drift.

``make docs`` (``python -m therabill.docsgen``) rewrites the file; a test fails when it is stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from therabill.cli.main import app

CLI_DOC = Path("docs") / "cli.md"


def _walk(command: Any, path: list[str], parent: Any) -> Iterator[tuple[list[str], str]]:
    ctx = command.context_class(
        command, info_name=path[-1], parent=parent, terminal_width=100, max_content_width=100
    )
    yield path, command.get_help(ctx)
    for name in sorted(getattr(command, "commands", {})):
        yield from _walk(command.commands[name], [*path, name], ctx)


def cli_reference() -> str:
    """The whole CLI reference as Markdown: one section per command, its help verbatim."""
    root = typer.main.get_command(app)
    parts = [
        "# therabill command reference\n",
        "Generated from each command's `--help` by `make docs`; do not edit by hand.\n",
    ]
    for path, text in _walk(root, ["therabill"], None):
        parts.append(f"## `{' '.join(path)}`\n\n```text\n{text.rstrip()}\n```\n")
    return "\n".join(parts)


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    target = root / CLI_DOC
    target.write_text(cli_reference(), "utf-8")
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
