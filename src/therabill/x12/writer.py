"""Building X12 segments and envelopes: delimiters, safe values, ISA/GS/ST…SE/GE/IEA.

X12 has no escape character: a delimiter inside a value would split it and corrupt the file
for every claim after it. So a value holding a delimiter (or a control character) is refused
with an error naming the field; accented letters are folded to ASCII first (José → JOSE),
because 005010 files are ASCII (X12.5 basic and extended character sets).

Everything here is pure (values in, text out); transaction-specific loops live in one package
per transaction (``x12/claim_837p``).
Source: ASC X12 005010 envelope (ISA/IEA, GS/GE, ST/SE) as summarised in appendix B of the
005010X222A1 implementation guide; ISA elements are fixed width.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from therabill.errors import InvalidInput
from therabill.money import x12_amount

ISA_VERSION = "00501"
# Latin letters that Unicode does not decompose into a base letter and an accent.
_LETTERS = str.maketrans(
    {"Ø": "O", "ø": "o", "Æ": "AE", "æ": "ae", "Œ": "OE", "œ": "oe", "ß": "ss", "Ł": "L",
     "ł": "l", "Đ": "D", "đ": "d", "Þ": "TH", "þ": "th", "ı": "i", "’": "'", "‘": "'"}
)  # fmt: skip
MAX_CONTROL_NUMBER = 999_999_999  # ISA13, GS06 and ST02 are at most 9 digits
_CACHE_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of an interchange, declared once in ISA.

    ``newline`` adds a line break after each segment terminator: harmless to readers (they
    treat it as part of the terminator) and kind to people reading the file.
    """

    element: str = "*"
    component: str = ":"
    repetition: str = "^"
    segment: str = "~"
    newline: bool = True

    def __post_init__(self) -> None:
        chars = (self.element, self.component, self.repetition, self.segment)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char == " " or not char.isascii():
                raise InvalidInput(
                    f"{char!r} cannot be an X12 delimiter: use one ASCII punctuation character",
                    field="delimiters",
                )
        if len(set(chars)) != 4:
            raise InvalidInput("the four X12 delimiters must differ", field="delimiters")

    @property
    def terminator(self) -> str:
        return self.segment + "\n" if self.newline else self.segment


