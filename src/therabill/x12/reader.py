"""Streaming X12 tokenizer: delimiters, segments and envelope checks for any transaction set.

An X12 file is read in chunks of bytes, so memory stays flat whatever its size:

- the delimiters come from the ISA segment (element separator after ``ISA``, repetition
  separator ISA11 in version 00402 and later, component separator ISA16, segment terminator
  after ISA16); ISA need not be padded to its fixed width;
- the segment terminator may be followed by newlines or CRLF, and segments may be indented:
  line breaks are not X12 data characters and are dropped (unless a line break *is* the
  terminator); a UTF-8 byte-order mark is skipped;
- a file may hold several interchanges (ISA…IEA), each several functional groups (GS…GE),
  each several transactions (ST…SE); the envelope is checked as it streams past: SE01 segment
  count and SE02 = ST02, GE01 = transactions in the group and GE02 = GS06, IEA01 = groups in
  the interchange and IEA02 = ISA13, and nothing left open at the end of the file;
- a file that starts at ST (a transaction taken out of its envelope, as some payer portals
  hand them out) is **read**: the element separator is the byte after ``ST``, the segment
  terminator the first byte after the ST segment's own elements, and the component separator
  the one the first SVC composite uses (``:`` when there is none). Only ST/SE are checked.
  Rejecting a payer's real remittance is worse than reading one without its envelope;
- anything else (empty, binary, CSV, an HTML error page) is refused with ``X12Error``
  saying what the file starts with.

Errors name the file, the segment number (1-based, counted from the start of the file), the
segment id and, where there is one, the element (``CLP03``).

Text is decoded as UTF-8; a chunk that is not UTF-8 is decoded as Latin-1 (X12's extended
character set is a subset of both), so a payer's accented name never stops a remittance.

Reference: ASC X12 control segments (ISA/IEA, GS/GE, ST/SE) as used by the HIPAA 005010
implementation guides, e.g. 005010X221A1 appendix B; summarised in pyx12's maps.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from therabill.errors import TherabillError

CHUNK_SIZE = 1 << 20
"""Bytes read at a time; the largest string alive is about this big."""

BOM = b"\xef\xbb\xbf"
_MAX_SEGMENT = 1 << 20
"""A 'segment' longer than this means the terminator is wrong: refuse rather than buffer."""

Source = str | os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
"""A path, the raw bytes of a file, or a binary file object (read in chunks)."""


def rewound(source: Source) -> Source:
    """``source`` ready to be read from its start again: a file object is sought back to 0
    (a reader that makes two passes, one to check and one to act, reads it twice)."""
    if not isinstance(source, str | os.PathLike | bytes | bytearray | memoryview):
        source.seek(0)
    return source


class X12Error(TherabillError):
    """An X12 file that cannot be read; says where: file, segment number, id and element."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        segment_number: int | None = None,
        segment_id: str | None = None,
        element: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = [file] if file else []
        if segment_number is not None:
            where.append(f"segment {segment_number}" + (f" ({segment_id})" if segment_id else ""))
        elif segment_id:
            where.append(segment_id)
        if element:
            where.append(f"element {element}")
        super().__init__(message, field=", ".join(where) or None, hint=hint)
        self.file = file
        self.segment_number = segment_number
        self.segment_id = segment_id
        self.element = element


@dataclass(frozen=True, slots=True)
class Delimiters:
    """The four separators of one interchange (repetition is ``None`` before version 00402)."""

    element: str = "*"
    component: str = ":"
    repetition: str | None = "^"
    segment: str = "~"


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: its 1-based number in the file, its id and its elements (``[0]`` = id)."""

    number: int
    id: str
    elements: list[str]

    def get(self, index: int) -> str:
        """Element ``index`` (1-based, as in ``CLP03``) or ``""`` when absent."""
        return self.elements[index] if index < len(self.elements) else ""


def source_name(source: Source) -> str:
    """How errors name a source: its path, or ``<bytes>`` / the file object's name."""
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    if isinstance(source, bytes | bytearray | memoryview):
        return "<bytes>"
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def _open(source: Source, name: str) -> tuple[BinaryIO, bool]:
    """A binary stream for ``source`` and whether we opened it (so must close it)."""
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), True
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True
        except OSError as exc:
            raise X12Error(f"cannot read the file: {exc.strerror}", file=name) from None
    return source, False


