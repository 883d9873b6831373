"""The segments an 835 (005010X221A1) may hold, and how many elements each must have.

Source: ASC X12N 005010X221A1 Health Care Claim Payment/Advice, table 1 (header, loops 1000A
payer and 1000B payee), table 2 (loops 2000 header number, 2100 claim payment, 2110 service
payment) and table 3 (PLB summary); control segments from appendix B. A segment id not listed
here makes the file non-conforming and is refused with ``X12Error``.
"""

from __future__ import annotations

SEGMENTS: dict[str, tuple[str, int]] = {
    # id: (what it carries, the least number of elements counting the id itself)
    "ISA": ("interchange header", 17),
    "GS": ("functional group header", 9),
    "ST": ("transaction set header", 3),
    "BPR": ("financial information: the payment", 5),
    "TRN": ("reassociation trace number (check/EFT number)", 3),
    "CUR": ("foreign currency", 3),
    "REF": ("reference", 3),
    "DTM": ("date", 3),
    "N1": ("party name (payer, payee)", 2),
    "N3": ("party address", 2),
    "N4": ("party city, state, ZIP", 2),
    "PER": ("contact", 2),
    "RDM": ("remittance delivery method", 2),
    "LX": ("header number", 2),
    "TS3": ("provider summary", 2),
    "TS2": ("provider supplemental summary", 2),
    "CLP": ("claim payment", 5),
    "CAS": ("adjustment", 4),
    "NM1": ("name", 3),
    "MIA": ("inpatient adjudication", 2),
    "MOA": ("outpatient adjudication", 1),
    "AMT": ("monetary amount", 3),
    "QTY": ("quantity", 3),
    "SVC": ("service payment", 4),
    "LQ": ("remark code", 3),
    "PLB": ("provider level adjustment", 5),
    "SE": ("transaction set trailer", 3),
    "GE": ("functional group trailer", 3),
    "TA1": ("interchange acknowledgement (skipped)", 6),
    "IEA": ("interchange trailer", 3),
}

ADJUSTMENT_GROUPS = frozenset({"CO", "PR", "OA", "PI"})
"""CAS01 claim adjustment group codes allowed in 005010 (CR was retired after 004010)."""

PARTIES = {"PR": "payer", "PE": "payee"}


def element_name(seg_id: str, index: int) -> str:
    """``CLP``, 3 -> ``CLP03``."""
    return f"{seg_id}{index:02d}"
