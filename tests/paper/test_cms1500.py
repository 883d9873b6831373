"""CMS-1500 (02/12): each box the 837P carries in the NUCC manual's place, six lines a page,
the drawn form and the data-only print with its printer offset."""

from __future__ import annotations

import io
import os
from decimal import Decimal
from pathlib import Path

import pdfplumber
import pytest
from claim_examples import FACTS, therapy_claim
from pdf_helpers import differing_share, page_count, render, text

from therabill.claims.document import Subscriber
from therabill.paper import cms1500, cms1500_pdf

GOLDEN = Path(__file__).parents[2] / "docs" / "images"
NO_OFFSET = cms1500_pdf.Offset()


def grid(
    pdf: bytes, page: int = 0, offset: cms1500_pdf.Offset = NO_OFFSET
) -> dict[tuple[int, int], str]:
    """The Courier characters of a page by (grid line, column), as a ruler on the page
    would read them; any character off the grid fails."""
    cells: dict[tuple[int, int], str] = {}
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for ch in doc.pages[page].chars:
            if ch["fontname"] != "Courier" or not ch["text"].strip():
                continue
            column = (ch["x0"] - offset.right - cms1500_pdf.LEFT) / cms1500_pdf.PITCH + 1
            baseline_from_top = ch["matrix"][5]
            line = ((792 - baseline_from_top) - offset.down + 3 - cms1500_pdf.TOP) / 12
            assert abs(column - round(column)) < 0.01, ch
            assert abs(line - round(line)) < 0.01, ch
            cells[(round(line), round(column))] = ch["text"]
    return cells


def read_box(cells: dict[tuple[int, int], str], where: cms1500.Box) -> str:
    return "".join(
        cells.get((where.line, where.column + i), " ") for i in range(where.width)
    ).strip()


BOX_CASES = [
    ("carrier.line2", "PO BOX 14099", "Carrier block: the payer's address"),
    ("carrier.line3", "LEXINGTON, KY 40512-4099", "Carrier block: city, state, ZIP"),
    ("1.medicare", "X", "Item 1: Medicare (SBR09 MB)"),
    ("1a", "1EG4TE5MK73", "Item 1a: insured's ID"),
    ("2", "EXAMPLE, ADA", "Item 2: patient's name, last, first"),
    ("3.mm", "03", "Item 3: birth date MM"),
    ("3.dd", "04", "Item 3: birth date DD"),
    ("3.yyyy", "1950", "Item 3: birth date YYYY"),
    ("3.f", "X", "Item 3: sex"),
    ("4", "EXAMPLE, ADA", "Item 4: insured's name"),
    ("5.street", "2 HARBOUR ROAD", "Item 5: address"),
    ("5.city", "PORTLAND", "Item 5: city"),
    ("5.state", "ME", "Item 5: state"),
    ("5.zip", "04101", "Item 5: ZIP"),
    ("5.phone.area", "207", "Item 5: area code"),
    ("5.phone", "555 0142", "Item 5: telephone"),
    ("6.self", "X", "Item 6: self"),
    ("7.street", "2 HARBOUR ROAD", "Item 7: insured's address"),
    ("9", "EXAMPLE, ADA", "Item 9: other insured"),
    ("9a", "MS1234567", "Item 9a: other policy"),
    ("9d", "MAINE SUPPLEMENT", "Item 9d: other plan"),
    ("10a.no", "X", "Item 10a"),
    ("11", "GRP-77", "Item 11: group number"),
    ("11a.yyyy", "1950", "Item 11a"),
    ("11c", "MEDICARE PART B", "Item 11c: plan name"),
    ("11d.yes", "X", "Item 11d: another plan"),
    ("12", "SIGNATURE ON FILE", "Item 12"),
    ("13", "SIGNATURE ON FILE", "Item 13"),
    ("17.qualifier", "DN", "Item 17: referring provider qualifier"),
    ("17", "DIAZ, ROSA", "Item 17: referring provider"),
    ("17b", "1679576722", "Item 17b: referring NPI"),
    ("21.indicator", "0", "Item 21: ICD-10-CM"),
    ("21.A", "M5450", "Item 21A: no decimal point"),
    ("21.B", "M6281", "Item 21B"),
    ("25", "123456789", "Item 25: EIN without hyphen"),
    ("25.ein", "X", "Item 25: EIN box"),
    ("26", "TB00000012", "Item 26: patient account number (CLM01)"),
    ("27.yes", "X", "Item 27: accept assignment"),
    ("28", "273 00", "Item 28: total, no point"),
    ("31", "SIGNATURE ON FILE", "Item 31"),
    ("31.date", "11 28 26", "Item 31: date"),
    ("33", "HARBOUR THERAPY", "Item 33: billing provider"),
    ("33.street", "1 QUAY STREET", "Item 33: address"),
    ("33.city", "PORTLAND ME 04101", "Item 33: city state ZIP"),
    ("33.phone", "555 0100", "Item 33: telephone"),
    ("33a", "1245319599", "Item 33a: billing NPI"),
]


