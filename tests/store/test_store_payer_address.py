"""The payer's mailing address in the claim document (837P 2010BB N3/N4, CMS-1500 carrier
block): taken when the payer has it whole, left out when partial or malformed, so a payer
record never stops a claim."""

from __future__ import annotations

import pytest

from therabill.store.models import Payer
from therabill.store.services.documents import payer_address

WHOLE = {"address": "PO Box 14079", "city": "Lexington", "state": "KY", "postal_code": "40512-4079"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (WHOLE, ("PO Box 14079", None, "Lexington", "KY", "40512-4079")),
        ({**WHOLE, "address2": "Claims Unit"}, ("PO Box 14079", "Claims Unit", "Lexington", "KY", "40512-4079")),
        ({**WHOLE, "city": None}, None),  # partial: no carrier block to print
        ({**WHOLE, "postal_code": "4051"}, None),  # not a ZIP code
        ({}, None),
    ],
    ids=["whole", "two-lines", "no-city", "bad-zip", "none"],
)  # fmt: skip
def test_the_address_is_taken_whole_or_not_at_all(
    fields: dict[str, str | None], expected: tuple[str | None, ...] | None
) -> None:
    payer = Payer(name="Acme", profile_id="COMMERCIAL", **fields)
    found = payer_address(payer)
    got = None if found is None else (found.line1, found.line2, found.city, found.state, found.zip)
    assert got == expected
