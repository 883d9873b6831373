"""The X12 tokenizer and envelope checks, through the 835 reader and ``iter_segments``."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest
from remit_factory import (
    THERAPY_BODY,
    group,
    interchange,
    render,
    therapy_file,
    transaction,
)

from therabill.errors import TherabillError
from therabill.x12.reader import BOM, SegmentReader, X12Error, iter_segments
from therabill.x12.remittance_835 import iter_835, iter_claims, read_835


def summary(data: bytes | Path) -> list[tuple[str, str, int]]:
    return [(r.header.trace_number, str(r.payment_amount), len(r.claims)) for r in read_835(data)]


EXPECTED = [("EFT0001", "72.50", 3)]


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"newline": ""},
        {"newline": "\r\n"},
        {"element": "|", "component": ">", "terminator": "\n", "newline": ""},
        {"element": "^", "component": "\\", "terminator": "'", "repetition": "{"},
        {"terminator": "~", "newline": "\n    "},
        {"terminator": "\r", "newline": "\n"},
    ],
    ids=[
        "tilde-newline",
        "one-line",
        "crlf",
        "pipe-newline-terminator",
        "edifact-like",
        "indented",
        "carriage-return-terminator",
    ],
)
def test_delimiters_come_from_isa(options: dict[str, str]) -> None:
    assert summary(therapy_file(**options)) == EXPECTED


def test_byte_order_mark_and_leading_blank_lines_are_skipped() -> None:
    assert summary(BOM + b"\r\n" + therapy_file()) == EXPECTED


def test_unpadded_isa_is_read() -> None:
    data = (
        therapy_file()
        .replace(b"ACMEHEALTH     ", b"ACMEHEALTH")
        .replace(b"THERABILL      ", b"THERABILL")
    )
    assert summary(data) == EXPECTED


@pytest.mark.parametrize("chunk_size", [1, 7, 64, 4096])
def test_chunk_boundaries_do_not_matter(chunk_size: int) -> None:
    data = therapy_file(newline="\r\n")
    whole = read_835(data)
    reader = SegmentReader(io.BytesIO(data), chunk_size=chunk_size)
    texts = [t for batch in reader.batches() for t in batch if t]
    assert len(texts) == len(interchange())
    from therabill.x12.remittance_835.parsing import parse_source

    events = list(parse_source(SegmentReader(io.BytesIO(data), chunk_size=chunk_size)))
    assert [e for e in events if type(e).__name__ == "ClaimPayment"] == list(whole[0].claims)


def test_several_interchanges_groups_and_transactions_in_one_file() -> None:
    two_groups = interchange(
        [
            group([transaction(THERAPY_BODY, "0001"), transaction(THERAPY_BODY, "0002")], "7"),
            group([transaction(THERAPY_BODY, "0003")], "8"),
        ]
    )
    second = interchange(control="000000102")
    data = render(two_groups) + render(second)
    result = read_835(data)
    assert [r.header.transaction_control_number for r in result] == ["0001", "0002", "0003", "0001"]
    assert [r.header.group_control_number for r in result] == ["7", "7", "8", "101"]
    assert result[-1].header.interchange_control_number == "000000102"


def test_several_files_in_one_call(tmp_path: Path) -> None:
    first, second = tmp_path / "a.835", tmp_path / "b.835"
    first.write_bytes(therapy_file())
    second.write_bytes(therapy_file(newline=""))
    result = read_835(first, second, therapy_file())
    assert [r.header.file for r in result] == [str(first), str(second), "<bytes>"]
    assert len(list(iter_claims(first, second))) == 6


def test_file_object_is_read_in_chunks() -> None:
    stream = io.BytesIO(therapy_file())
    assert [e.patient_control_number for e in iter_claims(stream)] == [
        "TB00000001",
        "TB00000002",
        "TB00000003",
    ]


def test_events_come_in_file_order() -> None:
    kinds = [type(e).__name__ for e in iter_835(therapy_file())]
    assert kinds == ["RemittanceHeader", *["ClaimPayment"] * 3, "RemittanceEnd"]


def test_bare_transaction_without_envelope_is_read() -> None:
    data = render(transaction(THERAPY_BODY), component=">")
    (remittance,) = read_835(data)
    assert remittance.header.interchange_control_number == ""
    assert remittance.claims[0].services[1].billed_modifiers == ("59",)
    assert remittance.payment_amount == Decimal("72.50")


def test_iter_segments_gives_numbered_segments() -> None:
    segments = [seg for _, _, seg in iter_segments(therapy_file())]
    assert segments[0].id == "ISA" and segments[0].number == 1
    clp = next(s for s in segments if s.id == "CLP")
    assert clp.number == 14 and clp.get(1) == "TB00000001" and clp.get(99) == ""
    assert segments[-1].id == "IEA"


# --- bad input: one clear X12Error naming file, segment number, id and element -------------


def error_of(data: bytes) -> X12Error:
    with pytest.raises(X12Error) as caught:
        read_835(data)
    assert isinstance(caught.value, TherabillError)
    return caught.value


def test_truncated_file() -> None:
    data = therapy_file()
    cut = data[: data.index(b"CLP*TB00000002")]
    error = error_of(cut)
    assert "truncated" in str(error)
    assert error.segment_number == 27


def test_wrong_se_count() -> None:
    data = render(interchange([group([transaction(THERAPY_BODY, se_count=12)])]))
    error = error_of(data)
    assert (error.segment_id, error.element) == ("SE", "SE01")
    assert str(error) == (
        "<bytes>, segment 38 (SE), element SE01: SE01 says 12 segments but transaction 0001 has "
        "36 (ST at segment 3). Is a segment missing or added?"
    )


def test_wrong_ge_count() -> None:
    data = render(interchange([group([transaction(THERAPY_BODY)], ge_count=2)]))
    error = error_of(data)
    assert (error.segment_id, error.element, error.segment_number) == ("GE", "GE01", 39)
    assert "GE01 says 2 transactions but group 101 has 1" in str(error)


def test_wrong_iea_count() -> None:
    data = render(interchange(iea_count=3))
    error = error_of(data)
    assert (error.segment_id, error.element) == ("IEA", "IEA01")


def test_mismatched_control_numbers() -> None:
    data = therapy_file().replace(b"SE*36*0001", b"SE*36*0002")
    assert error_of(data).element == "SE02"
    data = therapy_file().replace(b"IEA*1*000000101", b"IEA*1*000000999")
    assert error_of(data).element == "IEA02"


def test_unknown_segment() -> None:
    data = therapy_file().replace(b"AMT*B6*72.00", b"XYZ*B6*72.00")
    error = error_of(data)
    assert error.segment_number == 22
    assert "'XYZ' is not a segment of an 835" in str(error)


@pytest.mark.parametrize(
    ("old", "new", "element"),
    [
        (b"CLP*TB00000001*1*200.00", b"CLP*TB00000001*1*2OO.00", "CLP03"),
        (b"*120.00*20.00*12", b"*12O*20.00*12", "CLP04"),
        (b"SVC*HC:97110:GP*90.00*52.00", b"SVC*HC:97110:GP*ninety*52.00", "SVC02"),
        (b"CAS*CO*45*18.00", b"CAS*CO*45*1,8", "CAS03"),
        (b"CAS*CO*45*42.00", b"CAS*CO*45*4E2", "CAS03"),
        (b"DTM*472*20251202", b"DTM*472*20251302", "DTM02"),
        (b"AMT*B6*72.00", b"AMT*B6*", "AMT02"),
        (b"BPR*I*72.50", b"BPR*I*NaN", "BPR02"),
        (b"CAS*CO*197", b"CAS*XX*197", "CAS01"),
        (b"SVC*HC:97530*", b"SVC*97530*", "SVC01"),
        (b"CAS*CO*45*42.00", b"CAS*CO**", "CAS02"),
        (b"CAS*CO*45*18.00", b"CAS*CO*45*18.00*1**5.00", "CAS05"),
    ],
    ids=[
        "letter-O-in-charge",
        "letter-O-in-paid",
        "word-amount",
        "thousands-comma",
        "exponent",
        "month-13",
        "empty-amount",
        "nan-payment",
        "unknown-group",
        "composite-without-qualifier",
        "cas-without-triple",
        "cas-second-triple-without-reason",
    ],
)
def test_bad_values_name_their_element(old: bytes, new: bytes, element: str) -> None:
    data = therapy_file()
    assert old in data
    error = error_of(data.replace(old, new, 1))
    assert error.element == element, str(error)
    assert error.file == "<bytes>" and error.segment_number


def test_segment_cut_short() -> None:
    error = error_of(
        therapy_file().replace(b"CLP*TB00000002*4*100.00*0*0*12*ICN0002", b"CLP*TB2*4")
    )
    assert "CLP has 2 elements; it needs at least 4" in str(error)


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"", "it is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "it starts with '%PDF-1.7"),
        (b"claim,paid\nTB1,12.00\n", "it starts with 'claim,paid"),
        (b"<html><body>502 Bad Gateway</body></html>", "it starts with '<html>"),
        (b"ISA*00*", "the ISA segment is cut short"),
        (b"ISA", "no element separator"),
    ],
    ids=["empty", "pdf", "csv", "html", "isa-cut", "isa-only"],
)
def test_not_x12(data: bytes, says: str) -> None:
    assert says in str(error_of(data))


def test_other_transaction_sets_are_refused() -> None:
    data = therapy_file().replace(b"ST*835*0001", b"ST*837*0001")
    error = error_of(data)
    assert (error.element, error.segment_number) == ("ST01", 3)


def test_missing_file_is_an_x12_error(tmp_path: Path) -> None:
    error = error_of(tmp_path / "nope.835")  # type: ignore[arg-type]
    assert "cannot read the file" in str(error)


def traced_peak(claims: int) -> int:
    import tracemalloc

    body = THERAPY_BODY[:10] + THERAPY_BODY[10:24] * claims
    data = render(interchange([group([transaction(body)])]))
    tracemalloc.start()
    try:
        count = sum(1 for _ in parse_chunked(data, 1 << 14))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == claims
    return peak


def test_memory_stays_flat_on_a_long_stream() -> None:
    """Reading four times as many claims (150 KB -> 600 KB, in 16 KB chunks) needs no more memory."""
    traced_peak(2000)  # warm imports, caches and the interpreter's specialised code
    small, large = traced_peak(500), traced_peak(2000)
    assert large < small * 1.25 + 50_000, (small, large)


def parse_chunked(data: bytes, chunk_size: int):  # type: ignore[no-untyped-def]
    from therabill.x12.remittance_835.model import ClaimPayment
    from therabill.x12.remittance_835.parsing import parse_source

    for event in parse_source(SegmentReader(io.BytesIO(data), chunk_size=chunk_size)):
        if type(event) is ClaimPayment:
            yield event


class Trickle(io.RawIOBase):
    """A stream that hands out at most 5 bytes a read, like a slow pipe."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        piece, self.data = self.data[:5], self.data[5:]
        return piece


def test_a_trickling_stream_is_read_whole() -> None:
    assert summary(Trickle(therapy_file())) == EXPECTED  # type: ignore[arg-type]
