"""The CLI is a shell over the service layer: no command reaches into the web app, except
``serve``, which starts it (issue 10: the CLI used to take users and tokens from ``web/``)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import therabill.cli

CLI = Path(therabill.cli.__file__).parent
MAY_IMPORT_THE_WEB_APP = {"serve.py"}


def _web_imports(path: Path) -> list[str]:
    """Every ``therabill.web`` module ``path`` imports, at the top or inside a function."""
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        found += [n for n in names if n == "therabill.web" or n.startswith("therabill.web.")]
    return found


def test_only_serve_imports_the_web_app() -> None:
    offenders = {
        path.name: _web_imports(path)
        for path in sorted(CLI.glob("*.py"))
        if path.name not in MAY_IMPORT_THE_WEB_APP and _web_imports(path)
    }
    assert offenders == {}


def test_the_scan_sees_an_import_inside_a_function(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def f():\n    from therabill.web import flash\n    import therabill.web.app\n"
    )
    assert _web_imports(sample) == ["therabill.web", "therabill.web.app"]


def test_importing_every_command_loads_no_web_module() -> None:
    probe = (
        "import sys, pkgutil, importlib, therabill.cli as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'therabill.cli.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(n for n in sys.modules if n.startswith('therabill.web')))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
