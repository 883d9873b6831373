"""The header of an 835 transaction: BPR, TRN, REF, DTM*405 and the payer/payee N1 loops.

Seen once per transaction, so written for clarity, not speed (the claims are in
``parsing``).
"""

from __future__ import annotations

import datetime as dt

from therabill.x12.reader import Envelope, X12Error
from therabill.x12.remittance_835.model import Party, RemittanceHeader
from therabill.x12.remittance_835.values import BadValue, Values


def _get(elements: list[str], index: int) -> str:
    return elements[index] if index < len(elements) else ""


class _PartyBuilder:
    def __init__(self, elements: list[str]) -> None:
        self.role = _get(elements, 1)
        self.name = _get(elements, 2)
        self.id_qualifier = _get(elements, 3)
        self.id = _get(elements, 4)
        self.address: tuple[str, ...] = ()
        self.city = self.state = self.postal_code = ""
        self.references: list[tuple[str, str]] = []
        self.contacts: list[tuple[str, ...]] = []

    def build(self) -> Party:
        return Party(
            role=self.role,
            name=self.name,
            id_qualifier=self.id_qualifier,
            id=self.id,
            address=self.address,
            city=self.city,
            state=self.state,
            postal_code=self.postal_code,
            references=tuple(self.references),
            contacts=tuple(self.contacts),
        )


class HeaderBuilder:
    """Collects the header segments of one transaction; ``build()`` checks BPR and TRN."""

    def __init__(
        self, file: str, envelope: Envelope, st: list[str], number: int, values: Values
    ) -> None:
        self.file = file
        self.values = values
        isa = envelope.isa or []
        gs = envelope.gs or []
        self.envelope = (
            _get(isa, 13).strip(),
            _get(isa, 6).strip(),
            _get(isa, 8).strip(),
            _get(gs, 6).strip(),
            _get(gs, 8).strip() or _get(st, 3).strip(),
        )
        self.st_control = _get(st, 2).strip()
        self.number = number
        self.bpr: list[str] | None = None
        self.bpr_number = 0
        self.trn: list[str] | None = None
        self.production_date: str = ""
        self.references: list[tuple[str, str]] = []
        self.parties: list[_PartyBuilder] = []

    def add(self, tag: str, elements: list[str], number: int) -> None:
        """One header segment; ``tag`` is already known to be an 835 segment."""
        party = self.parties[-1] if self.parties else None
        if tag == "BPR":
            self.bpr, self.bpr_number = elements, number
        elif tag == "TRN":
            self.trn = elements
        elif tag == "DTM":
            if _get(elements, 1) == "405":
                self.production_date = _get(elements, 2)
            self.values.optional_date(_get(elements, 2), "DTM02")
        elif tag == "N1":
            self.parties.append(_PartyBuilder(elements))
        elif tag == "REF":
            pair = (_get(elements, 1), _get(elements, 2))
            (party.references if party else self.references).append(pair)
        elif party is None and tag in ("N3", "N4", "PER", "RDM"):
            raise X12Error(
                f"{tag} before any N1: it must follow the payer's or payee's N1",
                file=self.file,
                segment_number=number,
                segment_id=tag,
            )
        elif party is not None and tag == "N3":
            party.address = tuple(e for e in elements[1:3] if e)
        elif party is not None and tag == "N4":
            party.city, party.state, party.postal_code = (_get(elements, i) for i in (1, 2, 3))
        elif party is not None and tag == "PER":
            party.contacts.append(tuple(elements[1:]))
        # CUR and RDM carry nothing therabill uses; they are accepted as they are.

    def build(self, number: int) -> RemittanceHeader:
        """The header, once the first claim (or the end of the transaction) is reached."""
        bpr, trn = self.bpr, self.trn
        for seg, found in (("BPR", bpr), ("TRN", trn)):
            if found is None:
                raise X12Error(
                    f"transaction {self.st_control} has no {seg} before its claims",
                    file=self.file,
                    segment_number=number,
                    hint="An 835 starts with BPR (the payment) and TRN (its trace number).",
                )
        assert bpr is not None and trn is not None
        v = self.values
        try:
            payment = v.amount(_get(bpr, 2), "BPR02")
        except BadValue as exc:  # named at the BPR, not at the segment that ended the header
            raise X12Error(
                exc.message,
                file=self.file,
                segment_number=self.bpr_number,
                segment_id="BPR",
                element=exc.element,
            ) from None
        parties = {p.role: p.build() for p in reversed(self.parties)}
        interchange, sender, receiver, group, version = self.envelope
        return RemittanceHeader(
            file=self.file,
            interchange_control_number=interchange,
            sender_id=sender,
            receiver_id=receiver,
            group_control_number=group,
            version=version,
            transaction_control_number=self.st_control,
            segment_number=self.number,
            handling_code=_get(bpr, 1),
            payment_amount=payment,
            credit_debit=_get(bpr, 3),
            payment_method=_get(bpr, 4),
            payment_format=_get(bpr, 5),
            payment_date=_lenient_date(v, _get(bpr, 16)),
            trace_type=_get(trn, 1),
            trace_number=_get(trn, 2),
            payer_identifier=_get(trn, 3),
            production_date=v.optional_date(self.production_date, "DTM02"),
            payer=parties.get("PR"),
            payee=parties.get("PE"),
            references=tuple(self.references),
        )


def _lenient_date(values: Values, text: str) -> dt.date | None:
    """BPR16, the effective payment date: real files carry impossible dates here (one
    LinuxForHealth sample has 20002316); that loses nothing a biller posts, so ``None``."""
    try:
        return values.optional_date(text, "BPR16")
    except BadValue:
        return None
