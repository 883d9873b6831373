"""Every segment the 005010X221A1 guide allows, in every loop that allows it, is read (issue
15: a payer's PER*CX claim contact in loop 2100 used to refuse the whole remittance).

The guide's loop and segment list comes from pyx12's map of it (``guide_walk``); each segment
is filled with every required and situational element, once per code of its first element,
and put in its loop of a small remittance. What a biller uses is kept (claim contact, MIA/MOA
remarks, QTY, AMT, …); the rest (TS3, TS2, CUR, RDM, TA1) is skipped by rule.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from remit_factory import group, interchange, render, transaction

from guide_walk import GuideSegment, guide_segments
from therabill.x12.reader import X12Error
from therabill.x12.remittance_835 import read_835
from therabill.x12.remittance_835.segments import SEGMENTS

GUIDE = list(guide_segments("835.5010.X221.A1.xml"))

BASE = {
    # loop: its segments in a minimal remittance (the first one starts the loop)
    "HEADER": ["BPR*I*0*C*NON************20260107", "TRN*1*EFT0001*1512345678"],
    "1000A": ["N1*PR*ACME HEALTH PLAN"],
    "1000B": ["N1*PE*BRIGHT PATH THERAPY*XX*1234567893"],
    "2000": ["LX*1"],
    "2100": ["CLP*TB00000001*1*0*0*0*12*ICN0001", "NM1*QC*1*RIVERA*ALEX****MI*M123"],
    "2110": ["SVC*HC:97110:GP*0*0**1"],
    "FOOTER": [],
}


def remittance_with(segment: GuideSegment, sample: str) -> bytes:
    """The minimal remittance with ``sample`` in the segment's loop (replacing the loop's
    own first segment when ``sample`` is one: a second CLP would be a second claim)."""
    body: list[str] = []
    for loop, segments in BASE.items():
        mine = list(segments)
        if loop == segment.loop:
            same = [i for i, s in enumerate(mine) if s.split("*")[0] == segment.id]
            if same and (segment.first_in_loop or segment.id in ("BPR", "TRN")):
                mine[same[0]] = sample
            else:
                mine.insert(len(mine) if loop in ("FOOTER",) else 1, sample)
        body += mine
    segments = interchange([group([transaction(body)])])
    if segment.loop == "ISA_LOOP":  # TA1 sits between the groups and IEA
        segments.insert(len(segments) - 1, sample)
    return render(segments)


CASES = [(g, s) for g in GUIDE for s in g.samples]


@pytest.mark.parametrize(
    ("segment", "sample"), CASES, ids=[f"{g.loop} {g.id} {s[:24]}" for g, s in CASES]
)
def test_every_segment_the_guide_allows_is_read_where_it_allows_it(
    segment: GuideSegment, sample: str
) -> None:
    (remittance,) = read_835(remittance_with(segment, sample))
    assert len(remittance.claims) == 1


def test_the_walk_covers_every_loop_and_the_segment_table_knows_every_segment() -> None:
    assert {g.loop for g in GUIDE} == {*BASE, "ISA_LOOP"}
    assert len(CASES) > 150
    assert {g.id for g in GUIDE} <= set(SEGMENTS)


def _read(loop: str, sample: str) -> tuple[object, object]:
    segment = next(g for g in GUIDE if g.loop == loop and g.id == sample.split("*")[0])
    (remittance,) = read_835(remittance_with(segment, sample))
    claim = remittance.claims[0]
    return claim, claim.services[0]


def test_a_claim_contact_is_kept() -> None:
    """PER*CX in 2100, as the guide's own example writes it (X221A1 2100 PER)."""
    claim, _ = _read("2100", "PER*CX*JANE DOE*TE*8005551212*EX*123")
    assert claim.contacts == (("CX", "JANE DOE", "TE", "8005551212", "EX", "123"),)  # type: ignore[attr-defined]
    assert claim.contact == "JANE DOE, TE 8005551212, EX 123"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("loop", "sample", "field", "expected"),
    [
        ("2100", "QTY*CA*8", "quantities", (("CA", Decimal("8")),)),
        ("2110", "QTY*ZK*2", "quantities", (("ZK", Decimal("2")),)),
        ("2100", "AMT*AU*12.50", "amounts", (("AU", Decimal("12.50")),)),
        ("2110", "AMT*B6*72.00", "amounts", (("B6", Decimal("72.00")),)),
        ("2100", "MOA***MA01*N640", "outpatient", ("MOA", "", "", "MA01", "N640")),
        ("2100", "MIA*0***12.00*MA61", "inpatient", ("MIA", "0", "", "", "12.00", "MA61")),
    ],
)
def test_what_a_biller_uses_is_kept(loop: str, sample: str, field: str, expected: object) -> None:
    claim, line = _read(loop, sample)
    assert getattr(line if loop == "2110" else claim, field) == expected


def test_remarks_of_moa_and_mia_are_the_claims_remark_codes() -> None:
    claim, _ = _read("2100", "MOA***MA01*N640")
    assert claim.remark_codes == ("MA01", "N640")  # type: ignore[attr-defined]
    claim, _ = _read("2100", "MIA*0***12.00*MA61")
    assert claim.remark_codes == ("MA61",)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("sample", "says"),
    [
        ("MOA***MA01", "MOA belongs to the claim, before its first service line (SVC)"),
        ("PER*CX*JANE*TE*8005551212", "PER belongs to the claim, before its first service line"),
    ],
)
def test_a_claim_segment_inside_a_service_line_is_refused_by_rule(sample: str, says: str) -> None:
    body = [*BASE["HEADER"], *BASE["1000A"], *BASE["1000B"], *BASE["2000"], *BASE["2100"]]
    body += [*BASE["2110"], sample]
    with pytest.raises(X12Error, match=re.escape(says)):
        read_835(render(interchange([group([transaction(body)])])))


@given(
    contacts=st.lists(
        st.tuples(
            st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ .", min_size=1, max_size=20).map(str.strip),
            st.sampled_from(["TE", "EM", "FX"]),
            st.from_regex(r"[0-9]{10}", fullmatch=True),
        ),
        min_size=1,
        max_size=2,
    ),
    quantities=st.lists(
        st.tuples(
            st.sampled_from(["CA", "CD", "LA", "LE", "NE", "NR", "OU", "PS", "VS", "ZK"]),
            st.decimals(min_value=0, max_value=9999, places=2),
        ),
        max_size=14,
    ),
)
def test_contacts_and_quantities_read_back_in_order(
    contacts: list[tuple[str, str, str]], quantities: list[tuple[str, Decimal]]
) -> None:
    per = [f"PER*CX*{name}*{q}*{number}" for name, q, number in contacts]
    qty = [f"QTY*{q}*{value}" for q, value in quantities]
    body = [*BASE["HEADER"], *BASE["1000A"], *BASE["1000B"], *BASE["2000"], *BASE["2100"]]
    body += [*per, *qty, *BASE["2110"]]
    (remittance,) = read_835(render(interchange([group([transaction(body)])])))
    claim = remittance.claims[0]
    assert claim.contacts == tuple(("CX", n, q, num) for n, q, num in contacts)
    assert claim.quantities == tuple((q, Decimal(str(v))) for q, v in quantities)
