"""Reading PDFs back in the paper tests: text and positions (pdfplumber) and page images
(Debian poppler-utils' pdftoppm)."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
from PIL import Image, ImageChops

PDFTOPPM = shutil.which("pdftoppm")


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    bottom: float
    font: str


def words(pdf: bytes, page: int = 0, *, font: str | None = None) -> list[Word]:
    """The words of one page, left to right, top to bottom, with where they start."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        found = doc.pages[page].extract_words(keep_blank_chars=False, extra_attrs=["fontname"])
    out = [Word(w["text"], w["x0"], w["top"], w["bottom"], w["fontname"]) for w in found]
    return [w for w in out if font is None or w.font == font]


def page_count(pdf: bytes) -> int:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return len(doc.pages)


def text(pdf: bytes, page: int = 0) -> str:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return doc.pages[page].extract_text() or ""


def render(pdf: bytes, tmp: Path, *, page: int = 1, dpi: int = 100) -> Image.Image:
    """Page ``page`` (1-based) as poppler draws it."""
    assert PDFTOPPM, "pdftoppm (Debian poppler-utils) is needed: apt-get install poppler-utils"
    source = tmp / "page.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [PDFTOPPM, "-r", str(dpi), "-png", "-f", str(page), "-l", str(page), "-singlefile",
         str(source), str(tmp / "page")],
        check=True,
    )  # fmt: skip
    with Image.open(tmp / "page.png") as image:
        return image.convert("RGB")


def differing_share(a: Image.Image, b: Image.Image) -> float:
    """Share of pixels that differ by more than a faint anti-aliasing shade."""
    assert a.size == b.size, (a.size, b.size)
    diff = ImageChops.difference(a.convert("L"), b.convert("L")).point(
        lambda v: 255 if v > 64 else 0
    )
    histogram = diff.histogram()
    return histogram[255] / (a.size[0] * a.size[1])
