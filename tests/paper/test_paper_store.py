"""``therabill claims print`` and its service: stored claims on the CMS-1500, the other
policy in Items 9/11d, the printer offset, and bad input (one ``Error:`` line, exit 2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paper_fixtures import DAY
from pdf_helpers import page_count, text, words
from typer.testing import CliRunner

from therabill.cli.main import app
from therabill.errors import InvalidInput
from therabill.store import factories
from therabill.store.services import Store, clients, paper

runner = CliRunner()


def _claim(store: Store, *, codes: dict[str, int] | None = None) -> int:
    return factories.build_one_claim(
        store, client="C-1", provider=factories.PT_NPI, day=DAY, services=codes or {"97110": 30}
    )


def test_a_stored_claim_prints_with_the_secondary_policy_and_the_certifier(
    store: Store, practice: factories.ExamplePractice
) -> None:
    with store.transaction(actor="biller") as work:
        clients.add_policy(
            work=work, client_id=practice.clients[0], payer="Maine Supplement",
            member_id="MS1234567", priority="secondary",
        )  # fmt: skip
    claim_id = _claim(store)
    with store.transaction(actor="biller") as work:
        printed = paper.print_claims(work=work, claim_ids=[claim_id])
    assert printed.pages == 1 and page_count(printed.pdf) == 1
    shown = text(printed.pdf)
    for expected in ("EXAMPLE, ADA", "MS1234567", "MAINE SUPPLEMENT", "DN DIAZ, ROSA",
                     "1679576722", "HARBOUR THERAPY", "207 555 0142", "97110"):  # fmt: skip
        assert expected in shown, expected


def test_several_claims_one_pdf_in_the_order_given(
    store: Store, practice: factories.ExamplePractice
) -> None:
    first = _claim(store)
    second = _claim(store, codes={"97112": 38})
    with store.transaction(actor="biller") as work:
        printed = paper.print_claims(work=work, claim_ids=[second, first, second])
    assert printed.claim_ids == [second, first] and page_count(printed.pdf) == 2
    assert "97112" in text(printed.pdf, 0) and "97110" in text(printed.pdf, 1)


def test_the_printer_offset_moves_the_data_only_print(
    store: Store, practice: factories.ExamplePractice
) -> None:
    claim_id = _claim(store)
    with store.transaction(actor="biller") as work:
        before = paper.print_claims(work=work, claim_ids=[claim_id], data_only=True)
        paper.set_printer_offset(work=work, right="0.10", down="-0.05")
        after = paper.print_claims(work=work, claim_ids=[claim_id], data_only=True)
        drawn = paper.print_claims(work=work, claim_ids=[claim_id])
    first = next(w for w in words(before.pdf) if w.text == "EXAMPLE,")
    moved = next(w for w in words(after.pdf) if w.text == "EXAMPLE,")
    assert moved.x0 - first.x0 == pytest.approx(7.2)  # 0.10 inch
    assert moved.top - first.top == pytest.approx(-3.6)  # 0.05 inch up
    on_form = next(w for w in words(drawn.pdf) if w.text == "EXAMPLE,")
    assert on_form.x0 == pytest.approx(first.x0)  # the drawn form needs no offset


@pytest.mark.parametrize(
    ("right", "message"),
    [("abc", "not a number of inches"), ("0.005", "1/100 inch"), ("1.5", "at most one inch")],
)
def test_a_bad_offset_is_refused(
    store: Store, practice: factories.ExamplePractice, right: str, message: str
) -> None:
    with store.transaction(actor="biller") as work, pytest.raises(InvalidInput, match=message):
        paper.set_printer_offset(work=work, right=right, down="0")


def _run(*args: str) -> object:
    return runner.invoke(app, list(args))


def test_cli_prints_and_reports_json(
    store: Store, practice: factories.ExamplePractice, cli_env: Path
) -> None:
    claim_id = _claim(store)
    out = cli_env / "claims.pdf"
    result = _run("claims", "print", str(claim_id), "-o", str(out), "--data-only", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data == {"claims": [claim_id], "pages": 1, "data_only": True,
                    "bytes": out.stat().st_size, "output": str(out)}  # fmt: skip
    assert out.read_bytes().startswith(b"%PDF") and "97110" in text(out.read_bytes())
    align = cli_env / "align.pdf"
    assert _run("claims", "print-alignment", "-o", str(align)).exit_code == 0
    assert "XXXXXXXXXX" in text(align.read_bytes())
    offset = _run("claims", "print-offset", "--right", "0.05", "--down", "-0.02", "--json")
    assert json.loads(offset.stdout) == {"right_inches": "0.05", "down_inches": "-0.02"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["claims", "print", "999", "-o", "{tmp}/x.pdf"], "Error: claim: no claim 999\n"),
        (
            ["claims", "print", "TBX", "-o", "{tmp}/x.pdf"],
            "Error: claim: 'TBX' is not a therabill claim number",
        ),
        (["claims", "print", "{claim}", "-o", "{tmp}/missing/x.pdf"], "Error: output: no folder"),
        (["claims", "print-offset", "--right", "2"], "Error: right: an offset is at most one inch"),
    ],
    ids=["unknown claim", "not a claim number", "no such folder", "offset too large"],
)
def test_cli_bad_input_one_error_line_exit_2(
    store: Store, practice: factories.ExamplePractice, cli_env: Path, args: list[str], message: str
) -> None:
    claim_id = _claim(store)
    filled = [a.format(tmp=cli_env, claim=claim_id) for a in args]
    result = _run(*filled)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1
    assert not (cli_env / "x.pdf").exists()


def test_the_payers_mailing_address_fills_the_carrier_block(
    store: Store, practice: factories.ExamplePractice, cli_env: Path
) -> None:
    """NUCC 1500 manual, "Carrier Block": 1st line the payer's name, 2nd the first address
    line, 3rd the second if needed, 4th city, state and ZIP; set with ``payer edit``."""
    from test_cms1500 import grid, read_box

    from therabill.paper import cms1500

    payers = json.loads(_run("payer", "list", "--json").stdout)
    medicare = next(p["id"] for p in payers if p["name"] == "Medicare Part B")
    claim_id = _claim(store)
    edited = _run(
        "payer", "edit", str(medicare), "--address", "PO Box 14099", "--address2", "Claims Unit",
        "--city", "Lexington", "--state", "ky", "--zip", "40512-4099", "--json",
    )  # fmt: skip
    assert edited.exit_code == 0, edited.stderr
    lines = ["PO Box 14099", "Claims Unit", "Lexington, KY 40512-4099"]
    assert json.loads(edited.stdout)["mailing_address"] == lines
    for data_only in (False, True):
        with store.transaction(actor="biller") as work:
            pdf = paper.print_claims(work=work, claim_ids=[claim_id], data_only=data_only).pdf
        cells = grid(pdf)
        block = [read_box(cells, cms1500.BOXES[f"carrier.{b}"]) for b in ("name", "line2", "line3", "line4")]  # fmt: skip
        assert block == ["MEDICARE PART B", *(line.upper() for line in lines)]
    bad = _run("payer", "edit", str(medicare), "--zip", "4051")
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: payer.address: ")
    cleared = _run("payer", "edit", str(medicare), "--address", "", "--address2", "",
                   "--city", "", "--state", "", "--zip", "", "--json")  # fmt: skip
    assert json.loads(cleared.stdout)["mailing_address"] == []
