"""The CMS-1500 pages as PDF: the whole form drawn (for plain paper) or the data alone (for
the pre-printed red form), with a printer offset for the red form.

Data is 12-point Courier: exactly 10 characters per inch, the pitch the form is designed for
(see :mod:`therabill.paper.cms1500`); a grid line is 1/6 inch (12 points). The drawn form
follows the printed form's rows and columns on the same grid, in the form's red, so the data
of one run lands in the same boxes on plain paper and on the red form. It is a rendering for
payers that take a plain-paper image; payers that scan only the OCR red form need the
data-only print on the pre-printed form (NUCC manual, "Print specifications").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib.colors import Color
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen.canvas import Canvas

from therabill.paper.cms1500 import BOXES, Page, service_line_row
from therabill.paper.pdf import PAGE_HEIGHT, document, latin1

PITCH = 7.2  # points per character at 10 characters per inch
LEADING = 12.0  # points per grid line at 6 lines per inch
LEFT = 25.2  # x of column 1 (0.35 inch)
TOP = 18.0  # top of grid line 1 (0.25 inch)
LAST_COLUMN = 78
DATA_FONT = ("Courier", 12)
FORM_RED = Color(0.85, 0.16, 0.18)  # the form's drop-out red
SHADE = Color(0.99, 0.90, 0.90)


@dataclass(frozen=True, slots=True)
class Offset:
    """Printer offset for the red form, in points (1/72 inch): ``right`` moves the data
    right, ``down`` moves it down; negative values move it left or up."""

    right: float = 0.0
    down: float = 0.0


def column_x(column: int) -> float:
    return LEFT + (column - 1) * PITCH


def line_top(line: int) -> float:
    """Distance from the top of the page to the top of grid line ``line``."""
    return TOP + (line - 1) * LEADING


def baseline(line: int) -> float:
    """The PDF y (from the bottom) of the data baseline on grid line ``line``."""
    return PAGE_HEIGHT - (line_top(line) + LEADING - 3)


def render(
    found: Sequence[Page], *, title: str, form: bool = True, offset: Offset = Offset()
) -> bytes:
    """The PDF of ``found`` pages: the form and its data, or the data alone (``form``
    False) moved by ``offset``."""
    with document(title) as (canvas, buffer):
        if form:
            canvas.beginForm("cms1500")
            draw_form(canvas)
            canvas.endForm()
        for page in found:
            if form:
                canvas.doForm("cms1500")
            draw_data(canvas, page, Offset() if form else offset)
            canvas.showPage()
        canvas.save()
    return buffer.getvalue()


def draw_data(canvas: Canvas, page: Page, offset: Offset) -> None:
    """The page's data, one string per grid line: Courier is monospaced, so a character's
    column is its place in the line (a third of the drawing calls of one per box)."""
    rows: dict[int, list[str]] = {}
    for entry in page.entries:
        row = rows.setdefault(entry.line, [])
        start = entry.column - 1
        if len(row) < start + len(entry.text):
            row.extend(" " * (start + len(entry.text) - len(row)))
        row[start : start + len(entry.text)] = entry.text
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(*DATA_FONT)
    for line in sorted(rows):
        canvas.drawString(
            column_x(1) + offset.right,
            baseline(line) - offset.down,
            latin1("".join(rows[line]).rstrip()),
        )


# The form's rows: (first grid line, last grid line, [(first column, last column, caption)]).
ROWS: list[tuple[int, int, list[tuple[int, int, str]]]] = [
    (7, 8, [(1, 49, "1."), (50, 78, "1a. INSURED'S I.D. NUMBER (For Program in Item 1)")]),
    (
        9,
        10,
        [
            (1, 29, "2. PATIENT'S NAME (Last Name, First Name, Middle Initial)"),
            (30, 49, "3. PATIENT'S BIRTH DATE        SEX"),
            (50, 78, "4. INSURED'S NAME (Last Name, First Name, Middle Initial)"),
        ],
    ),
    (
        11,
        12,
        [
            (1, 29, "5. PATIENT'S ADDRESS (No., Street)"),
            (30, 49, "6. PATIENT RELATIONSHIP TO INSURED"),
            (50, 78, "7. INSURED'S ADDRESS (No., Street)"),
        ],
    ),
    (
        13,
        14,
        [
            (1, 25, "CITY"),
            (26, 29, "STATE"),
            (30, 49, "8. RESERVED FOR NUCC USE"),
            (50, 73, "CITY"),
            (74, 78, "STATE"),
        ],
    ),
    (
        15,
        16,
        [
            (1, 13, "ZIP CODE"),
            (14, 29, "TELEPHONE (Include Area Code)"),
            (30, 49, ""),
            (50, 63, "ZIP CODE"),
            (64, 78, "TELEPHONE (Include Area Code)"),
        ],
    ),
    (
        17,
        18,
        [
            (1, 29, "9. OTHER INSURED'S NAME (Last Name, First Name, Middle Initial)"),
            (30, 49, "10. IS PATIENT'S CONDITION RELATED TO:"),
            (50, 78, "11. INSURED'S POLICY GROUP OR FECA NUMBER"),
        ],
    ),
    (
        19,
        20,
        [
            (1, 29, "a. OTHER INSURED'S POLICY OR GROUP NUMBER"),
            (30, 49, "a. EMPLOYMENT? (Current or Previous)"),
            (50, 78, "a. INSURED'S DATE OF BIRTH            SEX"),
        ],
    ),
    (
        21,
        22,
        [
            (1, 29, "b. RESERVED FOR NUCC USE"),
            (30, 49, "b. AUTO ACCIDENT?    PLACE (State)"),
            (50, 78, "b. OTHER CLAIM ID (Designated by NUCC)"),
        ],
    ),
    (
        23,
        24,
        [
            (1, 29, "c. RESERVED FOR NUCC USE"),
            (30, 49, "c. OTHER ACCIDENT?"),
            (50, 78, "c. INSURANCE PLAN NAME OR PROGRAM NAME"),
        ],
    ),
    (
        25,
        26,
        [
            (1, 29, "d. INSURANCE PLAN NAME OR PROGRAM NAME"),
            (30, 49, "10d. CLAIM CODES (Designated by NUCC)"),
            (50, 78, "d. IS THERE ANOTHER HEALTH BENEFIT PLAN?"),
        ],
    ),
    (
        27,
        30,
        [
            (1, 49, "12. PATIENT'S OR AUTHORIZED PERSON'S SIGNATURE"),
            (50, 78, "13. INSURED'S OR AUTHORIZED PERSON'S SIGNATURE"),
        ],
    ),
    (
        31,
        32,
        [
            (1, 29, "14. DATE OF CURRENT ILLNESS, INJURY, or PREGNANCY (LMP)"),
            (30, 49, "15. OTHER DATE"),
            (50, 78, "16. DATES PATIENT UNABLE TO WORK IN CURRENT OCCUPATION"),
        ],
    ),
    (
        33,
        34,
        [
            (1, 29, "17. NAME OF REFERRING PROVIDER OR OTHER SOURCE"),
            (30, 49, "17a.                      17b. NPI"),
            (50, 78, "18. HOSPITALIZATION DATES RELATED TO CURRENT SERVICES"),
        ],
    ),
    (
        35,
        36,
        [
            (1, 49, "19. ADDITIONAL CLAIM INFORMATION (Designated by NUCC)"),
            (50, 78, "20. OUTSIDE LAB?           $ CHARGES"),
        ],
    ),
    (
        37,
        40,
        [
            (
                1,
                49,
                "21. DIAGNOSIS OR NATURE OF ILLNESS OR INJURY Relate A-L to service line below (24E)   ICD Ind.",
            ),
            (50, 78, "22. RESUBMISSION CODE      ORIGINAL REF. NO."),
        ],
    ),
    (
        41,
        42,
        [
            (1, 18, "24. A. DATE(S) OF SERVICE  From  To"),
            (19, 21, "B. PLACE OF SERVICE"),
            (22, 24, "C. EMG"),
            (25, 44, "D. PROCEDURES, SERVICES, OR SUPPLIES  CPT/HCPCS  MODIFIER"),
            (45, 49, "E. DIAGNOSIS POINTER"),
            (50, 58, "F. $ CHARGES"),
            (59, 62, "G. DAYS OR UNITS"),
            (63, 64, "H. EPSDT"),
            (65, 67, "I. ID. QUAL."),
            (68, 78, "J. RENDERING PROVIDER ID. #"),
        ],
    ),
    (
        55,
        56,
        [
            (1, 21, "25. FEDERAL TAX I.D. NUMBER   SSN EIN"),
            (22, 36, "26. PATIENT'S ACCOUNT NO."),
            (37, 49, "27. ACCEPT ASSIGNMENT?"),
            (50, 60, "28. TOTAL CHARGE"),
            (61, 70, "29. AMOUNT PAID"),
            (71, 78, "30. Rsvd for NUCC Use"),
        ],
    ),
    (
        57,
        62,
        [
            (1, 21, "31. SIGNATURE OF PHYSICIAN OR SUPPLIER INCLUDING DEGREES OR CREDENTIALS"),
            (22, 49, "32. SERVICE FACILITY LOCATION INFORMATION"),
            (50, 78, "33. BILLING PROVIDER INFO & PH #"),
        ],
    ),
]
PROGRAMS = {
    "1.medicare": "Medicare", "1.medicaid": "Medicaid", "1.tricare": "TRICARE",
    "1.champva": "CHAMPVA", "1.group": "Group", "1.feca": "FECA",
    "1.other": "Other",
}  # fmt: skip
SERVICE_COLUMNS = (1, 10, 19, 22, 25, 45, 50, 59, 63, 65, 68)
CHECKBOX_LABELS = {
    "3.m": "M", "3.f": "F", "11a.m": "M", "11a.f": "F",
    "6.self": "Self", "6.spouse": "Spouse", "6.child": "Child", "6.other": "Other",
    "10a.yes": "YES", "10a.no": "NO", "10b.yes": "YES", "10b.no": "NO",
    "10c.yes": "YES", "10c.no": "NO", "11d.yes": "YES", "11d.no": "NO",
    "20.yes": "YES", "20.no": "NO", "27.yes": "YES", "27.no": "NO",
    "25.ssn": "", "25.ein": "",
    "1.medicare": "", "1.medicaid": "", "1.tricare": "", "1.champva": "", "1.group": "",
    "1.feca": "", "1.other": "",
}  # fmt: skip


def _left(column: int) -> float:
    return column_x(column) - 1.5


def _y(top: float) -> float:
    return PAGE_HEIGHT - top


def draw_form(canvas: Canvas) -> None:
    """The 1500 form's lines, captions and check boxes in red, on the data grid."""
    canvas.setStrokeColor(FORM_RED)
    canvas.setFillColor(FORM_RED)
    right = column_x(LAST_COLUMN + 1) + 1.5
    canvas.setFont("Helvetica-Bold", 14)
    canvas.drawString(_left(1), _y(line_top(2) + 6), "1500")
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(_left(1), _y(line_top(4) + 2), "HEALTH INSURANCE CLAIM FORM")
    canvas.setFont("Helvetica", 5.5)
    canvas.drawString(
        _left(1), _y(line_top(5) + 4), "APPROVED BY NATIONAL UNIFORM CLAIM COMMITTEE (NUCC) 02/12"
    )
    canvas.drawString(_left(1), _y(line_top(6) + 7), "PICA")
    canvas.drawRightString(right, _y(line_top(6) + 7), "PICA")
    canvas.drawString(_left(41), _y(line_top(1) + 5), "CARRIER (payer name and address)")
    canvas.setLineWidth(0.8)
    canvas.rect(_left(1), _y(line_top(63)), right - _left(1), line_top(63) - line_top(7))
    canvas.setLineWidth(0.4)
    for first, last, boxes in ROWS:
        canvas.line(_left(1), _y(line_top(first)), right, _y(line_top(first)))
        for start, end, caption in boxes:
            if start > 1:
                canvas.line(_left(start), _y(line_top(first)), _left(start), _y(line_top(last + 1)))
            width = _left(end + 1) - _left(start) - 2
            for n, text in enumerate(simpleSplit(caption, "Helvetica", 5, width)[:4]):
                canvas.setFont("Helvetica", 5)
                canvas.drawString(_left(start) + 1.5, _y(line_top(first) + 5.5 + 5.5 * n), text)
    for letter in "ABCDEFGHIJKL":  # Item 21's letters before each diagnosis
        where = BOXES[f"21.{letter}"]
        canvas.setFont("Helvetica", 6)
        canvas.drawString(column_x(where.column) - 8, _y(line_top(where.line) + 9), f"{letter}.")
    _cents_lines(canvas)
    _service_grid(canvas, right)
    _checkboxes(canvas)
    canvas.setFont("Helvetica", 5.5)
    canvas.drawString(
        _left(1), _y(line_top(64) + 2), "NUCC Instruction Manual available at: www.nucc.org"
    )
    canvas.drawRightString(right, _y(line_top(64) + 2), "FORM 1500 (02-12)")


