"""Batches: one interchange per payer, control numbers from the store, 5,000 claims per ST."""

from __future__ import annotations

import itertools

from helpers_837 import CREATED, claim, profile, pyx12_errors
from therabill.x12.claim_837p import MAX_CLAIMS_PER_TRANSACTION, iter_837p, write_batch
from therabill.x12.control_numbers import FileControlNumbers, FixedControlNumbers

MEDICARE = {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"}


def test_one_interchange_per_payer_in_order_of_first_appearance() -> None:
    numbers = FileControlNumbers()
    batch = [claim(), claim(claim_id="C-2", payer=MEDICARE), claim(claim_id="C-3")]
    files = write_batch(batch, profile=profile(), numbers=numbers, created=CREATED)
    assert [(f.payer_id, f.claim_ids, f.interchange) for f in files] == [
        ("60054", ("C-1001", "C-3"), 1),
        ("04111", ("C-2",), 2),
    ]
    assert [f.file_name for f in files] == ["837P-60054-000000001.x12", "837P-04111-000000002.x12"]
    assert numbers.last() == {"interchange": 2, "group": 2, "transaction": 2}
    for file in files:
        assert pyx12_errors(file.text) == []
    assert "GS*HC*THERABILL*CLEARINGHOUSE*20261128*0930*2*X*005010X222A1~" in files[1].text
    assert "ST*837*0002*005010X222A1~" in files[1].text


def test_a_second_batch_continues_the_numbers() -> None:
    numbers = FileControlNumbers()
    first = write_batch([claim()], profile=profile(), numbers=numbers, created=CREATED)
    second = write_batch([claim()], profile=profile(), numbers=numbers, created=CREATED)
    assert (first[0].interchange, second[0].interchange) == (1, 2)
    assert "IEA*1*000000002~" in second[0].text


def test_more_than_5000_claims_make_a_second_transaction() -> None:
    base = claim()
    many = [base.model_copy(update={"claim_id": f"C-{n}"}) for n in range(5001)]
    numbers = FixedControlNumbers(interchange=5, group=6, transaction=70)
    (file,) = write_batch(many, profile=profile(), numbers=numbers, created=CREATED)
    assert MAX_CLAIMS_PER_TRANSACTION == 5000
    assert file.text.count("~\nCLM*") == 5001
    assert "ST*837*0070*005010X222A1~" in file.text
    assert "ST*837*0071*005010X222A1~" in file.text
    assert file.text.endswith("GE*2*6~\nIEA*1*000000005~\n")
    # the second transaction restarts the hierarchy and carries its own header loops
    second = file.text[file.text.index("ST*837*0071") :]
    assert "\nHL*1**20*1~" in second and "\nNM1*41*2*" in second
    assert second.count("~\n") - 2 == int(second.split("\nSE*")[1].split("*")[0])


def test_the_writer_streams_in_chunks() -> None:
    base = claim()
    chunks = list(
        iter_837p(
            (base.model_copy(update={"claim_id": f"C-{n}"}) for n in range(2000)),
            profile=profile(),
            interchange=1,
            group=1,
            transactions=itertools.count(1),
            created=CREATED,
        )
    )
    assert len(chunks) > 3
    assert max(len(chunk) for chunk in chunks) < len("".join(chunks)) / 2


def test_a_profile_may_keep_letter_case_and_drop_line_breaks() -> None:
    shipped = profile()
    keep_case = shipped.model_copy(
        update={"format": shipped.format.model_copy(update={"uppercase": False, "newline": False})}
    )
    text = "".join(
        iter_837p(
            [claim()],
            profile=keep_case,
            interchange=1,
            group=1,
            transactions=itertools.count(1),
            created=CREATED,
        )
    )
    assert "\n" not in text
    assert "NM1*IL*1*Lopez*Maria****MI*XYZ123456789~" in text
    assert pyx12_errors(text) == []