def _printable(data: bytes) -> str:
    text = data[:20].decode("latin-1")
    return "".join(ch if ch.isprintable() else "." for ch in text)


def _isa_delimiters(head: bytes, name: str) -> Delimiters:
    """Delimiters from the ISA at the start of ``head`` (ISA need not be padded)."""
    sep = head[3:4]
    if not sep or sep.isalnum() or sep in b" \r\n":
        raise X12Error(
            "the ISA segment has no element separator after 'ISA'",
            file=name,
            segment_number=1,
            segment_id="ISA",
        )
    pos = 0
    for _ in range(16):
        pos = head.find(sep, pos + 1)
        if pos < 0:
            raise X12Error(
                "the ISA segment is cut short: it needs 16 elements",
                file=name,
                segment_number=1,
                segment_id="ISA",
                hint="Is the file truncated?",
            )
    component, terminator = head[pos + 1 : pos + 2], head[pos + 2 : pos + 3]
    if not terminator:
        raise X12Error(
            "the ISA segment is cut short before its segment terminator",
            file=name,
            segment_number=1,
            segment_id="ISA",
        )
    elements = head[: pos + 2].split(sep)
    repetition_raw = elements[11]
    version = elements[12]
    repetition = (
        repetition_raw.decode("latin-1")
        if len(repetition_raw) == 1 and not repetition_raw.isalnum() and version >= b"00402"
        else None
    )
    chosen = [sep, component, terminator]
    if any(c.isalnum() or c == b" " for c in chosen) or len(set(chosen)) != 3:
        raise X12Error(
            f"the ISA delimiters are not usable: element {sep!r}, component {component!r}, "
            f"segment terminator {terminator!r} must be distinct non-alphanumeric characters",
            file=name,
            segment_number=1,
            segment_id="ISA",
            element="ISA16",
        )
    return Delimiters(
        element=sep.decode("latin-1"),
        component=component.decode("latin-1"),
        repetition=repetition,
        segment=terminator.decode("latin-1"),
    )


def _bare_st_delimiters(head: bytes, name: str) -> Delimiters:
    """Delimiters of a transaction without envelope, starting ``ST*835*0001~``."""
    sep = head[2:3]
    match = re.match(rb"ST" + re.escape(sep) + rb"[A-Za-z0-9" + re.escape(sep) + rb" .]+", head)
    terminator = head[match.end() : match.end() + 1] if match else b""
    if not terminator or terminator.isalnum():
        raise X12Error(
            "the file starts at ST but its segment terminator cannot be found",
            file=name,
            segment_number=1,
            segment_id="ST",
        )
    svc = re.search(
        re.escape(terminator) + rb"\s*SVC" + re.escape(sep) + rb"[A-Z0-9]{2}([^A-Za-z0-9 ])", head
    )
    component = svc.group(1) if svc and svc.group(1) not in (sep, terminator) else b":"
    return Delimiters(
        element=sep.decode("latin-1"),
        component=component.decode("latin-1"),
        repetition=None,
        segment=terminator.decode("latin-1"),
    )


