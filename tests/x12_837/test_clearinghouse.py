"""Clearinghouse profiles: the shipped placeholder, a user's override, malformed files."""

from __future__ import annotations

from pathlib import Path

import pytest

from therabill.errors import DataFileError, InvalidInput
from therabill.x12.clearinghouse import available_clearinghouses, load_clearinghouse

SHIPPED = load_clearinghouse("default")


def test_shipped_default_is_a_test_profile() -> None:
    profile = load_clearinghouse("default")
    assert profile.interchange.usage == "T"
    assert profile.settings.usage == "T"
    assert "default" in available_clearinghouses()


def test_user_file_overrides_and_adds(therabill_home: Path) -> None:
    folder = therabill_home / "clearinghouses"
    folder.mkdir()
    text = (
        Path(__file__).parents[2] / "src/therabill/x12/clearinghouse/data/default.toml"
    ).read_text()
    (folder / "default.toml").write_text(text.replace('usage = "T"', 'usage = "P"'))
    (folder / "acme-ch.toml").write_text(text.replace('"CLEARINGHOUSE"', '"ACMECH"'))
    assert load_clearinghouse("default").interchange.usage == "P"
    acme = load_clearinghouse("acme-ch")
    assert acme.receiver.id == "ACMECH"
    assert acme.name == "acme-ch"
    assert {"default", "acme-ch"} <= set(available_clearinghouses())


BROKEN = [
    ('usage = "T"', 'usage = "X"', "interchange.usage"),
    ('sender_id = "THERABILL"', 'sender_id = "THERABILL-PRACTICE-1"', "interchange.sender_id"),
    ('phone = "5555550100"', 'phone = "555-0100"', "submitter.phone"),
    ("[receiver]", "[reciever]", "reciever"),
    ('usage = "T"', "usage = ", "not valid TOML"),
]


@pytest.mark.parametrize(("old", "new", "named"), BROKEN, ids=[b[2] for b in BROKEN])
def test_malformed_profile_names_file_and_key(
    therabill_home: Path, old: str, new: str, named: str
) -> None:
    folder = therabill_home / "clearinghouses"
    folder.mkdir()
    text = (
        Path(__file__).parents[2] / "src/therabill/x12/clearinghouse/data/default.toml"
    ).read_text()
    assert old in text
    (folder / "bad.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(DataFileError) as caught:
        load_clearinghouse("bad")
    assert "bad.toml" in str(caught.value)
    assert named in str(caught.value)


@pytest.mark.parametrize("name", ["nope", "../etc/passwd", ""], ids=["unknown", "path", "empty"])
def test_unknown_or_unsafe_name(name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_clearinghouse(name)
    assert caught.value.field == "--clearinghouse"
