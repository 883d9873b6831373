"""835 remittance reader (005010X221A1): what the payer paid, claim by claim, and why.

The API the poster (and anyone else) uses:

- ``iter_835(*sources)`` streams events, in file order, for every 835 transaction (ST…SE)
  of every source: a ``RemittanceHeader`` (payment, trace number, payer, payee), then each
  ``ClaimPayment`` (with its ``ServicePayment`` lines and ``Adjustment``s), then a
  ``RemittanceEnd`` (PLB provider adjustments, claim count). Memory stays flat whatever the
  file size. A transaction is only whole once its ``RemittanceEnd`` has arrived: an error
  (say, a wrong SE01 count) can come after some of its claims were yielded, so a poster
  must post a file all-or-nothing.
- ``iter_claims(*sources)`` yields only the ``ClaimPayment``s.
- ``read_835(*sources) -> list[Remittance]``: the whole files in memory.
- ``check_balance(remittance)`` and friends (``balancing``): the file's own arithmetic,
  as a list of ``BalanceProblem`` (empty when it balances).

A source is a path, the file's bytes, or a binary file object; errors are ``X12Error``
naming the file, segment number, segment id and element. Files starting at ST (no ISA/GS)
are read; see ``therabill.x12.reader`` for every rule of the tokenizer.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator

from therabill.x12.reader import SegmentReader, Source, X12Error
from therabill.x12.remittance_835.balancing import (
    BalanceProblem,
    check_balance,
    check_claim,
    check_line,
    check_payment,
)
from therabill.x12.remittance_835.model import (
    Adjustment,
    ClaimPayment,
    Name,
    Party,
    ProviderAdjustment,
    Remittance,
    RemittanceEnd,
    RemittanceHeader,
    ServicePayment,
)
from therabill.x12.remittance_835.parsing import Event, parse_source

__all__ = [
    "Adjustment",
    "BalanceProblem",
    "ClaimPayment",
    "Event",
    "Name",
    "Party",
    "ProviderAdjustment",
    "Remittance",
    "RemittanceEnd",
    "RemittanceHeader",
    "ServicePayment",
    "Source",
    "X12Error",
    "check_balance",
    "check_claim",
    "check_line",
    "check_payment",
    "iter_835",
    "iter_claims",
    "read_835",
]


def iter_835(*sources: Source) -> Iterator[Event]:
    """Header, claims and end of every 835 transaction in ``sources``, streamed in order."""
    if not sources:
        raise X12Error("no 835 file given")
    for source in sources:
        reader = SegmentReader(source)
        try:
            yield from parse_source(reader)
        finally:
            reader.close()


def iter_claims(*sources: Source) -> Iterator[ClaimPayment]:
    """Only the claim payments of ``sources``, streamed (envelope still fully checked)."""
    if not sources:
        raise X12Error("no 835 file given")
    for source in sources:  # iter_835 inlined: one generator less per claim
        reader = SegmentReader(source)
        try:
            for event in parse_source(reader):
                if type(event) is ClaimPayment:
                    yield event
        finally:
            reader.close()


def read_835(*sources: Source) -> list[Remittance]:
    """Every 835 transaction of ``sources`` as a whole ``Remittance``, in file order.

    The cyclic garbage collector is paused while the objects pile up (they hold no cycles):
    otherwise its full passes over a growing heap double the time of a large file.
    """
    remittances = []
    claims: list[ClaimPayment] = []
    collecting = gc.isenabled()
    gc.disable()
    try:
        for event in iter_835(*sources):
            if type(event) is ClaimPayment:
                claims.append(event)
            elif type(event) is RemittanceEnd:
                remittances.append(
                    Remittance(event.header, tuple(claims), event.provider_adjustments)
                )
                claims = []
    finally:
        if collecting:
            gc.enable()
    return remittances