class SegmentReader:
    """Reads one X12 source in chunks; yields lists of raw segment texts.

    ``batches()`` is the fast path used by transaction parsers (they split elements themselves
    and count segments); ``iter_segments()`` below is the convenient one. ``enveloped`` is
    False for a file that starts at ST.
    """

    def __init__(self, source: Source, *, chunk_size: int = CHUNK_SIZE) -> None:
        self.name = source_name(source)
        self._stream, self._owned = _open(source, self.name)
        self._chunk_size = chunk_size
        try:
            head = self._stream.read(max(chunk_size, 4096))
            while 0 < len(head) < 4096:  # a pipe or socket may hand out less than asked
                more = self._stream.read(4096)
                if not more:
                    break
                head += more
        except OSError as exc:
            self.close()
            raise X12Error(f"cannot read the file: {exc}", file=self.name) from None
        if head.startswith(BOM):
            head = head[3:]
        head = head.lstrip(b" \t\r\n")
        self._head = head
        if head.startswith(b"ISA"):
            self.delimiters = _isa_delimiters(head, self.name)
            self.enveloped = True
        elif head.startswith(b"ST") and len(head) > 2 and not head[2:3].isalnum():
            self.delimiters = _bare_st_delimiters(head, self.name)
            self.enveloped = False
        else:
            self.close()
            what = f"it starts with {_printable(head)!r}" if head else "it is empty"
            raise X12Error(
                f"not an X12 file: {what}",
                file=self.name,
                hint="An X12 interchange starts with 'ISA' (or a bare transaction with 'ST').",
            )

    def close(self) -> None:
        if self._owned:
            self._stream.close()

    def batches(self) -> Iterator[list[str]]:
        """Segment texts in file order, a chunk's worth at a time, newlines removed.

        Empty strings may appear (``~~``); callers skip them but still count nothing for them.
        """
        term = self.delimiters.segment
        term_b = term.encode("latin-1")
        drop_newlines = term not in "\r\n"
        indent = re.compile(re.escape(term) + r"\s+")
        crlf = re.search(re.escape(term_b) + rb"\r?\n", self._head)
        term_nl = term + (crlf.group()[1:].decode() if crlf else "\n")
        pending = self._head
        self._head = b""
        read = self._stream.read
        size = self._chunk_size
        at_end = False
        while not at_end:
            chunk = read(size)
            if chunk:
                data = pending + chunk if pending else chunk
                cut = data.rfind(term_b)
                if cut < 0:
                    if len(data) > _MAX_SEGMENT:
                        raise X12Error(
                            f"no segment terminator {term!r} in {len(data):,} bytes",
                            file=self.name,
                            hint="The file is not X12 or its delimiters are damaged.",
                        )
                    pending = data
                    continue
                complete, pending = data[:cut], data[cut + 1 :]
            else:
                at_end = True
                complete, pending = pending.rstrip(b" \t\r\n" + term_b), b""
                if not complete:
                    break
            try:
                text = complete.decode("utf-8")
            except UnicodeDecodeError:
                text = complete.decode("latin-1")
            if text[:1] in ("\n", "\r"):  # the line break after the previous chunk's last ~
                text = text.lstrip("\r\n")
            if drop_newlines and term_nl in text:
                # The common layout, ``~`` and a line break after every segment: split on both
                # at once when every terminator has its line break and no other break exists.
                segments = text.split(term_nl)
                rest = "".join(segments)  # a copy: far cheaper than counting characters
                if (
                    term not in rest
                    and "\n" not in rest
                    and "\r" not in rest
                    and term_nl + " " not in text
                    and term_nl + "\t" not in text
                ):
                    yield segments
                    continue
            if drop_newlines:
                if "\n" in text:
                    text = text.replace("\n", "")
                if "\r" in text:
                    text = text.replace("\r", "")
            elif term == "\n" and "\r" in text:
                text = text.replace("\r", "")
            elif term == "\r" and "\n" in text:
                text = text.replace("\n", "")
            if term + " " in text or term + "\t" in text:
                text = indent.sub(term, text)
            segments = text.split(term)
            if segments and segments[0][:1] in (" ", "\t"):
                segments[0] = segments[0].lstrip()
            yield segments


VERSION = "005010"
"""The X12 version therabill reads (GS08 ``005010X221A1``, ``005010X231A1``…): the HIPAA
transaction standards since January 1, 2012 (45 CFR 162.1102, 162.1602; 74 FR 3296). A group
that names another version (``004010X091A1``) is refused by that name, not by whichever of its
segments differs first."""


