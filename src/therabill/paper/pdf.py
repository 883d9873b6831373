"""What every document shares: a reproducible canvas, text the standard fonts can show,
money and dates as a US reader expects them.

The documents use only the 14 standard PDF fonts (Courier, Helvetica), whose metrics ship
inside ReportLab: nothing is downloaded or read from the system at run time, and a reader
needs no embedded font file. Those fonts cover Latin-1; other characters are reduced to their
unaccented letter (``Ł`` → ``L``) or ``?``.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager

from reportlab.lib.pagesizes import LETTER
from reportlab.pdfgen.canvas import Canvas

PAGE_WIDTH, PAGE_HEIGHT = LETTER  # 612 x 792 points: US letter, 8.5 x 11 inches
INCH = 72.0


# Letters NFKD does not take apart (they are not an accent on a base letter).
FOLDS = {"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Œ": "OE", "œ": "oe", "ı": "i", "Ŧ": "T", "ŧ": "t"}


def latin1(text: str) -> str:
    """``text`` in the characters the standard fonts have (Latin-1): spaces of any kind
    become a space, control characters go, other letters lose their accent (``Ł`` → ``L``)
    or become ``?``."""
    if text.isascii() and text.isprintable():
        return text  # nearly always: no character to look at one by one
    out = []
    for ch in text:
        if ch.isspace():
            out.append(" ")
        elif not ch.isprintable():
            continue
        elif ch in FOLDS:
            out.append(FOLDS[ch])
        elif ch <= "\xff":
            out.append(ch)
        else:
            base = unicodedata.normalize("NFKD", ch).encode("latin-1", "ignore").decode("latin-1")
            base = "".join(c for c in base if c.isprintable() and not c.isspace())
            out.append(base or "?")
    return "".join(out)


def dollars(cents: int) -> str:
    """``-1234567`` → ``-$12,345.67``."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{part:02d}"


def us_date(day: dt.date) -> str:
    return day.strftime("%m/%d/%Y")


@contextmanager
def document(title: str) -> Iterator[tuple[Canvas, io.BytesIO]]:
    """A letter-size canvas writing to memory. ``invariant`` leaves out the creation time and
    the random document id, so the same data always gives the same bytes (golden tests,
    and a reprint that can be compared with the first)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=LETTER, invariant=1, pageCompression=1)
    canvas.setTitle(latin1(title))
    canvas.setCreator("therabill")
    yield canvas, buffer
