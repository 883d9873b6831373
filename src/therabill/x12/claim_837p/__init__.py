"""The 837P professional claim (ASC X12 005010X222A1) writer: claim documents in, text out."""

from therabill.x12.claim_837p.transaction import (
    MAX_CLAIMS_PER_TRANSACTION,
    VERSION,
    ClaimFile,
    by_payer,
    iter_837p,
    render_837p,
    write_batch,
)

__all__ = [
    "MAX_CLAIMS_PER_TRANSACTION",
    "VERSION",
    "ClaimFile",
    "by_payer",
    "iter_837p",
    "render_837p",
    "write_batch",
]
