"""Client search matches what was typed literally: % and _ are characters, not wildcards."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_helpers import Practice, csrf_of, login

from therabill.store.services.clients import escape_like


@pytest.mark.parametrize(
    ("typed", "pattern"),
    [("cruz", "cruz"), ("100%", "100\\%"), ("o_neil", "o\\_neil"), ("a\\b", "a\\\\b")],
)
def test_escape_like(typed: str, pattern: str) -> None:
    assert escape_like(typed) == pattern


@pytest.mark.parametrize("typed", ["%", "_", "%%", "_a"])
def test_wildcards_typed_find_nobody(web: TestClient, practice: Practice, typed: str) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/clients").text)
    found = web.post("/clients/search", data={"q": typed, "csrf_token": token})
    assert found.status_code == 200
    assert "Cruz" not in found.text and "Dale" not in found.text


def test_a_real_name_is_still_found(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/clients").text)
    found = web.post("/clients/search", data={"q": "cru", "csrf_token": token})
    assert "Cruz" in found.text and "Dale" not in found.text
