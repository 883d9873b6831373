"""Adversarial X12 files: one segment (or loop) repeated ``n`` times where its guide lets it
repeat, in an otherwise correct file, for the readers' growth tests and ``make bench``.

The security review (issue 14) froze the worker with one claim holding 200,000
``CAS*CO*45*0.01`` and with 5,000 ST/SE in one group; every shape here is one such repeat.
``SHAPES_835``, ``SHAPES_999``, ``SHAPES_277CA``, ``SHAPES_277`` (claim status) and
``SHAPES_GENERIC`` map a shape's name to a
function ``n -> bytes`` (a whole file, envelope counts right, newline after each segment).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from therabill.x12.acknowledgements import read_acknowledgements
from therabill.x12.claim_status import read_277
from therabill.x12.eligibility import iter_271
from therabill.x12.reader import iter_segments
from therabill.x12.remittance_835 import read_835

Shape = Callable[[int], bytes]

ISA = (
    "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *260105*1200*^*"
    "00501*{control:09d}*0*P*:"
)


def _file(
    transactions: Iterable[list[str]],
    *,
    functional: str = "HP",
    version: str = "005010X221A1",
    groups: int = 1,
    interchanges: int = 1,
) -> bytes:
    """``transactions`` (bodies without ST/SE) in ``groups`` groups of ``interchanges``
    interchanges; the transactions are dealt to the groups in turn."""
    bodies = list(transactions)
    out: list[str] = []
    st = 0
    per_interchange = max(1, -(-groups // interchanges))
    groups_left = groups
    for i in range(interchanges):
        out.append(ISA.format(control=i + 1))
        in_this = min(per_interchange, groups_left)
        groups_left -= in_this
        for g in range(in_this):
            number = i * per_interchange + g + 1
            out.append(f"GS*{functional}*ACMEHEALTH*THERABILL*20260105*1200*{number}*X*{version}")
            share = bodies[number - 1 :: groups]
            for body in share:
                st += 1
                kind = {"HP": "835", "FA": "999", "HN": "277"}[functional]
                out.append(f"ST*{kind}*{st:04d}*{version}" if kind != "835" else f"ST*835*{st:04d}")
                out.extend(body)
                out.append(f"SE*{len(body) + 2}*{st:04d}")
            out.append(f"GE*{len(share)}*{number}")
        out.append(f"IEA*{in_this}*{i + 1:09d}")
    return ("~\n".join(out) + "~\n").encode()


# --- 835 (005010X221A1) -------------------------------------------------------------------
HEADER_835 = [
    "BPR*I*0*C*NON************20260107",
    "TRN*1*EFT0001*1512345678",
    "N1*PR*ACME HEALTH PLAN",
    "N1*PE*BRIGHT PATH THERAPY*XX*1234567893",
]
CLAIM = "CLP*TB00000001*1*0*0*0*12*ICN0001"
LINE = "SVC*HC:97110:GP*0*0**1"


def _835(body: list[str], **envelope: int) -> bytes:
    return _file([body], **envelope)


def _claim_with(segment: str, *, line: bool = False) -> Shape:
    def shape(n: int) -> bytes:
        return _835([*HEADER_835, "LX*1", CLAIM, *([LINE] if line else []), *[segment] * n])

    return shape


def _distinct_cas(n: int) -> bytes:
    """Every amount different: the reader's caches miss and must stay bounded."""
    return _835(
        [*HEADER_835, "LX*1", CLAIM, *(f"CAS*CO*45*{i // 100}.{i % 100:02d}" for i in range(n))]
    )


def _claims(n: int) -> bytes:
    claims = (
        seg
        for i in range(n)
        for seg in (f"CLP*TB{i:08d}*1*90.00*72.00*0*12*ICN{i}", LINE, "CAS*CO*45*90.00")
    )
    return _835([*HEADER_835, "LX*1", *claims])


def _lines(n: int) -> bytes:
    return _835(
        [*HEADER_835, "LX*1", CLAIM, *(seg for _ in range(n) for seg in (LINE, "DTM*472*20251201"))]
    )


