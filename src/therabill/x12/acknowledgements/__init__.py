"""Acknowledgements of the 837P files we sent: 999 (was the file well formed?) and 277CA
(was each claim accepted into the payer's adjudication system?).

- 999 (005010X231A1): AK1 names the functional group acknowledged (AK101: HC for claims;
  BE, HS… for other kinds of files: reported as not about claims) and its GS06; each AK2 one
  transaction (ST02) with its IK5 verdict (A accepted, E accepted with errors, R/M/W/X
  rejected) and the errors that caused it: IK3 (segment), its CTX (the claim it was in,
  ``CTX*CLM01:…``, and where), IK4 (element) and its CTX; AK9 gives the group's verdict, which
  stands for every transaction when the 999 lists none.
- 277CA (005010X214): per billing provider (loop 2200C) and per claim (loop 2200D: TRN*2 is
  our CLM01, several claims may sit under one patient), every STC segment and every one of
  its composites (STC01, STC10, STC11: category, status code, entity), REF*1K the payer's claim
  number, STC12 free text, and per service line (loop 2220D: SVC, STC, REF*FJ).
- TA1 (interchange acknowledgment, X12 control segments): TA101 the interchange (our ISA13)
  and TA104 its verdict (A, E, or R: the whole file rejected before any group was read) with
  TA105's note in plain words; a file may hold TA1s alone.
- Another version is refused by name: a 004010 group (GS08), a 997 (the 004010 acknowledgement)
  or a 277 that is not a 277CA (ST03 ``005010X212``: a claim status response).

Pure: ``read_acknowledgements(source)`` returns plain objects, ``iter_acknowledgements(source)``
the same one at a time as the file is read (flat memory); the store decides what they mean
for each claim. Read with the shared X12 tokenizer (``therabill.x12.reader``): linear in
the file, at most ``MAX_KEPT`` errors, statuses and lines kept per transaction or claim.

Reference: ASC X12N 005010X231A1 (999) and 005010X214 (277CA) loop and segment tables, as in
pyx12's maps ``999.5010X231.A1.xml`` and ``277.5010.X214.xml``.
"""

from __future__ import annotations

from therabill.x12.acknowledgements.model import (
    ACCEPTED_CATEGORIES,
    CLAIMS_GROUP,
    MAX_KEPT,
    REJECTED_ACKS,
    REJECTED_CATEGORIES,
    Acknowledgements,
    ClaimAck,
    InterchangeAck,
    LineAck,
    ProviderAck,
    Status,
    TransactionAck,
    describe,
)
from therabill.x12.acknowledgements.reading import Ack, iter_acknowledgements, read_acknowledgements

__all__ = [
    "ACCEPTED_CATEGORIES",
    "CLAIMS_GROUP",
    "MAX_KEPT",
    "REJECTED_ACKS",
    "REJECTED_CATEGORIES",
    "Ack",
    "Acknowledgements",
    "ClaimAck",
    "InterchangeAck",
    "LineAck",
    "ProviderAck",
    "Status",
    "TransactionAck",
    "describe",
    "iter_acknowledgements",
    "read_acknowledgements",
]
