"""Copy the web app's vendored npm assets into the tree, from packages fetched with `npm pack`.

    cd /tmp && npm pack lucide-static axe-core && mkdir lucide axe \
      && tar xzf lucide-static-*.tgz -C lucide && tar xzf axe-core-*.tgz -C axe
    python scripts/vendor_web_assets.py /tmp/lucide/package /tmp/axe/package

Only the icons the pages use are copied (ICONS), with the set's licence (ISC, and MIT for the
icons derived from Feather); axe-core (MPL-2.0) goes beside the browser tests that run it.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "src" / "therabill" / "web" / "static"
TESTS = ROOT / "tests" / "web" / "vendor"

# Keep in step with the .i-NAME rules of static/app.css.
ICONS = (
    "arrow-down",
    "arrow-up",
    "arrow-up-down",
    "book-open",
    "building-2",
    "calendar-plus",
    "chart-column",
    "check",
    "chevron-left",
    "chevron-right",
    "circle-alert",
    "circle-check",
    "clock",
    "download",
    "file-text",
    "filter",
    "inbox",
    "info",
    "layout-dashboard",
    "list-checks",
    "log-out",
    "mail",
    "pencil",
    "plus",
    "printer",
    "receipt",
    "search",
    "send",
    "settings",
    "shield-user",
    "stethoscope",
    "tag",
    "trash-2",
    "triangle-alert",
    "user-plus",
    "user-round",
    "users",
    "wallet",
    "x",
)


def main(lucide: Path, axe: Path) -> None:
    version = json.loads((lucide / "package.json").read_text())["version"]
    icons = STATIC / "icons"
    shutil.rmtree(icons, ignore_errors=True)
    icons.mkdir(parents=True)
    for name in ICONS:
        shutil.copyfile(lucide / "icons" / f"{name}.svg", icons / f"{name}.svg")
    shutil.copyfile(lucide / "LICENSE", icons / "LICENSE.txt")
    (icons / "VERSION.txt").write_text(f"lucide-static {version}\n")
    TESTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(axe / "axe.min.js", TESTS / "axe.min.js")
    shutil.copyfile(axe / "LICENSE", TESTS / "axe-core.LICENSE.txt")
    axe_version = json.loads((axe / "package.json").read_text())["version"]
    (TESTS / "VERSION.txt").write_text(f"axe-core {axe_version}\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