def _header_numbers(n: int) -> bytes:
    return _835([*HEADER_835, *(seg for i in range(n) for seg in (f"LX*{i + 1}", CLAIM))])


def _plb(n: int) -> bytes:
    return _835([*HEADER_835, "LX*1", CLAIM, *["PLB*1234567893*20261231*WO:OVP1*0.01"] * n])


PAYMENT = HEADER_835[:2]  # the least an 835 transaction holds: BPR and TRN


def _transactions(n: int) -> bytes:
    return _file([PAYMENT] * n)


def _groups(n: int) -> bytes:
    return _file([PAYMENT] * n, groups=n)


def _interchanges(n: int) -> bytes:
    return _file([PAYMENT] * n, groups=n, interchanges=n)


SHAPES_835: dict[str, Shape] = {
    "CAS per claim": _claim_with("CAS*CO*45*0.01"),
    "CAS per claim, every amount different": _distinct_cas,
    "CAS per line": _claim_with("CAS*CO*45*0.01", line=True),
    "DTM per claim": _claim_with("DTM*232*20251201"),
    "DTM per line": _claim_with("DTM*472*20251201", line=True),
    "REF per claim": _claim_with("REF*EA*MR1234"),
    "REF per line": _claim_with("REF*6R*L1", line=True),
    "AMT per claim": _claim_with("AMT*AU*0"),
    "AMT per line": _claim_with("AMT*B6*0", line=True),
    "LQ per line": _claim_with("LQ*HE*N640", line=True),
    "NM1 per claim": _claim_with("NM1*QC*1*RIVERA*ALEX****MI*M123"),
    "SVC per claim": _lines,
    "CLP per ST": _claims,
    "LX per ST": _header_numbers,
    "PLB per ST": _plb,
    "ST/SE per group": _transactions,
    "GS/GE per interchange": _groups,
    "ISA/IEA per file": _interchanges,
}


# --- 999 (005010X231A1) -------------------------------------------------------------------
def _999(body: Iterable[str]) -> bytes:
    return _file([list(body)], functional="FA", version="005010X231A1")


def _999_transactions(n: int) -> bytes:
    return _999(
        [
            "AK1*HC*101*005010X222A1",
            *(seg for i in range(n) for seg in (f"AK2*837*{i:04d}*005010X222A1", "IK5*A")),
            f"AK9*A*{n}*{n}*{n}",
        ]
    )


def _999_errors(n: int) -> bytes:
    errors = (seg for _ in range(n) for seg in ("IK3*NM1*12**8", "IK4*9**1"))
    return _999(
        ["AK1*HC*101*005010X222A1", "AK2*837*0001*005010X222A1", *errors, "IK5*R*5", "AK9*R*1*1*0"]
    )


def _999_contexts(n: int) -> bytes:
    contexts = ("CTX*CLM01:TB00000001" for _ in range(n))
    return _999(
        [
            "AK1*HC*101*005010X222A1",
            "AK2*837*0001*005010X222A1",
            "IK3*NM1*12*2010*8",
            *contexts,
            "IK5*R*5",
            "AK9*R*1*1*0",
        ]
    )


def _999_groups(n: int) -> bytes:
    return _file(
        [["AK1*HC*101*005010X222A1", "AK9*A*1*1*1"]] * n,
        functional="FA",
        version="005010X231A1",
        groups=n,
    )


SHAPES_999: dict[str, Shape] = {
    "AK2/IK5 per group": _999_transactions,
    "IK3/IK4 per transaction": _999_errors,
    "CTX per error": _999_contexts,
    "ST/SE per group": _999_groups,
}


# --- 277CA (005010X214) -------------------------------------------------------------------
HEAD_277 = [
    "BHT*0085*08*ACK0001*20260106*1200*TH",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME",
    "TRN*1*0001",
    "DTP*050*D8*20260106",
    "DTP*009*D8*20260106",
    "HL*2*1*21*1",
    "NM1*41*2*BRIGHT PATH THERAPY*****46*1234567893",
    "TRN*2*101",
    "STC*A1:19*20260106*WQ*200.00",
    "HL*3*2*19*1",
    "NM1*85*2*BRIGHT PATH THERAPY*****XX*1234567893",
]


