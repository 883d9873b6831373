"""Every X12 reader takes every adversarial shape (DESIGN.md: files from parties we do not
control), and the streaming readers' memory stays flat.

Each shape (``x12_shapes``: one segment or loop repeated where its guide lets it repeat) is
read here at a small size, so a reader that refuses or crashes on a legal repeat fails the
suite. Whether ten times the repeats take about ten times the time is a timed figure, so it
lives outside ``make test``: ``make reliability`` reads every shape at 10,000 and 100,000
repeats and counts those over twenty times (the quadratic reader the security review found,
a tuple grown one CAS at a time, measured over 100), and ``make bench`` has the
1,000,000-repeat figures (docs/performance.md).
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from therabill.x12.remittance_835 import iter_835, parsing, values
from x12_shapes import READERS, SHAPES_835

CASES = [(reader, shape) for reader, (_, shapes) in READERS.items() for shape in shapes]


@pytest.mark.parametrize(("reader", "shape"), CASES, ids=[f"{r}: {s}" for r, s in CASES])
def test_every_reader_takes_every_shape(reader: str, shape: str) -> None:
    """1,000 repeats of a segment the guide lets repeat: read, not refused, no traceback."""
    read, shapes = READERS[reader]
    read(shapes[shape](1_000))


@pytest.mark.parametrize("shape", ["CLP per ST", "ST/SE per group"], ids=lambda s: f"835: {s}")
def test_streaming_an_835_keeps_memory_flat(
    shape: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Claims are yielded one at a time and the caches are bounded: four times the claims,
    read from disk in chunks (both files over the reader's 1 MB chunk), peak at the same
    memory. The value caches are cut to 2,000 entries so both sizes fill them (at the shipped
    50,000 the files would need 30,000 and 120,000 claims, and this test a minute); a reader
    that kept every claim, or a cache that never emptied, holds four times as much."""
    monkeypatch.setattr(values, "CACHE_LIMIT", 2_000)
    monkeypatch.setattr(parsing, "CACHE_LIMIT", 2_000)
    peaks = []
    for n in (20_000, 80_000):
        path = tmp_path / f"{n}.835"
        path.write_bytes(SHAPES_835[shape](n))
        tracemalloc.start()
        try:
            for _ in iter_835(path):
                pass
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.25 + 1_000_000, f"peak {peaks[0]:,} -> {peaks[1]:,} bytes"
