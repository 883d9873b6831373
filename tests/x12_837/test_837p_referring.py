"""Loop 2310A: the referring (certifying) provider of a therapy claim, NM1*DN after the HI
and before the rendering provider (005010X222A1); pyx12 accepts the file."""

from __future__ import annotations

import itertools

import pytest

from helpers_837 import CREATED, claim, profile, pyx12_errors
from therabill.claims.document import Claim
from therabill.errors import InvalidInput
from therabill.x12.claim_837p import render_837p

ROSA = {"npi": "1679576722", "first_name": "Rosa", "last_name": "Diaz"}


def _render(document: Claim) -> str:
    return render_837p(
        [document],
        profile=profile(),
        interchange=1,
        group=1,
        transactions=itertools.count(1),
        created=CREATED,
    )


def _segments(text: str) -> list[str]:
    return [s.strip() for s in text.split("~") if s.strip()]


def test_the_certifying_provider_is_loop_2310a() -> None:
    text = _render(claim(referring_provider=ROSA))
    segments = _segments(text)
    referring = "NM1*DN*1*DIAZ*ROSA****XX*1679576722"  # names upper case, as all of 2310
    assert referring in segments
    where = segments.index(referring)
    assert segments[where - 1].startswith("HI*")  # 2300 ends with the diagnoses
    # then 2310B, the rendering provider (here the billing provider: no 2310B), or 2400
    assert segments[where + 1].startswith(("NM1*82*", "LX*"))
    assert pyx12_errors(text) == []


def test_no_referring_provider_no_2310a() -> None:
    text = _render(claim())
    assert "NM1*DN*" not in text
    assert pyx12_errors(text) == []


@pytest.mark.parametrize(
    ("npi", "message"),
    [("167957672", "not a 10-digit NPI"), ("16795767AB", "not a 10-digit NPI")],
    ids=["nine-digits", "letters"],
)
def test_a_malformed_referring_npi_is_refused(npi: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        _render(claim(referring_provider={**ROSA, "npi": npi}))
    assert caught.value.field == "referring_provider.npi"