def _claim_277(
    hl: int, number: str, stcs: Iterable[str] = ("STC*A2:20*20260106*WQ*90.00",)
) -> Iterator[str]:
    yield f"HL*{hl}*3*PT"
    yield "NM1*QC*1*RIVERA*ALEX****MI*M123"
    yield f"TRN*2*{number}"
    yield from stcs
    yield "REF*1K*ICN0001"
    yield "DTP*472*D8*20251201"


def _277(body: Iterable[str], **envelope: int) -> bytes:
    return _file([list(body)], functional="HN", version="005010X214", **envelope)


def _277_claims(n: int) -> bytes:
    return _277([*HEAD_277, *(s for i in range(n) for s in _claim_277(i + 4, f"TB{i:08d}"))])


def _277_statuses(n: int) -> bytes:
    stcs = ("STC*A7:249*20260106*U*90.00" for _ in range(n))
    return _277([*HEAD_277, *_claim_277(4, "TB00000001", stcs)])


def _277_transactions(n: int) -> bytes:
    body = [HEAD_277[0], "HL*1**20*1", "HL*2*1*21*1", "HL*3*2*19*1", *_claim_277(4, "TB1")]
    return _file([body] * n, functional="HN", version="005010X214")


SHAPES_277CA: dict[str, Shape] = {
    "claims (HL/TRN/STC) per ST": _277_claims,
    "STC per claim": _277_statuses,
    "ST/SE per group": _277_transactions,
}


# --- 277 claim status response (005010X212) ----------------------------------------------
HEAD_X212 = [
    "BHT*0010*08*277X212*20260106*0810*DG",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH*****PI*60054",
    "HL*2*1*21*1",
    "NM1*41*2*BRIGHT PATH THERAPY*****46*THERABILL",
    "HL*3*2*19*1",
    "NM1*1P*2*BRIGHT PATH THERAPY*****XX*1234567893",
]


def _claim_x212(
    hl: int,
    number: str,
    stcs: Iterable[str] = ("STC*F1:65*20260106**90.00*72.00",),
    lines: Iterable[str] = (),
) -> Iterator[str]:
    yield f"HL*{hl}*3*22*0"
    yield "NM1*IL*1*RIVERA*ALEX****MI*M123"
    yield f"TRN*2*{number}"
    yield from stcs
    yield "REF*1K*ICN0001"
    yield f"REF*EJ*{number}"
    yield "DTP*472*D8*20251201"
    yield from lines


def _x212(body: Iterable[str], **envelope: int) -> bytes:
    return _file([list(body)], functional="HN", version="005010X212", **envelope)


def _x212_claims(n: int) -> bytes:
    return _x212([*HEAD_X212, *(s for i in range(n) for s in _claim_x212(i + 4, f"TB{i:08d}"))])


def _x212_statuses(n: int) -> bytes:
    stcs = ("STC*A7:249:85*20260106" for _ in range(n))
    return _x212([*HEAD_X212, *_claim_x212(4, "TB00000001", stcs)])


def _x212_lines(n: int) -> bytes:
    line = ["SVC*HC:97110:GP*45.00*36.00****1", "STC*F1:65*20260106", "REF*FJ*TB00000001-1"]
    lines = (s for _ in range(n) for s in line)
    return _x212([*HEAD_X212, *_claim_x212(4, "TB00000001", lines=lines)])


def _x212_transactions(n: int) -> bytes:
    return _file([[*HEAD_X212, *_claim_x212(4, "TB1")]] * n, functional="HN", version="005010X212")


SHAPES_277: dict[str, Shape] = {
    "claims (HL/TRN/STC) per ST": _x212_claims,
    "STC per claim": _x212_statuses,
    "SVC/STC per claim": _x212_lines,
    "ST/SE per group": _x212_transactions,
}


# --- the tokenizer alone -----------------------------------------------------------------
def _segments_one_line(n: int) -> bytes:
    """Every segment on one line: no line breaks at all."""
    return _claims(n).replace(b"\n", b"")