class Values:
    """Turns document values into safe X12 element text, naming the field when it cannot.

    One instance per delimiter set; the checks are one precompiled regular expression per
    value, so writing stays fast.
    """

    def __init__(self, delimiters: Delimiters, *, uppercase: bool = True) -> None:
        self.delimiters = delimiters
        self.uppercase = uppercase
        forbidden = re.escape(
            delimiters.element + delimiters.component + delimiters.repetition + delimiters.segment
        )
        # Anything outside printable ASCII, or a delimiter, needs a closer look.
        self._unsafe = re.compile(rf"[^\x20-\x7e]|[{forbidden}]")
        self._search = self._unsafe.search
        # Batches repeat names, cities, amounts and dates: each is checked once per run. Hot
        # loops may read ``amounts`` and ``dates`` directly and call ``money``/``date8`` on a
        # miss.
        self.texts: dict[str, str] = {}
        self.amounts: dict[Decimal, str] = {}
        self.dates: dict[dt.date, str] = {}
        # For a transaction's own repeated composites (procedure and modifiers, segments).
        self.memo: dict[tuple[object, ...], str] = {}
        # Diagnosis pointer lists: their SV107 text and their highest pointer.
        self.pointers: dict[tuple[int, ...], tuple[str, int]] = {}

    def text(self, value: str, field: str, max_length: int = 0, min_length: int = 1) -> str:
        """A name or address element: trimmed, ASCII, no delimiter, within its lengths, and
        upper case when the profile asks for it. ``max_length`` 0: no upper limit."""
        clean = self.texts.get(value)
        if clean is None:
            clean = value.strip()
            if self._search(clean):
                clean = self._fold(clean, field)
            if self.uppercase:
                clean = clean.upper()
            if len(self.texts) > _CACHE_LIMIT:
                self.texts.clear()
            self.texts[value] = clean
        size = len(clean)
        if size < min_length or (max_length and size > max_length):
            self._length_error(clean, field, max_length, min_length)
        return clean

    def remember(self, key: tuple[object, ...], text: str) -> str:
        """Keep ``text`` in ``memo`` under ``key`` (the memo is emptied when it grows big)."""
        if len(self.memo) > _CACHE_LIMIT:
            self.memo.clear()
        self.memo[key] = text
        return text

    def money(self, amount: Decimal, field: str) -> str:
        """``therabill.money.x12_amount()``, remembered per amount (fee schedules repeat the same
        charges)."""
        text = self.amounts.get(amount)
        if text is None:
            text = x12_amount(amount, field=field)
            if len(self.amounts) > _CACHE_LIMIT:
                self.amounts.clear()
            self.amounts[amount] = text
        return text

    def date8(self, day: dt.date) -> str:
        """``date8()``, remembered per date."""
        text = self.dates.get(day)
        if text is None:
            if len(self.dates) > _CACHE_LIMIT:
                self.dates.clear()
            text = self.dates[day] = date8(day)
        return text

    def ident(self, value: str, field: str, max_length: int = 0, min_length: int = 1) -> str:
        """An identifier (claim id, member id, NPI…): checked like text, never re-cased, so
        the 835 echoes back exactly what we hold."""
        value = value.strip()
        if self._search(value):
            value = self._fold(value, field)
        size = len(value)
        if size < min_length or (max_length and size > max_length):
            self._length_error(value, field, max_length, min_length)
        return value

    @staticmethod
    def _length_error(value: str, field: str, max_length: int, min_length: int) -> None:
        if len(value) < min_length:
            raise InvalidInput(
                f"{value!r} is too short; the 837P needs at least {min_length} characters",
                field=field,
            )
        raise InvalidInput(
            f"{value!r} is {len(value)} characters; the 837P allows at most {max_length}",
            field=field,
        )

    def _fold(self, value: str, field: str) -> str:
        """Accented letters to plain ones (José → Jose, Øst → Ost); anything else refused."""
        if not value.isascii():
            decomposed = unicodedata.normalize("NFKD", value.translate(_LETTERS))
            value = "".join(c for c in decomposed if not unicodedata.combining(c))
        bad = self._unsafe.search(value)
        if bad:
            char = bad.group()
            d = self.delimiters
            what = (
                "an X12 delimiter"
                if char in (d.element, d.component, d.repetition, d.segment)
                else "a character X12 cannot carry"
            )
            raise InvalidInput(
                f"{value!r} contains {char!r}, {what}; X12 has no escape, so remove or replace it",
                field=field,
            )
        return value

    def composite(self, *parts: str) -> str:
        """Components joined by the component separator; trailing empty ones dropped."""
        items = list(parts)
        while items and not items[-1]:
            items.pop()
        return self.delimiters.component.join(items)


def quantity(value: int | Decimal) -> str:
    """An X12 R quantity: whole numbers without a decimal point, else without trailing zeros."""
    if isinstance(value, int):
        return str(value)
    text = f"{value.normalize():f}"
    return text


def date8(day: dt.date) -> str:
    """CCYYMMDD (D8)."""
    return day.isoformat().replace("-", "")


def time4(moment: dt.datetime) -> str:
    """HHMM."""
    return f"{moment.hour:02d}{moment.minute:02d}"


