"""The store is an adapter below the web app: it never imports the web package (the web
app's tables live in therabill.store.web_tables for that reason)."""

from __future__ import annotations

import subprocess
import sys


def test_the_store_imports_nothing_from_the_web_app() -> None:
    probe = (
        "import sys, pkgutil, importlib, therabill.store as s\n"
        "for m in pkgutil.walk_packages(s.__path__, 'therabill.store.'):\n"
        "    if '.migrations' not in m.name: importlib.import_module(m.name)\n"
        "from therabill.store import migrate; migrate.schema_metadata()\n"
        "print(sorted(n for n in sys.modules if n.startswith('therabill.web')))\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert found == "[]"