def _empty_segments(n: int) -> bytes:
    """``~~~…``: empty segments, which the reader skips without counting."""
    data = _claims(1)
    cut = data.index(b"LX*1~")
    return data[:cut] + b"~" * n + data[cut:]


SHAPES_GENERIC: dict[str, Shape] = {
    "segments on one line": _segments_one_line,
    "segments one per line": _claims,
    "empty segments": _empty_segments,
}


# --- 271 (005010X279A1) -------------------------------------------------------------------
_271_TOP = [
    "BHT*0022*11*P1-20260105120000*20260105*1200",
    "HL*1**20*1",
    "NM1*PR*2*ACME HEALTH PLAN*****PI*ACME1",
    "HL*2*1*21*1",
    "NM1*1P*2*BRIGHT PATH THERAPY*****XX*1234567893",
]


def _member_271(hl: int, benefits: Iterable[str] = ("EB*1*IND*30**GOLD PLAN",)) -> list[str]:
    return [
        f"HL*{hl}*2*22*0",
        f"TRN*2*P{hl}-20260105120000*9123456789",
        f"NM1*IL*1*SMITH*ALEX****MI*M{hl:09d}",
        "DMG*D8*19800101*F",
        *benefits,
    ]


def _271(transactions: Iterable[list[str]]) -> bytes:
    out = [ISA.format(control=1), "GS*HB*ACMEHEALTH*THERABILL*20260105*1200*1*X*005010X279A1"]
    count = 0
    for count, body in enumerate(transactions, 1):
        out.append(f"ST*271*{count:04d}*005010X279A1")
        out.extend(body)
        out.append(f"SE*{len(body) + 2}*{count:04d}")
    out += [f"GE*{count}*1", "IEA*1*000000001"]
    return ("~\n".join(out) + "~\n").encode()


def _271_benefits(n: int) -> bytes:
    """One member with ``n`` EB segments (a copay each, amounts all different)."""
    benefits = (f"EB*B*IND*PT***27*{i % 100000}.{i % 100:02d}****N*Y" for i in range(n))
    return _271([_271_TOP + _member_271(3, benefits)])


def _271_messages(n: int) -> bytes:
    """One benefit followed by ``n`` MSG segments."""
    body = ["EB*F*IND*PT***23***VS*20**Y", *(f"MSG*NOTE {i}" for i in range(n))]
    return _271([_271_TOP + _member_271(3, body)])


def _271_members(n: int) -> bytes:
    """``n`` subscribers (HL 22) in one transaction."""
    body = list(_271_TOP)
    for i in range(n):
        body += _member_271(3 + i)
    return _271([body])


def _271_repetitions(n: int) -> bytes:
    """One EB03 holding ``n`` service types (repetition separator ``^``)."""
    return _271([_271_TOP + _member_271(3, ["EB*1*IND*" + "^".join(["PT"] * n)])])


def _271_transactions(n: int) -> bytes:
    """``n`` ST/SE transactions of one member each."""
    return _271(_271_TOP + _member_271(3) for _ in range(n))


SHAPES_271: dict[str, Shape] = {
    "EB per member": _271_benefits,
    "MSG per EB": _271_messages,
    "members per ST": _271_members,
    "EB03 repetitions": _271_repetitions,
    "ST/SE per group": _271_transactions,
}


def _read_271(data: bytes) -> None:
    for _ in iter_271(data):
        pass


def _tokenize(data: bytes) -> None:
    for _ in iter_segments(data):
        pass


# Each reader with the shapes it must take: the growth test (``make test``, small sizes) and
# the growth check of ``make reliability`` (timed: 10,000 and 100,000 repeats).
READERS: dict[str, tuple[Callable[[bytes], object], dict[str, Shape]]] = {
    "835": (read_835, SHAPES_835),
    "999": (read_acknowledgements, SHAPES_999),
    "277CA": (read_acknowledgements, SHAPES_277CA),
    "277": (read_277, SHAPES_277),
    "271": (_read_271, SHAPES_271),
    "tokenizer": (_tokenize, SHAPES_GENERIC),
}
