"""Payer profiles: the shipped three, the loader's order, and errors naming file, key, problem."""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

import pytest

from therabill.errors import DataFileError
from therabill.payers import (
    PayerProfile,
    default_payers_dir,
    load_payer_profiles,
    parse_payer_profile,
    shipped_profiles,
)
from therabill.units import UnitRule

MINIMAL = 'id = "ACME"\nname = "Acme Health"\nunit_rule = "cms"\n'


def test_shipped_profiles() -> None:
    profiles = shipped_profiles()
    assert set(profiles) == {"MEDICARE", "COMMERCIAL", "SAMPLE-MASSAGE-PAYER"}
    medicare, commercial, sample = (
        profiles[k] for k in ("MEDICARE", "COMMERCIAL", "SAMPLE-MASSAGE-PAYER")
    )
    assert medicare.unit_rule is UnitRule.CMS and medicare.therapy_modifier_required
    assert medicare.kx_thresholds[2026] == Decimal("2480.00")
    assert commercial.unit_rule is UnitRule.MIDPOINT and not commercial.prior_authorization
    assert sample.unit_rule is UnitRule.MIDPOINT
    assert sample.accepts("97124", "massage") and not sample.accepts("97140", "massage")
    assert all(sample.needs_authorization(c) for c in ("97124", "97110", "G0283"))
    assert all(p.ncci for p in profiles.values())


def test_every_shipped_setting_cites_a_source() -> None:
    for profile in shipped_profiles().values():
        assert "unit_rule" in profile.sources, profile.id


def test_medicare_thresholds_allowed_amounts_and_telehealth() -> None:
    medicare = shipped_profiles()["MEDICARE"]
    # SSA §1833(g)(7)(B)(ii): $3,000 for a year before 2028
    assert medicare.review_thresholds == {y: Decimal("3000.00") for y in range(2018, 2028)}
    assert medicare.allowed_amounts[2026] == ("medicare-2026-locality", "mpfs-2026-national")
    assert medicare.telehealth_modifier is None  # POS 02/10 say telehealth since 2024
    assert medicare.telehealth.audio_only_places == {"10"}
    assert medicare.telehealth.in_person_disciplines == {"pt", "ot", "slp"}
    assert medicare.telehealth.not_allowed_modifiers == {"GT"}
    assert str(medicare.telehealth.since) == "2024-01-01"
    for key in ("kx_thresholds", "review_thresholds", "allowed_amounts", "telehealth"):
        assert key in medicare.sources, key


