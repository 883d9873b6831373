"""pyx12 with the 005010X279A1 maps (pyx12 4.0.0 ships none): a map folder made of pyx12's own
maps plus the two in ``pyx12_maps/`` (azoner/pyx12 commit a564361, BSD-style licence)."""

from __future__ import annotations

import functools
import io
import shutil
import tempfile
from pathlib import Path

import pyx12
import pyx12.params
import pyx12.x12n_document

HERE = Path(__file__).parent


@functools.cache
def map_folder() -> str:
    target = Path(tempfile.mkdtemp(prefix="pyx12-x279-"))
    source = Path(pyx12.__file__).parent / "map"
    for item in source.iterdir():
        if item.suffix in (".xml", ".xsd"):
            shutil.copy(item, target)
    for item in (HERE / "pyx12_maps").iterdir():
        shutil.copy(item, target)
    index = (target / "maps.xml").read_text("utf-8")
    index = index.replace(
        '<version icvn="00501">',
        '<version icvn="00501">\n'
        '    <map vriic="005010X279A1" fic="HS" abbr="270">270.5010.X279.A1.xml</map>\n'
        '    <map vriic="005010X279A1" fic="HB" abbr="271">271.5010.X279.A1.xml</map>',
        1,
    )
    (target / "maps.xml").write_text(index, "utf-8")
    return str(target)


def validate(path: Path) -> tuple[bool, str]:
    """pyx12's verdict on ``path`` and its 999 (which names any error)."""
    report = io.StringIO()
    ok = pyx12.x12n_document.x12n_document(
        pyx12.params.params(), str(path), report, None, None, map_path=map_folder()
    )
    return bool(ok), report.getvalue()
