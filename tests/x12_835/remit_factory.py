"""Small hand-written 835s for the tests, wrapped in a correct envelope with any delimiters.

``THERAPY_BODY`` is one balanced therapy remittance (two paid lines with a copay and a
changed modifier, a prior-authorization denial, a reversal and a PLB overpayment recovery);
``interchange()`` wraps transaction bodies in ST/SE, GS/GE and ISA/IEA with right counts.
"""

from __future__ import annotations

from pathlib import Path

PEER_DIR = Path(__file__).resolve().parent.parent / "data" / "x12-peers" / "835"

THERAPY_BODY = [
    "BPR*I*72.50*C*ACH*CCP*01*999999999*DA*123456789*1512345678**01*999988880*DA*98765*20260107",
    "TRN*1*EFT0001*1512345678",
    "DTM*405*20260105",
    "N1*PR*ACME HEALTH PLAN",
    "N3*1 MAIN STREET",
    "N4*SPRINGFIELD*IL*62701",
    "PER*BL*PROVIDER SERVICES*TE*8005551212",
    "N1*PE*BRIGHT PATH THERAPY*XX*1234567893",
    "REF*TJ*123456789",
    "LX*1",
    "CLP*TB00000001*1*200.00*120.00*20.00*12*ICN0001",
    "NM1*QC*1*RIVERA*ALEX****MI*M123",
    "DTM*232*20251201",
    "SVC*HC:97110:GP*90.00*52.00**2",
    "DTM*472*20251201",
    "CAS*CO*45*18.00",
    "CAS*PR*3*20.00",
    "REF*6R*L1",
    "AMT*B6*72.00",
    "SVC*HC:97140:GP*110.00*68.00**2*HC:97140:59*3",
    "DTM*472*20251201",
    "CAS*CO*45*42.00",
    "REF*6R*L2",
    "LQ*HE*N640",
    "CLP*TB00000002*4*100.00*0*0*12*ICN0002",
    "NM1*QC*1*LEE*SAM****MI*M456",
    "SVC*HC:97530*100.00*0**1",
    "DTM*472*20251202",
    "CAS*CO*197*100.00",
    "LQ*HE*M62",
    "CLP*TB00000003*22*-50.00*-30.00**12*ICN0003",
    "CAS*CO*45*-20.00",
    "NM1*QC*1*RIVERA*ALEX****MI*M123",
    "PLB*1234567893*20261231*WO:OVP123*17.50",
]


def transaction(body: list[str], control: str = "0001", se_count: int | None = None) -> list[str]:
    count = len(body) + 2 if se_count is None else se_count
    return [f"ST*835*{control}", *body, f"SE*{count}*{control}"]


def group(
    transactions: list[list[str]], control: str = "101", ge_count: int | None = None
) -> list[str]:
    count = len(transactions) if ge_count is None else ge_count
    segments = [f"GS*HP*ACMEHEALTH*THERABILL*20260105*1200*{control}*X*005010X221A1"]
    for tx in transactions:
        segments += tx
    return [*segments, f"GE*{count}*{control}"]


def interchange(
    groups: list[list[str]] | None = None,
    *,
    control: str = "000000101",
    iea_count: int | None = None,
) -> list[str]:
    if groups is None:
        groups = [group([transaction(THERAPY_BODY)])]
    isa = (
        "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *260105*1200*^*"
        f"00501*{control}*0*P*:"
    )
    segments = [isa]
    for g in groups:
        segments += g
    count = len(groups) if iea_count is None else iea_count
    return [*segments, f"IEA*{count}*{control}"]


def render(
    segments: list[str],
    *,
    element: str = "*",
    component: str = ":",
    terminator: str = "~",
    newline: str = "\n",
    repetition: str = "^",
) -> bytes:
    """Join segments, swapping in other delimiters (the sample data uses none of them)."""
    table = str.maketrans({"*": element, ":": component, "^": repetition})
    return "".join(s.translate(table) + terminator + newline for s in segments).encode()


def therapy_file(**options: str) -> bytes:
    return render(interchange(), **options)