class Envelope:
    """Checks ISA/GS/ST/SE/GE/IEA as they stream past; raises ``X12Error`` on the first fault.

    Transaction parsers call ``on_<segment>`` with the split elements and the segment number;
    ``finish`` at end of file reports anything left open (a truncated file).
    """

    def __init__(self, file: str, *, enveloped: bool) -> None:
        self.file = file
        self.enveloped = enveloped
        self.isa: list[str] | None = None
        self.isa_number = 0
        self.gs: list[str] | None = None
        self.gs_number = 0
        self.st: list[str] | None = None
        self.st_number = 0
        self.groups = 0
        self.transactions = 0

    def error(
        self,
        message: str,
        number: int,
        seg: str,
        element: str | None = None,
        hint: str | None = None,
    ) -> X12Error:
        return X12Error(
            message,
            file=self.file,
            segment_number=number,
            segment_id=seg,
            element=element,
            hint=hint,
        )

    @staticmethod
    def _get(elements: list[str], i: int) -> str:
        return elements[i].strip() if i < len(elements) else ""

    def on_isa(self, elements: list[str], number: int) -> None:
        if not self.enveloped:
            raise self.error("an ISA inside a file that started without one", number, "ISA")
        if self.isa is not None:
            raise self.error(
                f"a new interchange starts before IEA closed interchange "
                f"{self._get(self.isa, 13)} (ISA at segment {self.isa_number})",
                number, "ISA", hint="Is the file truncated or two files joined?",
            )  # fmt: skip
        if len(elements) != 17:
            raise self.error(
                f"ISA has {len(elements) - 1} elements, it must have 16 (or the interchange "
                "uses different delimiters from the first one in this file)",
                number, "ISA",
            )  # fmt: skip
        self.isa, self.isa_number, self.groups = elements, number, 0

    def on_gs(self, elements: list[str], number: int) -> None:
        if self.enveloped and self.isa is None:
            raise self.error("GS outside an interchange (no ISA before it)", number, "GS")
        if self.gs is not None:
            raise self.error(
                f"a new group starts before GE closed group {self._get(self.gs, 6)} "
                f"(GS at segment {self.gs_number})", number, "GS",
            )  # fmt: skip
        if not self._get(elements, 6):
            raise self.error("GS06 group control number is missing", number, "GS", "GS06")
        version = self._get(elements, 8)
        if version[:6].isdigit() and not version.startswith(VERSION):
            raise self.error(
                f"this is {version[:6]} (GS08 {version[:20]}); therabill reads {VERSION}",
                number, "GS", "GS08",
                hint="HIPAA has required the 005010 guides since January 1, 2012: ask the "
                "sender for a 005010 file.",
            )  # fmt: skip
        self.gs, self.gs_number, self.transactions = elements, number, 0

    def on_st(self, elements: list[str], number: int) -> None:
        if self.enveloped and self.gs is None:
            raise self.error("ST outside a functional group (no GS before it)", number, "ST")
        if self.st is not None:
            raise self.error(
                f"a new transaction starts before SE closed transaction {self._get(self.st, 2)} "
                f"(ST at segment {self.st_number})", number, "ST",
                hint="Is the file truncated?",
            )  # fmt: skip
        if not self._get(elements, 2):
            raise self.error("ST02 transaction control number is missing", number, "ST", "ST02")
        self.st, self.st_number = elements, number

    def on_se(self, elements: list[str], number: int) -> None:
        if self.st is None:
            raise self.error("SE without a transaction (no ST before it)", number, "SE")
        expected = number - self.st_number + 1
        count = self._get(elements, 1)
        if count != str(expected) and (
            not (count.isascii() and count.isdigit()) or int(count) != expected
        ):
            raise self.error(
                f"SE01 says {count or 'nothing'} segments but transaction "
                f"{self._get(self.st, 2)} has {expected} (ST at segment {self.st_number})",
                number, "SE", "SE01", hint="Is a segment missing or added?",
            )  # fmt: skip
        if self._get(elements, 2) != self._get(self.st, 2):
            raise self.error(
                f"SE02 control number {self._get(elements, 2)!r} does not match ST02 "
                f"{self._get(self.st, 2)!r}", number, "SE", "SE02",
            )  # fmt: skip
        self.st = None
        self.transactions += 1

    def on_ge(self, elements: list[str], number: int) -> None:
        if self.gs is None:
            raise self.error("GE without a functional group (no GS before it)", number, "GE")
        if self.st is not None:
            raise self.error(
                f"GE inside transaction {self._get(self.st, 2)}: its SE is missing", number, "GE"
            )
        count = self._get(elements, 1)
        if not (count.isascii() and count.isdigit()) or int(count) != self.transactions:
            raise self.error(
                f"GE01 says {count or 'nothing'} transactions but group "
                f"{self._get(self.gs, 6)} has {self.transactions}", number, "GE", "GE01",
            )  # fmt: skip
        if self._get(elements, 2).lstrip("0") != self._get(self.gs, 6).lstrip("0"):
            raise self.error(
                f"GE02 control number {self._get(elements, 2)!r} does not match GS06 "
                f"{self._get(self.gs, 6)!r}", number, "GE", "GE02",
            )  # fmt: skip
        self.gs = None
        self.groups += 1

    def on_iea(self, elements: list[str], number: int) -> None:
        if self.isa is None:
            raise self.error("IEA without an interchange (no ISA before it)", number, "IEA")
        if self.gs is not None:
            raise self.error(
                f"IEA inside group {self._get(self.gs, 6)}: its GE is missing", number, "IEA"
            )
        count = self._get(elements, 1)
        if not (count.isascii() and count.isdigit()) or int(count) != self.groups:
            raise self.error(
                f"IEA01 says {count or 'nothing'} groups but interchange "
                f"{self._get(self.isa, 13)} has {self.groups}", number, "IEA", "IEA01",
            )  # fmt: skip
        if self._get(elements, 2) != self._get(self.isa, 13):
            raise self.error(
                f"IEA02 control number {self._get(elements, 2)!r} does not match ISA13 "
                f"{self._get(self.isa, 13)!r}", number, "IEA", "IEA02",
            )  # fmt: skip
        self.isa = None

    def finish(self, number: int) -> None:
        """End of file after segment ``number``: nothing may be left open."""
        for opened, at, seg, closer in (
            (self.st, self.st_number, "ST", "SE"),
            (self.gs, self.gs_number, "GS", "GE"),
            (self.isa, self.isa_number, "ISA", "IEA"),
        ):
            if opened is not None:
                raise X12Error(
                    f"the file ends after segment {number} but the {seg} at segment {at} has "
                    f"no {closer}",
                    file=self.file,
                    segment_number=number,
                    hint="The file looks truncated.",
                )
        if number == 0:
            raise X12Error("the file holds no segments", file=self.file)


