"""Eligibility and benefits: the 270 request and the 271 response (ASC X12N 005010X279A1).

- ``write_270`` (``request.py``): one inquiry for one client's policy, with the clearinghouse
  profile's ISA/GS ids, TRN*1 carrying our trace number so the 271 finds its policy, and one
  EQ per service type asked about (30 plan coverage, then PT/AE, AD, AF, 33, MH…).
- ``iter_271`` / ``read_271`` (``reading.py``): each member's answer, streamed, bounded.
- ``summarize`` / ``headline`` (``summary.py``): what a biller reads from it.
- ``codes.py``: service types, rejection reasons and follow-ups, each table citing its source.

Pure: text in, objects out; the store keeps the result on the client's policy.
"""

from __future__ import annotations

from therabill.x12.eligibility.model import (
    Benefit,
    Delivery,
    EligibilityResponse,
    Rejection,
)
from therabill.x12.eligibility.reading import iter_271, read_271
from therabill.x12.eligibility.request import Inquiry, Person, write_270
from therabill.x12.eligibility.summary import EligibilitySummary, headline, summarize

__all__ = [
    "Benefit",
    "Delivery",
    "EligibilityResponse",
    "EligibilitySummary",
    "Inquiry",
    "Person",
    "Rejection",
    "headline",
    "iter_271",
    "read_271",
    "summarize",
    "write_270",
]