def _service_grid(canvas: Canvas, right: float) -> None:
    for number in range(1, 7):
        row = service_line_row(number)
        canvas.setFillColor(SHADE)
        canvas.rect(_left(1), _y(line_top(row)), right - _left(1), LEADING, stroke=0, fill=1)
        canvas.setFillColor(FORM_RED)
        canvas.setFont("Helvetica-Bold", 7)
        canvas.drawString(right + 1.5, _y(line_top(row) + 9), str(number))
        canvas.line(_left(1), _y(line_top(row - 1)), right, _y(line_top(row - 1)))
        canvas.setDash(1, 1)
        canvas.line(_left(1), _y(line_top(row)), right, _y(line_top(row)))
        canvas.setDash()
    canvas.line(_left(1), _y(line_top(55)), right, _y(line_top(55)))
    for column in SERVICE_COLUMNS[1:]:
        canvas.line(_left(column), _y(line_top(43)), _left(column), _y(line_top(55)))


def _cents_lines(canvas: Canvas) -> None:
    """The dotted line between dollars and cents in 24F, 28 and 29."""
    canvas.setDash(1, 1)
    spans = [(50, 43, 55), (52, 55, 57), (62, 55, 57)]
    for column, first, last in spans:
        x = column_x(column + 5) + PITCH / 2
        canvas.line(x, _y(line_top(first)), x, _y(line_top(last)))
    canvas.setDash()


def _checkboxes(canvas: Canvas) -> None:
    canvas.setFont("Helvetica", 5)
    for box, label in CHECKBOX_LABELS.items():
        where = BOXES[box]
        x, top = column_x(where.column) - 1, line_top(where.line) + 2
        canvas.rect(x, _y(top + 9), PITCH + 2, 9, stroke=1, fill=0)
        if box.startswith("1."):
            canvas.drawString(x + PITCH + 3.5, _y(top + 7), PROGRAMS[box])
        elif label:
            canvas.drawString(x - 1 - canvas.stringWidth(label, "Helvetica", 5), _y(top + 7), label)