def test_minimal_profile_defaults() -> None:
    profile = parse_payer_profile(MINIMAL, "acme.toml")
    assert isinstance(profile, PayerProfile)
    assert (
        profile.ncci and profile.accepts("97110", "pt") and not profile.needs_authorization("97110")
    )
    assert profile.timely_filing_days is None and profile.telehealth_places == {"02", "10"}


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("", "id", "is required"),
        ('id = "A"\nname = "A"\n', "unit_rule", "is required"),
        (MINIMAL.replace('"cms"', '"hours"'), "unit_rule", "not one of cms, midpoint"),
        (MINIMAL + "timely_filing_days = \"90\"\n", "timely_filing_days", "must be a number"),
        (MINIMAL + "timely_filing_days = 0\n", "timely_filing_days", "outside 1-3650"),
        (MINIMAL + "ncci = 1\n", "ncci", "true or false"),
        (MINIMAL + "colour = 1\n", "colour", "unknown key"),
        (MINIMAL + "[codes]\naccepted = [\"9711\"]\n", "codes.accepted[0]", "does not look right"),
        (MINIMAL + "[codes]\nfavourite = []\n", "codes.favourite", "unknown key"),
        (MINIMAL + "[codes.accepted_for]\nchiro = [\"97110\"]\n", "codes.accepted_for.chiro",
         "unknown discipline"),
        (MINIMAL + "[fees]\n\"97110\" = 30.5\n", "fees.97110", "money string"),
        (MINIMAL + "[fees]\n\"97110\" = \"30.555\"\n", "fees.97110", "not an amount"),
        (MINIMAL + "[kx_thresholds]\nlast = \"1.00\"\n", "kx_thresholds.last", "a year"),
        (MINIMAL + "telehealth_modifier = \"9\"\n", "telehealth_modifier", "does not look right"),
        (MINIMAL + "prior_authorization = \"*\"\n", "prior_authorization", "must be a list"),
        ("id = \"A\"\nname = [\n", None, "not valid TOML"),
        (MINIMAL + "[review_thresholds]\nnext = \"3000.00\"\n", "review_thresholds.next",
         "a year"),
        (MINIMAL + "[allowed_amounts]\n2026 = \"Our fees!\"\n", "allowed_amounts.2026[0]",
         "not a fee schedule name"),
        (MINIMAL + "[allowed_amounts]\n2026 = []\n", "allowed_amounts.2026", "names no fee"),
        (MINIMAL + "[telehealth]\nvideo = true\n", "telehealth.video", "unknown key"),
        (MINIMAL + "[telehealth]\nnot_allowed_modifiers = [\"KX\"]\n",
         "telehealth.not_allowed_modifiers[0]", "not a telehealth modifier"),
        (MINIMAL + "[telehealth]\nin_person_disciplines = [\"dentist\"]\n",
         "telehealth.in_person_disciplines[0]", "unknown discipline"),
        (MINIMAL + "[telehealth]\nsince = \"2024-13-01\"\n", "telehealth.since", "not a date"),
        (MINIMAL + "[telehealth]\naudio_only_places = [\"home\"]\n",
         "telehealth.audio_only_places[0]", "does not look right"),
    ],
    ids=[
        "empty", "no-unit-rule", "unknown-unit-rule", "filing-days-text", "filing-days-zero",
        "ncci-number", "unknown-key", "bad-code", "unknown-codes-key", "unknown-discipline",
        "float-fee", "fee-three-decimals", "kx-not-a-year", "one-char-modifier",
        "auth-not-a-list", "broken-toml", "review-not-a-year", "bad-schedule-name",
        "no-schedule-named", "unknown-telehealth-key", "kx-is-not-telehealth",
        "unknown-in-person-discipline", "bad-since-date", "audio-only-place-not-a-pos",
    ],
)  # fmt: skip
def test_malformed_profile_names_file_key_and_problem(
    text: str, key: str | None, problem: str
) -> None:
    with pytest.raises(DataFileError) as info:
        parse_payer_profile(text, "payers/acme.toml")
    message = str(info.value)
    assert message.startswith("payers/acme.toml")
    assert problem in message
    if key:
        assert f"key {key!r}" in message


def test_loader_order_practice_then_extra(tmp_path: Path) -> None:
    practice = default_payers_dir()
    practice.mkdir(parents=True, exist_ok=True)
    (practice / "acme.toml").write_text(MINIMAL, "utf-8")
    (practice / "commercial.toml").write_text(
        'id = "COMMERCIAL"\nname = "Our commercial"\nunit_rule = "cms"\n', "utf-8"
    )
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "acme.toml").write_text(MINIMAL.replace('"cms"', '"midpoint"'), "utf-8")
    profiles = load_payer_profiles(extra)
    assert profiles["COMMERCIAL"].unit_rule is UnitRule.CMS
    assert profiles["ACME"].unit_rule is UnitRule.MIDPOINT
    assert profiles["ACME"].path.endswith(os.path.join("extra", "acme.toml"))
    assert "MEDICARE" in profiles


def test_duplicate_id_in_one_directory(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(MINIMAL, "utf-8")
    (tmp_path / "b.toml").write_text(MINIMAL, "utf-8")
    with pytest.raises(DataFileError) as info:
        load_payer_profiles(tmp_path)
    assert "b.toml" in str(info.value) and "also defined in" in str(info.value)


def test_missing_extra_directory(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        load_payer_profiles(tmp_path / "nope")
    assert "does not exist" in str(info.value)


def test_docs_describe_every_key() -> None:
    from therabill.payers.loader import CODE_KEYS, TOP_KEYS

    docs = (Path(__file__).resolve().parents[2] / "docs" / "payer-profiles.md").read_text("utf-8")
    for key in sorted(TOP_KEYS | CODE_KEYS):
        assert f"`{key}`" in docs, key
