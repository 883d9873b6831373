"""The CARC and RARC tables are the whole X12 lists, in therabill's own words, each CARC classed.

The list sizes are those of the x12.org lists named in the files' headers (retrieved
2026-08-17: 407 CARCs, 1,216 RARCs), so a truncated or doubled table fails here.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from importlib import resources
from pathlib import Path

import pytest

from therabill.x12.adjustment_codes import (
    ActionClass,
    classify,
    describe_carc,
    load_actions,
    load_carc,
    load_rarc,
)

CARC_LIST_SIZE = 407  # x12.org Claim Adjustment Reason Codes, retrieved 2026-08-17
CARC_DEACTIVATED = 110  # of which deactivated on that date
RARC_LIST_SIZE = 1216  # x12.org Remittance Advice Remark Codes, retrieved 2026-08-17
RARC_DEACTIVATED = 79
HASHES = Path(__file__).with_name("x12_name_hashes.txt")


def _rows(name: str) -> list[list[str]]:
    text = resources.files("therabill.x12.adjustment_codes").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(io.StringIO("\n".join(lines))))[1:]


def _x12_name_hashes(kind: str) -> dict[str, str]:
    rows = (line.split() for line in HASHES.read_text("utf-8").splitlines())
    return {r[1]: r[2] for r in rows if r and r[0] == kind}


def _digest(text: str) -> str:
    normal = " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())
    return hashlib.sha256(normal.encode()).hexdigest()[:16]


def test_every_carc_of_the_list_is_there_once() -> None:
    codes = [row[0] for row in _rows("carc.csv")]
    assert len(codes) == len(set(codes)) == CARC_LIST_SIZE
    assert set(codes) == set(_x12_name_hashes("CARC"))
    statuses = [entry.extra for entry in load_carc().values()]
    assert statuses.count("deactivated") == CARC_DEACTIVATED
    assert set(statuses) == {"active", "deactivated"}


def test_every_rarc_of_the_list_is_there_once() -> None:
    codes = [row[0] for row in _rows("rarc.csv")]
    assert len(codes) == len(set(codes)) == RARC_LIST_SIZE
    assert set(codes) == set(_x12_name_hashes("RARC"))
    statuses = [entry.extra for entry in load_rarc().values()]
    assert statuses.count("deactivated") == RARC_DEACTIVATED


@pytest.mark.parametrize("code", sorted(_x12_name_hashes("RARC")))
def test_a_rarc_description_is_ours(code: str) -> None:
    text = load_rarc()[code].description
    assert text.strip() and text.strip() != code
    assert _digest(text) != _x12_name_hashes("RARC")[code], "X12's own wording"


@pytest.mark.parametrize(
    ("code", "status", "words"),
    [
        ("N286", "active", "referring provider"),
        ("MA130", "active", "new claim"),
        ("M15", "active", "bundled"),
        ("N130", "active", "benefit"),
        ("MA01", "active", "appeal"),
        ("MA18", "active", "supplemental"),
        ("N380", "active", "corrected"),
        ("N640", "active", "frequency"),
        ("M80", "active", "same day"),
        ("N362", "active", "units"),
        ("N115", "active", "local coverage"),
        ("N14", "deactivated", "fee schedule"),
        ("N851", "active", "therapy assistant"),
        ("N776", "active", "telehealth"),
        ("N329", "active", "patient birth date"),
        ("M118", "deactivated", "letter"),
    ],
)
def test_well_known_rarcs_keep_their_meaning(code: str, status: str, words: str) -> None:
    entry = load_rarc()[code]
    assert entry.extra == status
    assert words in entry.description.lower()


def test_every_carc_has_exactly_one_class() -> None:
    codes = [row[0] for row in _rows("actions.csv")]
    assert len(codes) == len(set(codes))
    assert set(load_actions()) == set(load_carc())


@pytest.mark.parametrize("code", sorted(_x12_name_hashes("CARC")))
def test_a_carc_description_is_ours(code: str) -> None:
    text = load_carc()[code].description
    assert text.strip() and text.strip() != code
    assert _digest(text) != _x12_name_hashes("CARC")[code], "X12's own wording"


@pytest.mark.parametrize(
    ("code", "status", "words", "action"),
    [
        ("1", "active", "deductible", ActionClass.PATIENT),
        ("2", "active", "coinsurance", ActionClass.PATIENT),
        ("3", "active", "copay", ActionClass.PATIENT),
        ("16", "active", "missing information", ActionClass.CORRECT),
        ("45", "active", "fee schedule", ActionClass.CONTRACTUAL),
        ("50", "active", "medically necessary", ActionClass.APPEAL),
        ("96", "active", "not covered", ActionClass.APPEAL),
        ("97", "active", "bundled", ActionClass.CORRECT),
        ("109", "active", "correct payer", ActionClass.OTHER_PAYER),
        ("151", "active", "frequency", ActionClass.APPEAL),
        ("197", "active", "authorization", ActionClass.APPEAL),
        ("253", "active", "sequestration", ActionClass.CONTRACTUAL),
        ("15", "deactivated", "authorization", ActionClass.CORRECT),
        ("125", "deactivated", "billing error", ActionClass.CORRECT),
        ("138", "deactivated", "appeal", ActionClass.APPEAL),
        ("165", "deactivated", "referral", ActionClass.CORRECT),
        ("W1", "deactivated", "fee schedule", ActionClass.CONTRACTUAL),
        ("P12", "active", "fee schedule", ActionClass.CONTRACTUAL),
        ("280", "active", "pharmacy plan", ActionClass.OTHER_PAYER),
        ("D14", "deactivated", "plan of treatment", ActionClass.CORRECT),
    ],
)
def test_well_known_carcs_keep_their_meaning_and_class(
    code: str, status: str, words: str, action: ActionClass
) -> None:
    entry = load_carc()[code]
    assert entry.extra == status
    assert words in entry.description.lower()
    assert load_actions()[code] is action


@pytest.mark.parametrize(
    ("code", "stopped"),
    [
        ("17", dt.date(2009, 7, 1)),
        ("A2", dt.date(2008, 1, 1)),
        ("D14", dt.date(2003, 10, 16)),
        ("W1", dt.date(2014, 7, 1)),
        ("125", dt.date(2013, 11, 1)),
        ("15", None),  # deactivated after the dated copy of the list: date not known
    ],
)
def test_a_deactivated_carc_keeps_its_stop_date(code: str, stopped: dt.date | None) -> None:
    assert load_carc()[code].stopped == stopped


def test_only_deactivated_codes_have_a_stop_date() -> None:
    for table in (load_carc(), load_rarc()):
        assert all(e.extra == "deactivated" for e in table.values() if e.stopped)
    assert sum(1 for e in load_carc().values() if e.stopped) == 106  # of 110 deactivated
    assert sum(1 for e in load_rarc().values() if e.stopped) == 78  # of 79 deactivated


@pytest.mark.parametrize(
    ("code", "stopped"),
    [
        ("N14", dt.date(2007, 10, 1)),
        ("MA03", dt.date(2006, 10, 1)),
        ("M118", dt.date(2011, 1, 1)),
        ("N225", dt.date(2016, 3, 1)),
        ("N793", None),  # deactivated after the dated copy of the list
    ],
)
def test_a_deactivated_rarc_keeps_its_stop_date(code: str, stopped: dt.date | None) -> None:
    assert load_rarc()[code].stopped == stopped


@pytest.mark.parametrize(
    ("group", "code", "action"),
    [
        ("CO", "45", ActionClass.CONTRACTUAL),
        ("CO", "253", ActionClass.CONTRACTUAL),
        ("CO", "16", ActionClass.CORRECT),
        ("CO", "151", ActionClass.APPEAL),
        ("PR", "96", ActionClass.PATIENT),
        ("CO", "85", ActionClass.APPEAL),  # a patient-class reason under CO is not the client's
        ("OA", "23", ActionClass.INFORMATIONAL),
        ("CO", "W2", ActionClass.APPEAL),  # deactivated, still on reversals: classed, not guessed
    ],
)
def test_posting_classes_follow_the_table(group: str, code: str, action: ActionClass) -> None:
    assert classify(group, code).action is action


def test_a_code_newer_than_the_list_is_never_written_down() -> None:
    assert "not in therabill's table" in describe_carc("309")
    assert classify("CO", "309").action is ActionClass.CORRECT
