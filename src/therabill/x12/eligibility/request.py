"""The 270 eligibility inquiry (005010X279A1): one client's policy, asked of its payer.

One interchange (ISA/GS from the clearinghouse profile) with one transaction per inquiry:
2000A/2100A the payer (NM1*PR, PI = its payer id), 2000B/2100B the practice (NM1*1P, XX = its
NPI), 2000C/2100C the subscriber (NM1*IL, MI = member id; REF*6P group number; DMG; DTP*291
date of service) and, when the client is a dependent without an id of their own, 2000D/2100D
the client (NM1*03). TRN*1 carries our trace number: the payer echoes it in the 271 (TRN*2),
which is how the answer finds its policy. One EQ per service type asked about (loop 2110C/D).

Segment order and codes: ASC X12N 005010X279A1, as in pyx12's map ``270.5010.X279.A1.xml``
(github.com/azoner/pyx12, commit a564361), the judge of every 270 in the tests.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

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

VERSION = "005010X279A1"
FUNCTIONAL_ID = "HS"  # GS01: eligibility, coverage or benefit inquiry (270)
MAX_SERVICE_TYPES = 99  # loop 2110C repeats at most 99 times
_TRACE = re.compile(r"^[A-Za-z0-9-]{1,50}$")


@dataclass(frozen=True, slots=True)
class Person:
    last_name: str
    first_name: str
    birth_date: dt.date | None
    sex: str = "U"
    member_id: str = ""


@dataclass(frozen=True, slots=True)
class Inquiry:
    """Everything one 270 transaction needs."""

    trace: str  # TRN02, echoed back in the 271
    payer_name: str
    payer_id: str
    provider_name: str
    provider_npi: str
    subscriber: Person
    date_of_service: dt.date
    patient: Person | None = None  # the client, when a dependent of the subscriber
    group_number: str = ""
    service_types: tuple[str, ...] = field(default=("30",))


def _originator(npi: str) -> str:
    """TRN03: ten characters, '9' (a number we assign) then the NPI's first nine digits."""
    return "9" + npi[:9]


def _person(
    seg: Segments, v: Values, entity: str, person: Person, where: str, with_id: bool
) -> None:
    name = [
        "NM1",
        entity,
        "1",
        v.text(person.last_name, f"{where}.last_name", max_length=60),
        v.text(person.first_name, f"{where}.first_name", max_length=35, min_length=0),
    ]
    if with_id:
        name += ["", "", "", "MI", v.ident(person.member_id, f"{where}.member_id", max_length=80)]
    seg.add(*name)


def _demographics(seg: Segments, v: Values, person: Person, where: str) -> None:
    if person.birth_date is not None:
        sex = person.sex if person.sex in ("M", "F") else ""
        seg.add("DMG", "D8", v.date8(person.birth_date), sex)


def _benefits(seg: Segments, v: Values, inquiry: Inquiry, types: tuple[str, ...]) -> None:
    seg.add("DTP", "291", "D8", v.date8(inquiry.date_of_service))
    for code in types:
        seg.add("EQ", code)


def _transaction(
    seg: Segments, v: Values, inquiry: Inquiry, number: str, created: dt.datetime
) -> None:
    if not _TRACE.match(inquiry.trace):
        raise InvalidInput(f"{inquiry.trace!r} is not a trace number", field="trace")
    if not re.fullmatch(r"\d{10}", inquiry.provider_npi or ""):
        raise InvalidInput(
            "the practice needs its 10-digit NPI to ask a payer about eligibility",
            field="practice.npi",
            hint="Set it with: therabill practice set --npi …",
        )
    if not inquiry.payer_id:
        raise InvalidInput(
            f"payer {inquiry.payer_name!r} has no EDI payer id",
            field="payer.payer_id",
            hint="Add the payer id the clearinghouse lists for this payer.",
        )
    types = inquiry.service_types or ("30",)
    if len(types) > MAX_SERVICE_TYPES:
        raise InvalidInput(f"at most {MAX_SERVICE_TYPES} service types", field="--service-type")
    if not inquiry.subscriber.member_id:
        raise InvalidInput("the policy has no member id", field="policy.member_id")
    seg.add("ST", "270", number, VERSION)
    # BHT: 0022 information source, receiver, subscriber, dependent; 13 request.
    seg.add("BHT", "0022", "13", inquiry.trace, date8(created.date()), time4(created))
    seg.add("HL", "1", "", "20", "1")
    seg.add(
        "NM1", "PR", "2", v.text(inquiry.payer_name, "payer.name", max_length=60),
        "", "", "", "", "PI", v.ident(inquiry.payer_id, "payer.payer_id", max_length=80, min_length=2),
    )  # fmt: skip
    seg.add("HL", "2", "1", "21", "1")
    seg.add(
        "NM1", "1P", "2", v.text(inquiry.provider_name, "practice.name", max_length=60),
        "", "", "", "", "XX", inquiry.provider_npi,
    )  # fmt: skip
    dependent = inquiry.patient is not None
    seg.add("HL", "3", "2", "22", "1" if dependent else "0")
    if not dependent:
        seg.add("TRN", "1", inquiry.trace, _originator(inquiry.provider_npi))
    _person(seg, v, "IL", inquiry.subscriber, "subscriber", with_id=True)
    if inquiry.group_number:
        seg.add("REF", "6P", v.ident(inquiry.group_number, "policy.group_number", max_length=50))
    _demographics(seg, v, inquiry.subscriber, "subscriber")
    if inquiry.patient is None:
        _benefits(seg, v, inquiry, types)
    else:
        seg.add("HL", "4", "3", "23", "0")
        seg.add("TRN", "1", inquiry.trace, _originator(inquiry.provider_npi))
        _person(seg, v, "03", inquiry.patient, "client", with_id=False)
        _demographics(seg, v, inquiry.patient, "client")
        _benefits(seg, v, inquiry, types)
    seg.add("SE", str(seg.count + 1), number)


def write_270(
    inquiries: Sequence[Inquiry],
    *,
    profile: Clearinghouse,
    interchange: int,
    group: int,
    transactions: Sequence[int],
    created: dt.datetime,
) -> str:
    """One interchange, one group, one transaction per inquiry; refuses (naming the field)
    an inquiry the 270 cannot carry."""
    if not inquiries:
        raise InvalidInput("no eligibility inquiry to write", field="client")
    if len(transactions) < len(inquiries):
        raise InvalidInput("one transaction control number per inquiry", field="transactions")
    values = Values(profile.delimiters, uppercase=profile.format.uppercase)
    d = values.delimiters
    settings = profile.settings
    seg = Segments(d)
    out = [
        isa_segment(settings, interchange, created, values),
        gs_segment(settings, FUNCTIONAL_ID, group, created, VERSION, values),
    ]
    for inquiry, number in zip(inquiries, transactions, strict=False):
        seg.count = 0
        _transaction(seg, values, inquiry, st_number(number), created)
        out.append(seg.take())
    out.append(trailer("GE", len(inquiries), str(group), d))
    out.append(trailer("IEA", 1, f"{interchange:09d}", d))
    return "".join(out)
