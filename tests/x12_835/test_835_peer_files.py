"""Every 835 from other projects' test suites is read, or refused with a clear reason.

Golden files (``golden/*.json``) hold the full structured output (``era show --json``) of a
few of them; regenerate after a deliberate change with ``THERABILL_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from remit_factory import PEER_DIR

from helpers_837 import pyx12_errors
from therabill.x12.reader import X12Error
from therabill.x12.remittance_835 import check_balance, read_835
from therabill.x12.remittance_835.as_json import remittance_dict

GOLDEN = Path(__file__).resolve().parent / "golden"

# file: [(trace number, payment, claims, service lines, PLB adjustments, balance problems)]
READ = {
    "edi835parser_emedny_sample.txt": [("10100000000", "45.75", 3, 10, 0, 0)],
    "edi835parser_united_healthcare_legacy_sample.txt": [("1234567890", "349.99", 2, 5, 0, 0)],
    # LinuxForHealth samples write composites with '>' while ISA16 says ':'; read anyway.
    "lfh_cob-contractural-adjustment.835": [("0063158ABC", "34.00", 1, 1, 0, 0)],
    "lfh_managed-care.835": [("7170066655", "945.00", 2, 2, 0, 0)],
    "lfh_medicare-part-a.835": [("12345", "150000.00", 2, 0, 1, 0)],
    "lfh_secondary-payment.835": [("0012524965", "1222.00", 2, 2, 0, 0)],
    # UTF-8 BOM, indented segments, three interchanges; its amounts are masked with 9s, so
    # nothing balances: the reader reads it and the balancing check says so.
    "oopfactory_ExampleFromNth.txt": [
        ("999999999", "999.99", 19, 38, 0, 26),
        ("999999999", "9999.99", 23, 24, 0, 46),
        ("999999999", "482.13", 14, 29, 0, 32),
    ],
    "pyx12_835_mult_loops.txt": [("000000000", "0", 1, 3, 0, 0)],
}

REFUSED = {
    # No envelope (read: bare ST files are accepted), but its third SVC is malformed:
    # 'SVC*HC:59426******742*742**1' leaves the charge SVC02 empty.
    "edi835parser_blue_cross_nc_sample.txt": (28, "SVC", "SVC02", "SVC02 is empty"),
    # A 004010X091A1 remittance (CAS*CR, ISA12 00400): refused by its version at GS08.
    "editools_4010_tests.835": (2, "GS", "GS08", "this is 004010 (GS08 004010X091A1); "
                                "therabill reads 005010"),
    # The X221A1 tertiary payment example as LinuxForHealth ships it: its procedure composite
    # 'HC:24599' split with '*', so the code lands in the charge: refused, never guessed.
    "lfh_tertiary-payment.835": (20, "SVC", "SVC01", "SVC01 'HC' is not a procedure composite"),
    # GE*10*1 closes a group of one transaction.
    "editools_Sample1.txt": (34, "GE", "GE01", "GE01 says 10 transactions but group 1 has 1"),
}  # fmt: skip


def test_a_004010_transaction_without_its_envelope_is_named_by_its_cas_cr() -> None:
    """Without GS08 the version shows first in a 004010-only code: CAS01 'CR' (retired)."""
    text = (PEER_DIR / "editools_4010_tests.835").read_text("ascii")
    bare = text[text.index("ST*835") : text.index("GE*")].encode("ascii")
    with pytest.raises(X12Error) as caught:
        read_835(bare)
    assert (caught.value.segment_id, caught.value.element) == ("CAS", "CAS01")
    assert "this looks like a 004010 file; therabill reads 005010" in str(caught.value)


def test_a_corrected_ge_count_reads_the_payer_web_site_contact() -> None:
    """EdiTools' Sample1 with its GE01 corrected: PER*BL and PER*IC in loop 1000A."""
    data = (PEER_DIR / "editools_Sample1.txt").read_bytes().replace(b"GE*10*1", b"GE*1*1")
    (remittance,) = read_835(data)
    assert remittance.header.payer is not None
    assert [c[0] for c in remittance.header.payer.contacts] == ["BL", "IC"]
    assert [c.patient_control_number for c in remittance.claims] == ["ABC9001", "ABC9002"]


def test_every_peer_file_is_listed() -> None:
    files = {p.name for p in PEER_DIR.iterdir() if p.name != "README.md"}
    assert files == set(READ) | set(REFUSED)


@pytest.mark.parametrize("name", sorted(READ), ids=sorted(READ))
def test_peer_file_is_read(name: str) -> None:
    remittances = read_835(PEER_DIR / name)
    got = [
        (
            r.header.trace_number,
            str(r.payment_amount),
            len(r.claims),
            sum(len(c.services) for c in r.claims),
            len(r.provider_adjustments),
            len(check_balance(r)),
        )
        for r in remittances
    ]
    assert got == READ[name]


@pytest.mark.parametrize("name", sorted(REFUSED), ids=sorted(REFUSED))
def test_peer_file_is_refused_with_reason(name: str) -> None:
    number, segment, element, says = REFUSED[name]
    with pytest.raises(X12Error) as caught:
        read_835(PEER_DIR / name)
    error = caught.value
    assert (error.segment_number, error.segment_id, error.element) == (number, segment, element)
    assert says in str(error) and name in str(error)


PYX12_ACCEPTS = ["edi835parser_emedny_sample.txt", "pyx12_835_mult_loops.txt"]


@pytest.mark.parametrize("name", PYX12_ACCEPTS, ids=PYX12_ACCEPTS)
def test_files_pyx12_accepts_are_read_in_full(name: str) -> None:
    """pyx12's 005010X221A1 map accepts these two (the others break a rule of the guide, see
    the README): an independent judge that the files are good, which therabill reads whole."""
    assert pyx12_errors((PEER_DIR / name).read_text("ascii"), acknowledge=False) == []
    assert name in READ and not any(r[5] for r in READ[name])


GOLDEN_FILES = [
    "lfh_managed-care.835",
    "lfh_medicare-part-a.835",
    "lfh_secondary-payment.835",
    "edi835parser_emedny_sample.txt",
    "pyx12_835_mult_loops.txt",
]


@pytest.mark.parametrize("name", GOLDEN_FILES, ids=GOLDEN_FILES)
def test_golden_structured_output(name: str) -> None:
    data = [remittance_dict(r) for r in read_835((PEER_DIR / name).read_bytes())]
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    golden = GOLDEN / f"{name}.json"
    if os.environ.get("THERABILL_UPDATE_GOLDEN"):
        GOLDEN.mkdir(exist_ok=True)
        golden.write_text(text, "utf-8")
    assert text == golden.read_text("utf-8"), f"{golden.name} differs: see the diff above"


def test_secondary_payment_details() -> None:
    """Spot checks against the file itself, independent of the golden snapshot."""
    (remittance,) = read_835(PEER_DIR / "lfh_secondary-payment.835")
    second = remittance.claims[1]
    assert second.patient_control_number == "0001000053"
    assert second.status_text == "processed as secondary"
    line = second.services[1]
    assert (line.procedure_code, line.modifiers) == ("66543", ("26",))
    assert [(a.group, a.reason, str(a.amount)) for a in line.adjustments] == [
        ("PR", "1", "150.00"),
        ("PR", "2", "70.00"),
        ("CO", "42", "85.00"),
    ]
    assert str(line.allowed) == "500.00"
    assert line.control_number == ""
    assert second.patient is not None and second.patient.last_name == "BAKI"
