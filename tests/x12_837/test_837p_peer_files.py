"""837P files written by other projects (tests/data/x12-peers/837p/, sources in its README)
through therabill's X12 tokenizer: the delimiters each declares in its ISA (``>`` and ``|`` as
well as ``:`` and ``^``), a UTF-8 byte-order mark, CRLF and one segment a line are read, and a
file whose SE01 does not count its segments is refused naming SE01, never a traceback.

therabill writes 837Ps rather than reading them; these files check that the tokenizer every
reader shares takes the shapes real 837 producers write, and the writer's own output is judged
by pyx12 (tests/x12_837/test_837p_golden.py).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from therabill.x12.reader import Delimiters, X12Error, iter_segments

PEERS = Path(__file__).resolve().parent.parent / "data" / "x12-peers" / "837p"

# file: (segments, claims, service lines, GS08, delimiters)
READ = {
    "lfh_demo.example1.837": (44, 1, 4, "005010X222A2", Delimiters("*", ":", "^", "~")),
    "lfh_demo.cob.example3.A.837": (55, 1, 3, "005010X222A2", Delimiters("*", ":", "^", "~")),
    "oopfactory_MedicaidExample.txt": (97, 5, 10, "005010X222A1", Delimiters("*", ">", "|", "~")),
    "oopfactory_Example1_HealthInsurance.txt": (
        46, 1, 4, "005010X222", Delimiters("*", ":", "^", "~"),
    ),
}  # fmt: skip

# file: (segment number, what SE01 says, segments the transaction has)
REFUSED = {
    "imsweb_x12_valid.txt": (36, 25, 34),
    "imsweb_x12_complex.txt": (149, 25, 147),
}


def test_every_peer_file_is_listed() -> None:
    files = {p.name for p in PEERS.iterdir() if p.name != "README.md"}
    assert files == set(READ) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(READ), ids=sorted(READ))
def test_peer_837p_is_tokenized(name: str) -> None:
    counts: Counter[str] = Counter()
    seen: set[Delimiters] = set()
    version = ""
    for _, delimiters, segment in iter_segments(PEERS / name):
        counts[segment.id] += 1
        seen.add(delimiters)
        if segment.id == "GS":
            version = segment.get(8)
    segments, claims, lines, gs08, delimiters = READ[name]
    assert (sum(counts.values()), counts["CLM"], counts["LX"], version) == (
        segments,
        claims,
        lines,
        gs08,
    )
    assert seen == {delimiters}
    assert counts["ISA"] == counts["IEA"] == counts["GS"] == counts["ST"] == 1


def test_the_byte_order_mark_is_skipped() -> None:
    data = (PEERS / "oopfactory_MedicaidExample.txt").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfISA*") and b"\r\n" in data
    first = next(iter_segments(data))[2]
    assert (first.number, first.id) == (1, "ISA")


@pytest.mark.parametrize("name", sorted(REFUSED), ids=sorted(REFUSED))
def test_a_wrong_segment_count_is_refused_by_name(name: str) -> None:
    number, says, has = REFUSED[name]
    with pytest.raises(X12Error) as caught:
        for _ in iter_segments(PEERS / name):
            pass
    error = caught.value
    assert (error.segment_number, error.segment_id, error.element) == (number, "SE", "SE01")
    assert f"SE01 says {says} segments but transaction 987654 has {has}" in str(error)
