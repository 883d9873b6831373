"""Claim status: the request (276) and the payer's response (277), ASC X12 005010X212.

- ``write_276(queries, …)`` asks a payer about claims already sent: one 2000A loop per payer,
  2000B the submitter (the clearinghouse profile's), 2000C the billing provider, 2000D the
  subscriber (DMG when the patient is the subscriber) and 2000E the patient when a dependant;
  each claim's 2200 loop carries TRN*1 (our claim number, echoed in the 277's TRN*2), REF*1K
  (the payer's claim number, once an answer gave one), REF*EJ (the patient control number,
  837P CLM01), AMT*T3 (the charge) and DTP*472 (the dates of service).
- ``read_277(source)`` reads the answer (``iter_277`` one claim at a time, in flat memory): per claim (loop 2200D/E) every STC composite
  (STC01, STC10, STC11: category, status and entity codes, described in plain words from
  ``data/status_codes.csv``), the status date, charge, payment, adjudication and check date
  and number, REF*1K, REF*EJ, the dates of service, and each service line (SVC, its STC,
  REF*FJ); statuses about the whole request or a provider (loops 2200B, 2200C).

Pure: text in, objects out. Reads with the shared tokenizer (``therabill.x12.reader``):
linear in the file, at most ``MAX_KEPT`` statuses and lines per claim. A 277CA (005010X214)
is named and sent to ``therabill x12 ack``.

Reference: ASC X12N 005010X212 loop and segment tables, as in pyx12's map
``277.5010.X212.xml``; the guide's own examples as LinuxForHealth x12 ships them
(src/tests/resources/276_005010X212, 277_005010X212).
"""

from __future__ import annotations

from therabill.x12.claim_status.codes import (
    category_action,
    describe_category,
    describe_status,
    status_codes,
)
from therabill.x12.claim_status.model import (
    MAX_KEPT,
    ClaimStatus,
    ClaimStatusResponse,
    LevelStatus,
    LineStatus,
    Status,
)
from therabill.x12.claim_status.reading import iter_277, read_277
from therabill.x12.claim_status.request import VERSION, StatusQuery, write_276

__all__ = [
    "MAX_KEPT",
    "VERSION",
    "ClaimStatus",
    "ClaimStatusResponse",
    "LevelStatus",
    "LineStatus",
    "Status",
    "StatusQuery",
    "category_action",
    "describe_category",
    "describe_status",
    "iter_277",
    "read_277",
    "status_codes",
    "write_276",
]