_CONTROL = {"ISA", "GS", "ST", "SE", "GE", "IEA"}


def iter_segments(sources: Source | Iterable[Source]) -> Iterator[tuple[str, Delimiters, Segment]]:
    """Every segment of one or more X12 sources, envelope checked: ``(file, delimiters, seg)``.

    The general-purpose, slower path (one object per segment); transaction parsers such as
    ``remittance_835`` use ``SegmentReader.batches`` directly.
    """
    items: Iterable[Source]
    if isinstance(sources, str | os.PathLike | bytes | bytearray | memoryview) or hasattr(
        sources, "read"
    ):
        items = [sources]  # type: ignore[list-item]
    else:
        items = sources
    for source in items:
        reader = SegmentReader(source)
        try:
            envelope = Envelope(reader.name, enveloped=reader.enveloped)
            sep = reader.delimiters.element
            number = 0
            for batch in reader.batches():
                for text in batch:
                    if not text:
                        continue
                    number += 1
                    elements = text.split(sep)
                    seg_id = elements[0]
                    if seg_id in _CONTROL:
                        getattr(envelope, f"on_{seg_id.lower()}")(elements, number)
                    elif not re.fullmatch(r"[A-Z][A-Z0-9]{1,2}", seg_id):
                        raise X12Error(
                            f"{seg_id[:20]!r} is not a segment id",
                            file=reader.name,
                            segment_number=number,
                        )
                    yield reader.name, reader.delimiters, Segment(number, seg_id, elements)
            envelope.finish(number)
        finally:
            reader.close()
