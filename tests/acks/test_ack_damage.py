"""Damaged 999 and 277CA files are read or refused with a clear error, never a traceback
(issue 14, item 5: the mutated acknowledgements of ``make reliability``)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from therabill.errors import TherabillError
from therabill.x12.acknowledgements import read_acknowledgements

ISA = (
    "ISA*00*          *00*          *ZZ*CLEARINGHOUSE  *ZZ*THERABILL      *261128*1200*^*"
    "00501*000000777*0*P*:"
)


def envelope(kind: str, functional: str, body: list[str]) -> bytes:
    tx = [f"ST*{kind}*0001", *body, f"SE*{len(body) + 2}*0001"]
    segments = [ISA, f"GS*{functional}*CLEARINGHOUSE*THERABILL*20261128*1200*77*X*005010", *tx]
    return "~\n".join([*segments, "GE*1*77", "IEA*1*000000777"]).encode() + b"~\n"


FILES = {
    "999": envelope(
        "999",
        "FA",
        [
            "AK1*HC*2*005010X222A1",
            "AK2*837*0002*005010X222A1",
            "IK3*NM1*8**8",
            "IK4*9*67*7*XX",
            "IK5*R*5",
            "AK9*R*1*1*0",
        ],
    ),
    "277CA": envelope(
        "277",
        "HN",
        [
            "BHT*0085*08*1*20261128*1200*TH",
            "HL*1**20*1",
            "NM1*PR*2*ACME*****PI*ACME1",
            "HL*2*1*21*1",
            "NM1*41*2*HARBOUR*****46*THERABILL",
            "HL*3*2*19*1",
            "NM1*85*2*HARBOUR*****XX*1234567893",
            "HL*4*3*PT",
            "NM1*QC*1*EXAMPLE*ADA****MI*M1",
            "TRN*2*TB00000001",
            "STC*A7:21*20261128*U*90.00",
            "REF*1K*PAYER1",
        ],
    ),
}


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    base = FILES[draw(st.sampled_from(sorted(FILES)))]
    segments = [s for s in base.split(b"~") if s.strip()]
    how = draw(st.sampled_from(["cut", "byte", "drop", "repeat", "element"]))
    if how == "cut":
        return base[: draw(st.integers(0, len(base)))]
    if how == "byte":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.sampled_from(b"09*~:^.-AZ \n\x00"))
        return bytes(data)
    i = draw(st.integers(0, len(segments) - 1))
    if how == "drop":
        del segments[i]
    elif how == "repeat":
        segments[i:i] = [segments[i]] * draw(st.integers(1, 300))
    else:
        parts = segments[i].split(b"*")
        parts.insert(draw(st.integers(0, len(parts))), draw(st.sampled_from([b"", b"9" * 30])))
        segments[i] = b"*".join(parts)
    return b"~".join(segments) + b"~"


@settings(max_examples=300)
@given(damaged())
def test_a_damaged_acknowledgement_is_read_or_refused(data: bytes) -> None:
    try:
        acks = read_acknowledgements(data)
    except TherabillError as refused:
        assert str(refused)
        return
    for claim in acks.claims:
        assert isinstance(claim.accepted, bool)


def test_the_undamaged_files_read() -> None:
    assert read_acknowledgements(FILES["999"]).transactions
    assert read_acknowledgements(FILES["277CA"]).claims
