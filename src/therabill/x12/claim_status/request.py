"""The 276 claim status request writer (005010X212): claims to ask about in, X12 text out.

Loops and segments as the guide lays them out (its example "claim level status request",
section 3, as LinuxForHealth x12 ships it): 2000A information source (the payer: HL*20,
NM1*PR), 2000B information receiver (the submitter: HL*21, NM1*41 with its ETIN, NM108 46),
2000C service provider (the billing provider: HL*19, NM1*1P with its NPI), 2000D subscriber
(HL*22; DMG "required when the subscriber is the patient"; NM1*IL with the member id), 2000E
dependant (HL*23, DMG, NM1*QC) when the patient is not the subscriber, and the claim's 2200D/E:
TRN*1, REF*1K, REF*EJ, AMT*T3, DTP*472.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from therabill.errors import InvalidInput
from therabill.x12.clearinghouse import Clearinghouse
from therabill.x12.writer import (
    Segments,
    Values,
    date8,
    gs_segment,
    isa_segment,
    st_number,
    time4,
    trailer,
)

VERSION = "005010X212"
FUNCTIONAL_ID = "HR"  # GS01: health care claim status request


@dataclass(frozen=True, slots=True)
class StatusQuery:
    """One claim to ask about: who pays, who billed, who is insured, which claim."""

    claim_number: str  # our CLM01: TRN02 and REF*EJ
    charge: Decimal  # AMT*T3
    first_day: dt.date  # DTP*472
    last_day: dt.date
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    subscriber_last: str
    subscriber_first: str
    member_id: str
    subscriber_birth_date: dt.date | None = None
    subscriber_sex: str = ""
    patient_last: str = ""  # set when the patient is not the subscriber
    patient_first: str = ""
    patient_birth_date: dt.date | None = None
    patient_sex: str = ""
    payer_claim_number: str = ""  # REF*1K, once the payer gave one
    trace_number: str = ""  # TRN02 when not the claim number (the 277 echoes it in TRN*2)


def write_276(
    queries: Sequence[StatusQuery],
    *,
    profile: Clearinghouse,
    interchange: int,
    group: int,
    transaction: int,
    created: dt.datetime,
) -> str:
    """One interchange, one group, one transaction asking about every claim of ``queries``
    (grouped by payer, then billing provider). A value the 276 cannot carry raises
    ``InvalidInput`` naming the claim and the field."""
    if not queries:
        raise InvalidInput("no claims to ask about", field="claims")
    values = Values(profile.delimiters, uppercase=profile.format.uppercase)
    d = values.delimiters
    number = st_number(transaction)
    seg = Segments(d)
    seg.add("ST", "276", number, VERSION)
    # BHT: 0010 information source/receiver/provider/subscriber/dependent; 13 request.
    seg.add("BHT", "0010", "13", number, date8(created.date()), time4(created))
    hl = 0
    by_payer: dict[tuple[str, str], dict[tuple[str, str], list[StatusQuery]]] = {}
    for query in queries:
        payer = by_payer.setdefault((query.payer_id, query.payer_name), {})
        payer.setdefault((query.provider_npi, query.provider_name), []).append(query)
    submitter = profile.submitter
    for (payer_id, payer_name), providers in by_payer.items():
        hl += 1
        source = hl
        seg.add("HL", str(hl), "", "20", "1")
        seg.add(
            "NM1", "PR", "2", values.text(payer_name, "payer.name", 60),
            "", "", "", "", "PI", values.ident(payer_id, "payer.payer_id", 80, 2),
        )  # fmt: skip
        hl += 1
        receiver = hl
        seg.add("HL", str(hl), str(source), "21", "1")
        seg.add(
            "NM1", "41", "2", values.text(submitter.name, "submitter.name", 60),
            "", "", "", "", "46", values.ident(submitter.id, "submitter.id", 80, 2),
        )  # fmt: skip
        for (npi, name), claims in providers.items():
            hl += 1
            provider = hl
            seg.add("HL", str(hl), str(receiver), "19", "1")
            if not (len(npi) == 10 and npi.isascii() and npi.isdigit()):
                raise InvalidInput(f"{npi!r} is not a 10-digit NPI", field="billing_provider.npi")
            seg.add("NM1", "1P", "2", values.text(name, "billing_provider.name", 60),
                    "", "", "", "", "XX", npi)  # fmt: skip
            for query in claims:
                try:
                    hl = _claim(seg, values, query, hl, provider)
                except InvalidInput as exc:
                    # the shared value checks speak of the 837P, their first user
                    said = exc.message.replace("the 837P", "the 276")
                    exc.message = f"claim {query.claim_number!r}: {said}"
                    raise
    seg.add("SE", str(seg.count + 1), number)
    return (
        isa_segment(profile.settings, interchange, created, values)
        + gs_segment(profile.settings, FUNCTIONAL_ID, group, created, VERSION, values)
        + seg.take()
        + trailer("GE", 1, str(group), d)
        + trailer("IEA", 1, f"{interchange:09d}", d)
    )


def _demographics(seg: Segments, born: dt.date | None, sex: str, field: str) -> None:
    if born is None:
        raise InvalidInput("a date of birth is needed (DMG02)", field=f"{field}.birth_date")
    seg.add("DMG", "D8", date8(born), sex if sex in ("F", "M", "U") else "")


def _claim(seg: Segments, v: Values, query: StatusQuery, hl: int, provider: int) -> int:
    """2000D (and 2000E) with the claim's 2200 loop; returns the last HL number used."""
    dependant = bool(query.patient_last)
    hl += 1
    seg.add("HL", str(hl), str(provider), "22", "1" if dependant else "0")
    if not dependant:
        # DMG: "Required when the subscriber is the patient" (2000D).
        _demographics(seg, query.subscriber_birth_date, query.subscriber_sex, "subscriber")
    seg.add(
        "NM1", "IL", "1", v.text(query.subscriber_last, "subscriber.last_name", 60),
        v.text(query.subscriber_first, "subscriber.first_name", 35, 0),
        "", "", "", "MI", v.ident(query.member_id, "subscriber.member_id", 80, 2),
    )  # fmt: skip
    if dependant:
        hl += 1
        seg.add("HL", str(hl), str(hl - 1), "23")
        _demographics(seg, query.patient_birth_date, query.patient_sex, "patient")
        seg.add(
            "NM1", "QC", "1", v.text(query.patient_last, "patient.last_name", 60),
            v.text(query.patient_first, "patient.first_name", 35, 0),
        )  # fmt: skip
    claim = v.ident(query.claim_number, "claim_number", 50)
    seg.add(
        "TRN", "1", v.ident(query.trace_number, "trace_number", 50) if query.trace_number else claim
    )
    if query.payer_claim_number:
        seg.add("REF", "1K", v.ident(query.payer_claim_number, "payer_claim_number", 50))
    seg.add("REF", "EJ", claim)
    seg.add("AMT", "T3", v.money(query.charge, "charge"))
    if query.first_day == query.last_day:
        seg.add("DTP", "472", "D8", date8(query.first_day))
    else:
        seg.add("DTP", "472", "RD8", f"{date8(query.first_day)}-{date8(query.last_day)}")
    return hl
