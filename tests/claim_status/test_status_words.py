"""A status composite (STC01/STC10/STC11: category 507, status 508, entity 98) in a biller's
words: the entity put in place of "the entity's", and A6/A7's "(the status code says which)"
dropped when a status code follows. The same words for the 277 and the 277CA."""

from __future__ import annotations

import pytest

from therabill.x12.acknowledgements.model import Status as AckStatus
from therabill.x12.claim_status.codes import plain_status, status_codes
from therabill.x12.claim_status.model import Status as StatusOf277


@pytest.mark.parametrize(
    ("composite", "words"),
    [
        # 005010X214 (277CA) rejections a therapy practice meets at the front door
        (("A7", "158", "QC"), "rejected: information is invalid: the patient's date of birth"),
        (
            ("A7", "562", "85"),
            "rejected: information is invalid: "
            "the billing provider's National Provider Identifier (NPI)",
        ),
        (
            ("A7", "164", "IL"),
            "rejected: information is invalid: the subscriber's contract or member number",
        ),
        # a status code not about an entity's field keeps the entity after it
        (
            ("A7", "33", "IL"),
            "rejected: information is invalid: no subscriber with this subscriber id (subscriber)",
        ),
        (("A7", "187", ""), "rejected: information is invalid: the date(s) of service"),
        # an acceptance, and a category alone (no status code)
        (("A2", "20", ""), "accepted into the payer's processing system: accepted for processing"),
        (("F2", "", "PR"), "finalized: denied (payer)"),
        (("A6", "", ""), "rejected: information is missing (the status code says which)"),
    ],
)
def test_a_status_reads_as_a_biller_says_it(composite: tuple[str, str, str], words: str) -> None:
    assert plain_status(*composite) == words
    category, code, entity = composite
    assert AckStatus(category, code, entity).text == f"{category}:{code}: {words}"
    assert StatusOf277(category, code, entity).text == f"{category}:{code} {words}"


def test_every_entity_reads_in_place_of_the_entitys() -> None:
    """Each status code that begins "the entity's" takes each entity's name in its place."""
    codes = status_codes()
    about = [c for (table, c) in codes if table == "status"
             if codes["status", c].description.startswith("the entity's ")]  # fmt: skip
    entities = [c for (table, c) in codes if table == "entity"]
    assert about and entities
    for code in about:
        for entity in entities:
            said = plain_status("A7", code, entity)
            assert "the entity's" not in said and "(the status code says which)" not in said
            assert f"the {codes['entity', entity].description}'s " in said