@pytest.mark.parametrize("data_only", [False, True], ids=["form", "data-only"])
@pytest.mark.parametrize(("box", "expected", "item"), BOX_CASES, ids=[c[2] for c in BOX_CASES])
def test_each_box_holds_its_data_at_its_grid_position(
    box: str, expected: str, item: str, data_only: bool
) -> None:
    pdf = cms1500_pdf.render(cms1500.pages(therapy_claim(), FACTS), title="t", form=not data_only)
    assert read_box(grid(pdf), cms1500.BOXES[box]) == expected, item


SERVICE_CASES = [
    ("24a.from.mm", "11"), ("24a.from.dd", "02"), ("24a.from.yy", "26"), ("24a.to.dd", "02"),
    ("24b", "11"), ("24d.code", "97110"), ("24d.modifiers", "GP KX"), ("24e", "AB"),
    ("24f", "90 00"), ("24g", "2"), ("24j", "1234567893"), ("24i.shaded", "ZZ"),
    ("24j.shaded", "225100000X"),
]  # fmt: skip


@pytest.mark.parametrize(("box", "expected"), SERVICE_CASES, ids=[c[0] for c in SERVICE_CASES])
def test_service_line_one(box: str, expected: str) -> None:
    pdf = cms1500_pdf.render(cms1500.pages(therapy_claim(), FACTS), title="t", form=False)
    where = cms1500.LINE_BOXES[box]
    row = cms1500.service_line_row(1) + where.line
    assert read_box(grid(pdf), cms1500.Box(row, where.column, where.width)) == expected


def test_money_is_right_aligned_on_the_dotted_line() -> None:
    """Dollars end in the column before the form's dotted line, cents after it (NUCC 24F)."""
    claim = therapy_claim(lines=1)
    big = claim.model_copy(
        update={"lines": [claim.lines[0].model_copy(update={"charge": Decimal("12345.67")})]}
    )
    for c, dollars_end in ((claim, "90"), (big, "12345")):
        cells = grid(cms1500_pdf.render(cms1500.pages(c, FACTS), title="t", form=False))
        row = cms1500.service_line_row(1)
        assert read_box(cells, cms1500.Box(row, 50, 5)) == dollars_end
        assert read_box(cells, cms1500.Box(row, 56, 2)) == ("00" if c is claim else "67")
    assert cms1500.amount(Decimal("5.10"), 8) == "    5 10"


def test_seven_lines_continue_on_a_second_page_each_page_standing_alone() -> None:
    claim = therapy_claim(lines=7)
    pages = cms1500.pages(claim, FACTS)
    assert len(pages) == 2
    assert pages[0].text("19") == "PAGE 1 OF 2" and pages[1].text("19") == "PAGE 2 OF 2"
    assert pages[0].text("28") == "555 00"  # 90+91+...+95
    assert pages[1].text("28") == "96 00"
    assert pages[1].text("2") == "EXAMPLE, ADA"  # the claim's boxes on every page
    pdf = cms1500_pdf.render(pages, title="t")
    assert page_count(pdf) == 2
    assert "97140" in text(pdf, 1) and "11 08 26" in text(pdf, 1)


def test_six_lines_fit_one_page() -> None:
    pages = cms1500.pages(therapy_claim(lines=6), FACTS)
    assert len(pages) == 1 and pages[0].text("19") == ""


def test_twelve_diagnoses_a_to_l() -> None:
    cells = grid(cms1500_pdf.render(cms1500.pages(therapy_claim(diagnoses=12), FACTS), title="t"))
    found = [read_box(cells, cms1500.BOXES[f"21.{letter}"]) for letter in "ABCDEFGHIJKL"]
    assert found == ["M5450", "M6281", "M25561", "M25562", "R2689", "M79604", "S83511A",
                     "M1711", "M1712", "R296", "Z96651", "M62561"]  # fmt: skip


