"""Claims to 837P text: interchange, group, transaction sets, hierarchy (HL) numbering.

``iter_837p`` streams the text of one interchange in chunks (memory stays flat whatever the
number of claims); ``render_837p`` joins it. ``write_batch`` makes one interchange per payer,
with control numbers from a ``ControlNumbers`` store. All pure: nothing here reads or writes
files.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from therabill.claims.document import Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p import loops
from therabill.x12.clearinghouse import Clearinghouse
from therabill.x12.control_numbers import ControlNumbers, FixedControlNumbers, envelope
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

VERSION = "005010X222A1"
FUNCTIONAL_ID = "HC"  # GS01: health care claim
# "The developers recommend that trading partners limit the size of the transaction (ST-SE
# envelope) to a maximum of 5000 CLM segments." (005010X222A1, section 1.4.4)
MAX_CLAIMS_PER_TRANSACTION = 5000
_CHUNK_SEGMENTS = 2000
_START = object()


def iter_837p(
    claims: Iterable[Claim],
    *,
    profile: Clearinghouse,
    interchange: int,
    group: int,
    transactions: Iterator[int],
    created: dt.datetime,
    claims_per_transaction: int = MAX_CLAIMS_PER_TRANSACTION,
) -> Iterator[str]:
    """The text of one interchange (one GS group) holding ``claims``, in chunks.

    A new ST/SE transaction starts every ``claims_per_transaction`` claims, numbered from
    ``transactions``. A claim that cannot be written raises ``TherabillError`` naming the
    field; callers write to a temporary file so nothing half-written is kept.
    """
    values = Values(profile.delimiters, uppercase=profile.format.uppercase)
    d = values.delimiters
    settings = profile.settings
    yield isa_segment(settings, interchange, created, values)
    yield gs_segment(settings, FUNCTIONAL_ID, group, created, VERSION, values)
    count = 0
    source = iter(claims)
    while True:
        chunk = list(itertools.islice(source, claims_per_transaction))
        if not chunk:
            break
        count += 1
        yield from _transaction(chunk, profile, values, st_number(next(transactions)), created)
    if count == 0:
        raise InvalidInput("no claims to write", field="claims")
    yield trailer("GE", count, str(group), d)
    yield trailer("IEA", 1, f"{interchange:09d}", d)


def render_837p(
    claims: Iterable[Claim],
    *,
    profile: Clearinghouse,
    interchange: int,
    group: int,
    transactions: Iterator[int],
    created: dt.datetime,
) -> str:
    """The whole interchange as one string (see ``iter_837p``)."""
    return "".join(
        iter_837p(
            claims,
            profile=profile,
            interchange=interchange,
            group=group,
            transactions=transactions,
            created=created,
        )
    )


def _transaction(
    claims: list[Claim], profile: Clearinghouse, v: Values, number: str, created: dt.datetime
) -> Iterator[str]:
    seg = Segments(v.delimiters)
    seg.add("ST", "837", number, VERSION)
    # BHT: 0019 information source/subscriber/dependent structure, 00 original, CH chargeable.
    seg.add("BHT", "0019", "00", number, date8(created.date()), time4(created), "CH")
    loops.submitter_and_receiver(seg, v, profile)
    hl = 0
    billing_hl = 0
    current: object = _START  # not None: a claim without a billing provider must be refused
    for key, claim in _grouped_by_billing_provider(claims):
        try:
            if key != current:
                hl += 1
                billing_hl = hl
                loops.billing_provider(seg, v, claim, hl, key[-1] if key else None)
                current = key
            hl += 1
            subscriber_hl = hl
            loops.subscriber(seg, v, claim, hl, billing_hl)
            if claim.subscriber is not None:
                hl += 1
                loops.patient(seg, v, claim, hl, subscriber_hl)
            loops.claim_information(seg, v, claim)
        except InvalidInput as exc:
            exc.message = f"claim {claim.claim_id!r}: {exc.message}"
            raise
        if len(seg.parts) >= _CHUNK_SEGMENTS:
            yield seg.take()
    seg.add("SE", str(seg.count + 1), number)
    yield seg.take()


def _grouped_by_billing_provider(
    claims: list[Claim],
) -> list[tuple[loops.BillingKey | None, Claim]]:
    """Claims of one billing provider together (stable), so each gets one 2000A loop."""
    keyed = [(loops.billing_key(claim), claim) for claim in claims]
    order: dict[object, int] = {}
    for key, _ in keyed:
        if key not in order:
            order[key] = len(order)
    if len(order) > 1:
        keyed.sort(key=lambda pair: order[pair[0]])
    return keyed


@dataclass(frozen=True)
class ClaimFile:
    """One 837P interchange for one payer: its text and what it holds."""

    payer_id: str
    payer_name: str
    claim_ids: tuple[str, ...]
    interchange: int
    text: str

    @property
    def payer_slug(self) -> str:
        """The payer id made safe for a file name."""
        return re.sub(r"[^A-Za-z0-9_-]+", "_", self.payer_id)

    @property
    def file_name(self) -> str:
        return f"837P-{self.payer_slug}-{self.interchange:09d}.x12"


def by_payer(claims: Sequence[Claim]) -> dict[str, list[Claim]]:
    """Claims grouped by the payer's EDI id, in order of first appearance."""
    groups: dict[str, list[Claim]] = {}
    seen: set[str] = set()
    for index, claim in enumerate(claims):
        if claim.claim_id in seen:
            raise InvalidInput(
                f"claim id {claim.claim_id!r} appears twice in the batch",
                field=f"claims[{index}].claim_id",
            )
        seen.add(claim.claim_id)
        payer_id = claim.payer.payer_id
        if not payer_id:
            raise InvalidInput(
                f"claim {claim.claim_id!r}: missing: files are made per payer EDI id (2010BB)",
                field="payer.payer_id",
            )
        groups.setdefault(payer_id, []).append(claim)
    return groups


def write_batch(
    claims: Sequence[Claim],
    *,
    profile: Clearinghouse,
    numbers: ControlNumbers,
    created: dt.datetime,
) -> list[ClaimFile]:
    """One 837P per payer. Every claim is written once with stand-in numbers first, so a bad
    claim is refused before any control number is used up."""
    groups = by_payer(claims)
    if not groups:
        raise InvalidInput("no claims to write", field="claims")
    for group_claims in groups.values():
        _, chunks = _render_group(group_claims, profile, FixedControlNumbers(), created)
        for _ in chunks:
            pass
    files = []
    for payer_id, group_claims in groups.items():
        interchange, chunks = _render_group(group_claims, profile, numbers, created)
        files.append(
            ClaimFile(
                payer_id=payer_id,
                payer_name=group_claims[0].payer.name or payer_id,
                claim_ids=tuple(c.claim_id for c in group_claims),
                interchange=interchange,
                text="".join(chunks),
            )
        )
    return files


def _render_group(
    claims: list[Claim], profile: Clearinghouse, numbers: ControlNumbers, created: dt.datetime
) -> tuple[int, Iterator[str]]:
    n_transactions = -(-len(claims) // MAX_CLAIMS_PER_TRANSACTION)
    interchange, group, transactions = envelope(numbers, n_transactions)
    chunks = iter_837p(
        claims,
        profile=profile,
        interchange=interchange,
        group=group,
        transactions=iter(transactions),
        created=created,
    )
    return interchange, chunks
