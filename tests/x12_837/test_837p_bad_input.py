"""Claims an 837P cannot carry: a TherabillError naming the field, and no text at all."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from helpers_837 import BILLING, CREATED, claim, claim_dict, profile, pyx12_errors
from therabill.claims.document import Claim
from therabill.errors import TherabillError
from therabill.x12.claim_837p import render_837p, write_batch
from therabill.x12.control_numbers import FileControlNumbers


def write(claims: list[Claim]) -> str:
    return render_837p(
        claims,
        profile=profile(),
        interchange=1,
        group=1,
        transactions=itertools.count(1),
        created=CREATED,
    )


def without(doc: dict[str, Any], path: str) -> dict[str, Any]:
    """A copy of ``doc`` with the dotted ``path`` set to None."""
    parts = path.split(".")
    top = dict(doc)
    node = top
    for part in parts[:-1]:
        node[part] = dict(node[part])
        node = node[part]
    node[parts[-1]] = None
    return top


MISSING = [
    "billing_provider",
    "billing_provider.tax_id",
    "billing_provider.address",
    "payer.payer_id",
    "payer.name",
    "client.sex",
    "client.address",
    "client.member_id",
]


@pytest.mark.parametrize("field", MISSING, ids=MISSING)
def test_missing_837_field_is_named(field: str) -> None:
    broken = Claim.model_validate(without(claim_dict(), field))
    with pytest.raises(TherabillError) as caught:
        write([broken])
    assert caught.value.field == field
    assert "C-1001" in str(caught.value)


def line(**changes: Any) -> dict[str, Any]:
    return {**claim_dict()["lines"][0], **changes}


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("units absent", {"lines": [line(units=None)]}, "lines[0].units"),
    ("zero units", {"lines": [line(units=0)]}, "lines[0].units"),
    ("no pointer", {"lines": [line(diagnosis_pointers=[])]}, "lines[0].diagnosis_pointers"),
    ("pointer past list", {"lines": [line(diagnosis_pointers=[2])]}, "lines[0].diagnosis_pointers"),
    ("five pointers", {"lines": [line(diagnosis_pointers=[1, 1, 1, 1, 1])]}, "lines[0].diagnosis_pointers"),
    ("five modifiers", {"lines": [line(modifiers=["GP", "59", "KX", "XU", "XE"])]}, "lines[0].modifiers"),
    ("bad modifier", {"lines": [line(modifiers=["G*"])]}, "lines[0].modifiers[0]"),
    ("bad code", {"lines": [line(code="97:40")]}, "lines[0].code"),
    ("no diagnosis", {"diagnoses": []}, "diagnoses"),
    ("13 diagnoses", {"diagnoses": ["M54.50"] * 13}, "diagnoses"),
    ("not ICD-10", {"diagnoses": ["724.2*"]}, "diagnoses[0]"),
    ("51 lines", {"lines": [line()] * 51}, "lines"),
    ("corrected, no original", {"frequency": "corrected"}, "original_claim_id"),
    ("void, no original", {"frequency": "void"}, "original_claim_id"),
    ("5-digit billing ZIP", {"billing_provider": {**BILLING, "address": {**BILLING["address"], "zip": "04101"}}}, "billing_provider.address.zip"),
    ("billing PO box", {"billing_provider": {**BILLING, "address": {**BILLING["address"], "line1": "P.O. Box 12"}}}, "billing_provider.address.line1"),
    ("billing lock box", {"billing_provider": {**BILLING, "address": {**BILLING["address"], "line1": "Lockbox 7781"}}}, "billing_provider.address.line1"),
    ("EIN not 9 digits", {"billing_provider": {**BILLING, "tax_id": "12-345678"}}, "billing_provider.tax_id"),
    ("billing NPI", {"billing_provider": {**BILLING, "npi": "12345"}}, "billing_provider.npi"),
    ("delimiter in name", {"client": {**claim_dict()["client"], "last_name": "Lopez*Garcia"}}, "client.last_name"),
    ("segment end in address", {"billing_provider": {**BILLING, "address": {**BILLING["address"], "line1": "100 Harbour St~"}}}, "billing_provider.address.line1"),
    ("component in payer id", {"payer": {"id": "X", "name": "Acme", "payer_id": "600:54"}}, "payer.payer_id"),
    ("repetition in member id", {"client": {**claim_dict()["client"], "member_id": "XYZ^1"}}, "client.member_id"),
    ("newline in city", {"client": {**claim_dict()["client"], "address": {**claim_dict()["client"]["address"], "city": "Port\nland"}}}, "client.address.city"),
    ("Arabic-Indic digit in ZIP", {"client": {**claim_dict()["client"], "address": {**claim_dict()["client"]["address"], "zip": "0410\u0663"}}}, "client.address.zip"),
    ("Arabic-Indic digits in POS", {"place_of_service": "\u0661\u0661"}, "place_of_service"),
    ("long payer name", {"payer": {"id": "X", "name": "A" * 61, "payer_id": "1"}}, "payer.name"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "field"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_claim_is_refused_naming_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(TherabillError) as caught:
        write([claim(**changes)])
    assert caught.value.field == field, str(caught.value)


def test_delimiter_error_says_which_character_and_why() -> None:
    with pytest.raises(TherabillError) as caught:
        write([claim(client={**claim_dict()["client"], "last_name": "Lopez*Garcia"})])
    text = str(caught.value)
    assert "'*'" in text and "delimiter" in text


def test_accented_names_fold_to_ascii() -> None:
    text = write(
        [claim(client={**claim_dict()["client"], "first_name": "José", "last_name": "Núñez"})]
    )
    assert "NM1*IL*1*NUNEZ*JOSE****MI*XYZ123456789~" in text


def test_emoji_only_name_is_refused() -> None:
    with pytest.raises(TherabillError) as caught:
        write([claim(client={**claim_dict()["client"], "last_name": "😀"})])
    assert caught.value.field == "client.last_name"


COB = {
    "payer": {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"},
    "member_id": "1EG4TE5MK73",
    "paid": "80.00",
    "adjustments": [{"group": "CO", "reason": "45", "amount": "25.00"}],
    "adjudication_date": "2026-12-10",
}


def test_other_payer_amounts_must_balance_to_the_charge() -> None:
    with pytest.raises(TherabillError) as caught:
        write([claim(other_payers=[COB])])
    assert caught.value.field == "other_payers[0].adjustments"
    assert "120.00" in str(caught.value)


def test_adjudicated_other_payer_needs_its_date() -> None:
    cob = {**COB, "adjustments": [{"group": "CO", "reason": "45", "amount": "40.00"}]}
    with pytest.raises(TherabillError) as caught:
        write([claim(other_payers=[{**cob, "adjudication_date": None}])])
    assert caught.value.field == "other_payers[0].adjudication_date"


def cob_lines(*lines: dict[str, Any], paid: str | None = "80.00") -> dict[str, Any]:
    return {**COB, "paid": paid, "adjustments": [], "lines": list(lines)}


LINE_PAID = {
    "line": 1,
    "paid": "80.00",
    "adjustments": [{"group": "CO", "reason": "45", "amount": "40.00"}],
}
COB_LINES_BAD = [
    ("line does not balance", cob_lines({**LINE_PAID, "paid": "70.00"}, paid="70.00"), "other_payers[0].lines[0].adjustments"),
    ("line not on the claim", cob_lines({**LINE_PAID, "line": 2}), "other_payers[0].lines[0].line"),
    ("line twice", cob_lines(LINE_PAID, LINE_PAID), "other_payers[0].lines[1].line"),
    ("claim total differs", cob_lines(LINE_PAID, paid="75.00"), "other_payers[0].adjustments"),
    ("lines without total paid", cob_lines(LINE_PAID, paid=None), "other_payers[0].paid"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("other", "field"), [b[1:] for b in COB_LINES_BAD], ids=[b[0] for b in COB_LINES_BAD]
)
def test_line_level_adjudication_must_balance(other: dict[str, Any], field: str) -> None:
    with pytest.raises(TherabillError) as caught:
        write([claim(other_payers=[other])])
    assert caught.value.field == field, str(caught.value)


def test_line_level_adjudication_that_balances_is_written() -> None:
    text = write([claim(other_payers=[cob_lines(LINE_PAID)])])
    assert "SVD*04111*80.00*HC:97140:GP**3~\nCAS*CO*45*40.00~\nDTP*573*D8*20261210~" in text
    assert text.count("DTP*573") == 1  # on the line, not again on the other payer


def test_medicare_as_secondary_payer_needs_its_secondary_payer_type() -> None:
    medicare = {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"}
    primary = {**COB, "payer": {"id": "COMMERCIAL", "name": "Acme", "payer_id": "60054"}}
    primary["adjustments"] = [{"group": "CO", "reason": "45", "amount": "40.00"}]
    with pytest.raises(TherabillError) as caught:
        write([claim(payer=medicare, other_payers=[primary])])
    assert caught.value.field is not None
    assert caught.value.field.endswith("medicare_secondary_type")
    assert "SBR05" in str(caught.value)


@pytest.mark.parametrize(
    "msp_type", ["12", "43", "47"], ids=["working-aged", "disabled", "liability"]
)
def test_medicare_as_secondary_payer_writes_sbr05(msp_type: str) -> None:
    """2000B SBR05 when Medicare (SBR09 MB) is not primary (005010X222A1); pyx12 accepts it."""
    medicare = {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"}
    primary = {**COB, "payer": {"id": "COMMERCIAL", "name": "Acme", "payer_id": "60054"}}
    primary["adjustments"] = [{"group": "CO", "reason": "45", "amount": "40.00"}]
    text = write([claim(payer=medicare, other_payers=[primary], medicare_secondary_type=msp_type)])
    assert f"SBR*S*18***{msp_type}****MB~" in text
    assert pyx12_errors(text) == []


def test_all_three_responsibilities_taken() -> None:
    others = [
        {"payer": COB["payer"], "member_id": "1", "responsibility": r}
        for r in ("primary", "secondary", "tertiary")
    ]
    with pytest.raises(TherabillError) as caught:
        write([claim(other_payers=others)])
    assert caught.value.field == "other_payers"


def test_no_claims() -> None:
    with pytest.raises(TherabillError, match="no claims"):
        write([])


def test_duplicate_claim_id_in_a_batch() -> None:
    with pytest.raises(TherabillError) as caught:
        write_batch(
            [claim(), claim()], profile=profile(), numbers=FileControlNumbers(), created=CREATED
        )
    assert caught.value.field == "claims[1].claim_id"


def test_a_bad_claim_uses_up_no_control_numbers() -> None:
    numbers = FileControlNumbers()
    bad = claim(claim_id="C-2", client={**claim_dict()["client"], "sex": None})
    with pytest.raises(TherabillError):
        write_batch([claim(), bad], profile=profile(), numbers=numbers, created=CREATED)
    assert numbers.last() == {"interchange": 0, "group": 0, "transaction": 0}


# Each value is usually plain printable ASCII (so many claims get written) and sometimes
# anything: a delimiter, a control character, an accent, a character no folding can save.
PLAIN = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0x7E, exclude_characters="*:^~"),
    min_size=2,
    max_size=30,
)
DIRTY = st.text(
    st.one_of(st.sampled_from("*:^~\n\r\téñØß€😀\u0301"), st.characters()), min_size=1, max_size=70
)
ANY_TEXT = st.one_of(*[PLAIN] * 9, DIRTY)


@settings(max_examples=250, deadline=None)
@given(
    first=ANY_TEXT,
    last=ANY_TEXT,
    line1=ANY_TEXT,
    city=ANY_TEXT,
    member=ANY_TEXT,
    payer_name=ANY_TEXT,
    provider=ANY_TEXT,
    claim_id=st.one_of(*[PLAIN] * 9, DIRTY.map(lambda s: s[:38])),
    auth=ANY_TEXT,
)
def test_any_text_is_written_safely_or_refused_naming_the_field(
    first: str,
    last: str,
    line1: str,
    city: str,
    member: str,
    payer_name: str,
    provider: str,
    claim_id: str,
    auth: str,
) -> None:
    """Whatever the text, either a clean file (no value split a segment or an element) or a
    TherabillError naming a field: never a traceback, never a broken file."""
    doc = claim_dict()
    doc["claim_id"] = claim_id
    doc["client"] = {
        **doc["client"],
        "first_name": first,
        "last_name": last,
        "member_id": member,
        "address": {**doc["client"]["address"], "line1": line1, "city": city},
    }
    doc["payer"] = {**doc["payer"], "name": payer_name}
    doc["provider"] = {**doc["provider"], "npi": "1543210987", "name": provider}
    doc["authorization"] = {"number": auth}
    try:
        document = Claim.model_validate(doc)
    except ValidationError:
        return  # not a claim document at all: the reader's job, tested there
    try:
        text = write([document])
    except TherabillError as exc:
        assert exc.field
        return
    segments = text.split("~\n")[:-1]
    assert int(segments[-3].split("*")[1]) == len(segments) - 4  # SE01 = ST…SE
    shapes = {s.split("*")[0]: s.count("*") for s in segments}
    assert shapes["CLM"] == 9 and shapes["SV1"] == 7 and shapes["N4"] == 3
    assert shapes["DMG"] == 3 and shapes["HI"] == 1
    assert all(s.isascii() and "\r" not in s and "\n" not in s for s in segments)
    assert [s.split("*")[1] for s in segments if s.startswith("REF*")] == ["EI", "G1", "6R"]