def test_a_dependant_names_the_subscriber_and_the_relationship() -> None:
    subscriber = Subscriber(
        first_name="Lee", last_name="Parent", relationship="child", member_id="W999"
    )
    claim = therapy_claim(
        subscriber=subscriber,
        payer=therapy_claim().payer.model_copy(update={"id": "COMMERCIAL", "name": "Acme Health"}),
    )
    page = cms1500.pages(claim, cms1500.PaperFacts(printed_on=FACTS.printed_on))[0]
    assert page.text("4") == "PARENT, LEE" and page.text("1a") == "W999"
    assert page.text("6.child") == "X" and page.text("6.self") == ""
    assert page.text("1.group") == "X" and page.text("1.medicare") == ""
    assert page.text("11d.no") == "X" and page.text("9") == ""


def test_replacement_claim_fills_item_22() -> None:
    claim = therapy_claim(frequency="corrected", original_claim_id="PAYER-CCN-1")
    page = cms1500.pages(claim, FACTS)[0]
    assert (page.text("22.code"), page.text("22.original")) == ("7", "PAYER-CCN-1")


def test_without_a_referring_provider_item_17_is_empty() -> None:
    page = cms1500.pages(therapy_claim(referring_provider=None), FACTS)[0]
    assert page.text("17") == "" and page.text("17b") == ""


@pytest.mark.parametrize(("right", "down"), [(3.6, 0.0), (0.0, -2.16), (-1.44, 5.04)])
def test_data_only_moves_by_the_printer_offset(right: float, down: float) -> None:
    offset = cms1500_pdf.Offset(right, down)
    pdf = cms1500_pdf.render(
        cms1500.pages(therapy_claim(), FACTS), title="t", form=False, offset=offset
    )
    cells = grid(pdf, offset=offset)  # off the grid by anything but the offset: fails
    assert read_box(cells, cms1500.BOXES["2"]) == "EXAMPLE, ADA"


def test_data_only_draws_no_form() -> None:
    pdf = cms1500_pdf.render(cms1500.pages(therapy_claim(), FACTS), title="t", form=False)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        assert not page.lines and not page.rects
        assert {c["fontname"] for c in page.chars} == {"Courier"}


def test_alignment_page_every_box_inside_the_drawn_form() -> None:
    """X in every box, with the form drawn: no X touches a line of the form, so the data of
    any claim stays inside its boxes on the same grid."""
    pdf = cms1500_pdf.render([cms1500.alignment_page()], title="t", form=True)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        xs = [c for c in page.chars if c["fontname"] == "Courier" and c["text"].strip()]
        assert len(xs) > 600
        for line in page.lines:
            for ch in xs:
                crosses_x = line["x0"] == line["x1"] and ch["x0"] < line["x0"] < ch["x1"]
                crosses_y = (
                    line["top"] == line["bottom"] and ch["top"] + 2 < line["top"] < ch["bottom"] - 2
                )
                spans = (
                    (line["top"] <= ch["top"] and ch["bottom"] <= line["bottom"]) if crosses_x
                    else (line["x0"] <= ch["x0"] and ch["x1"] <= line["x1"])
                )  # fmt: skip
                assert not ((crosses_x or crosses_y) and spans), (ch["x0"], ch["top"], line)


def test_same_claim_same_bytes() -> None:
    pages = cms1500.pages(therapy_claim(), FACTS)
    assert cms1500_pdf.render(pages, title="t") == cms1500_pdf.render(pages, title="t")


def test_golden_render(tmp_path: Path) -> None:
    """Page 1 as poppler draws it, against docs/images/cms1500.png (the README's image, looked
    at when it was made). THERABILL_UPDATE_GOLDEN=1 rewrites it."""
    pdf = cms1500_pdf.render(
        cms1500.pages(therapy_claim(lines=6, diagnoses=4), FACTS), title="CMS-1500"
    )
    image = render(pdf, tmp_path)
    golden = GOLDEN / "cms1500.png"
    if os.environ.get("THERABILL_UPDATE_GOLDEN"):
        image.save(golden, optimize=True)
    from PIL import Image

    with Image.open(golden) as expected:
        assert differing_share(image, expected) < 0.002
