"""Whether an 835 pays this practice: its payee (loop 1000B) against the practice's own ids.

An 835 names whom it pays in the payee loop: N1*PE with an identification code qualified
``XX`` (the NPI), ``FI`` (the federal tax id) or ``XV`` (a CMS plan id), and optionally
REF*TJ (the federal tax id) beside an NPI. Source: ASC X12 005010X221A1, loop 1000B, N103
codes FI, XV, XX and REF01 codes 0B, D3, PQ, TJ (the same codes as pyx12's map
``835.5010.X221.A1.xml``). The payee is the billing provider of the claims it pays: the
837P's loop 2010AA NPI and tax id (here the practice's NPI and tax id).

A billing office whose practices share one clearinghouse mailbox receives every practice's
835s in it. Posting one practice's 835 into another would put the second practice's money,
clients' names and amounts in the first one's books. So a file whose payee carries an NPI
or tax id of a kind the practice has on file, and matches none of the practice's, is not
this practice's.

What cannot be compared never refuses a file: a payee without an id, an id of a kind the
practice has not entered (a practice without a tax id on file is not compared by tax id),
an ``XV`` plan id, or a REF*PQ/0B/D3 payer-assigned number.

Pure: plain data in, a reason or None out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from therabill.x12.remittance_835.model import Party

NPI = "XX"
TAX_ID = "FI"
TAX_ID_REFERENCE = "TJ"
REFUSAL = "the payee (N1*PE) is "
"""How every reason :func:`not_ours` gives begins (a quarantined file's reason is kept as text)."""


@dataclass(frozen=True, slots=True)
class OwnIds:
    """The ids a payer may pay this practice under: its NPI, its providers' NPIs (a solo
    therapist may be paid under their own) and its tax id(s)."""

    npis: frozenset[str]
    tax_ids: frozenset[str]
    shown: str  # how a message names them: the practice's NPI and tax id, providers counted

    @classmethod
    def of(
        cls,
        practice_npi: str | None,
        provider_npis: Iterable[str | None],
        tax_ids: Iterable[str | None],
    ) -> OwnIds:
        own = (practice_npi or "").strip()
        providers = {n.strip() for n in provider_npis if n and n.strip()} - {own}
        taxes = frozenset(t for t in (digits(x) for x in tax_ids if x) if t)
        named = [f"NPI {own}"] if own else []
        if providers:
            many = len(providers) > 1
            named.append(f"{len(providers)} providers' NPIs" if many else "1 provider's NPI")
        named += [f"tax id {t}" for t in sorted(taxes)]
        return cls(frozenset(providers | ({own} if own else set())), taxes, ", ".join(named))


def digits(tax_id: str) -> str:
    """A tax id as its digits only: 12-3456789 and 123456789 are the same EIN."""
    return re.sub(r"\D", "", tax_id)


def payee_ids(payee: Party) -> tuple[set[str], set[str]]:
    """The payee's NPIs and tax ids (digits only) as the 835 gives them."""
    npis: set[str] = set()
    tax_ids: set[str] = set()
    if payee.id_qualifier == NPI and payee.id.strip():
        npis.add(payee.id.strip())
    elif payee.id_qualifier == TAX_ID and digits(payee.id):
        tax_ids.add(digits(payee.id))
    for qualifier, value in payee.references:
        if qualifier == TAX_ID_REFERENCE and digits(value):
            tax_ids.add(digits(value))
    return npis, tax_ids


def not_ours(payee: Party | None, own: OwnIds) -> str | None:
    """Why ``payee`` is not this practice (None: it is, or nothing can be compared).

    The payee is this practice when any id it carries, of a kind the practice has on file,
    is the practice's; it is not when it carries such ids and none match."""
    if payee is None:
        return None
    npis, tax_ids = payee_ids(payee)
    comparable = []
    if own.npis and npis:
        if npis & own.npis:
            return None
        comparable.append(f"NPI {', '.join(sorted(npis))}")
    if own.tax_ids and tax_ids:
        if tax_ids & own.tax_ids:
            return None
        comparable.append(f"tax id {', '.join(sorted(tax_ids))}")
    if not comparable:
        return None
    name = f"{payee.name} " if payee.name else ""
    return (
        f"{REFUSAL}{name}({' and '.join(comparable)}), not this practice "
        f"({own.shown}): another practice's file"
    )


def is_payee_refusal(reason: str) -> bool:
    """Whether a quarantined file's reason is its payee (and nothing else was wrong with it)."""
    return reason.startswith(REFUSAL)