class Segments:
    """Collects the segments of one transaction set and counts them for SE01.

    ``add`` builds one segment from its elements; hot loops may append ready-made segment
    text to ``parts`` themselves (with ``element`` and ``terminator``) and add to ``count``.
    """

    __slots__ = ("count", "delimiters", "element", "parts", "terminator")

    def __init__(self, delimiters: Delimiters) -> None:
        self.delimiters = delimiters
        self.element = delimiters.element
        self.terminator = delimiters.terminator
        self.parts: list[str] = []
        self.count = 0

    def add(self, *elements: str) -> None:
        """One segment (its id, then its elements); trailing empty elements are dropped, as
        X12 requires."""
        if not elements[-1]:
            items = list(elements)
            while not items[-1]:
                items.pop()
            elements = tuple(items)
        self.parts.append(self.element.join(elements) + self.terminator)
        self.count += 1

    def take(self) -> str:
        """The text collected so far (the counter keeps running)."""
        text = "".join(self.parts)
        self.parts.clear()
        return text


@dataclass(frozen=True, slots=True)
class Party:
    """One side of an interchange: ISA qualifier and id, and the GS application code."""

    qualifier: str
    id: str
    application_code: str


@dataclass(frozen=True, slots=True)
class InterchangeSettings:
    """What ISA and GS carry apart from the control numbers and the date."""

    sender: Party
    receiver: Party
    usage: str = "T"  # ISA15: T test, P production
    acknowledgment_requested: bool = False  # ISA14 (TA1)
    authorization_qualifier: str = "00"
    authorization: str = ""
    security_qualifier: str = "00"
    security: str = ""


def _fixed(value: str, width: int, field: str, values: Values) -> str:
    text = values.text(value, field, min_length=0)
    if len(text) > width:
        raise InvalidInput(
            f"{text!r} is longer than the {width} characters ISA allows", field=field
        )
    return text.ljust(width)


def control_number(number: int, field: str) -> int:
    if not 1 <= number <= MAX_CONTROL_NUMBER:
        raise InvalidInput(
            f"control number {number} is outside 1…{MAX_CONTROL_NUMBER}", field=field
        )
    return number


def isa_segment(
    settings: InterchangeSettings, number: int, created: dt.datetime, values: Values
) -> str:
    """The fixed-width interchange header (every element padded to its exact width)."""
    d = values.delimiters
    if settings.usage not in ("T", "P"):
        raise InvalidInput(
            f"usage must be T (test) or P (production), not {settings.usage!r}", field="usage"
        )
    elements = [
        "ISA",
        _fixed(settings.authorization_qualifier, 2, "authorization_qualifier", values),
        _fixed(settings.authorization, 10, "authorization", values),
        _fixed(settings.security_qualifier, 2, "security_qualifier", values),
        _fixed(settings.security, 10, "security", values),
        _fixed(settings.sender.qualifier, 2, "sender_qualifier", values),
        _fixed(settings.sender.id, 15, "sender_id", values),
        _fixed(settings.receiver.qualifier, 2, "receiver_qualifier", values),
        _fixed(settings.receiver.id, 15, "receiver_id", values),
        f"{created:%y%m%d}",
        time4(created),
        d.repetition,
        ISA_VERSION,
        f"{control_number(number, 'ISA13'):09d}",
        "1" if settings.acknowledgment_requested else "0",
        settings.usage,
        d.component,
    ]
    return d.element.join(elements) + d.terminator


def gs_segment(
    settings: InterchangeSettings,
    functional_id: str,
    number: int,
    created: dt.datetime,
    version: str,
    values: Values,
) -> str:
    d = values.delimiters
    elements = [
        "GS",
        functional_id,
        values.text(settings.sender.application_code, "sender_code", max_length=15),
        values.text(settings.receiver.application_code, "receiver_code", max_length=15),
        date8(created.date()),
        time4(created),
        str(control_number(number, "GS06")),
        "X",
        version,
    ]
    return d.element.join(elements) + d.terminator


def st_number(number: int) -> str:
    """ST02/SE02: 4 to 9 digits."""
    return f"{control_number(number, 'ST02'):04d}"


def trailer(segment_id: str, count: int, number: str, delimiters: Delimiters) -> str:
    """SE, GE or IEA: a count and the control number of the header it closes."""
    return delimiters.element.join((segment_id, str(count), number)) + delimiters.terminator
