"""Properties: cut or mutate real files -> a clean parse or one X12Error, never a traceback;
claims written from random values are read back exactly."""

from __future__ import annotations

import contextlib
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from remit_factory import (
    PEER_DIR,
    THERAPY_BODY,
    group,
    interchange,
    render,
    therapy_file,
    transaction,
)

from therabill.x12.reader import X12Error
from therabill.x12.remittance_835 import check_balance, read_835
from therabill.x12.remittance_835.as_json import remittance_dict

SOURCES = {p.name: p.read_bytes() for p in sorted(PEER_DIR.iterdir()) if p.name != "README.md"}
SOURCES["therapy"] = therapy_file()
SOURCES["therapy-one-line"] = therapy_file(newline="")

NOISE = st.binary(max_size=8) | st.sampled_from(
    [
        b"~",
        b"*",
        b":",
        b"\n",
        b"\r\n",
        b"~~",
        b"ISA",
        b"SE*1*1~",
        b"\xef\xbb\xbf",
        b"\xff",
        b"-",
        b".",
    ]
)


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = draw(st.sampled_from(sorted(SOURCES)))
    raw = bytearray(SOURCES[data])
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["cut", "delete", "insert", "replace", "duplicate"]))
        at = draw(st.integers(0, max(len(raw) - 1, 0)))
        if op == "cut":
            del raw[at:]
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            raw[at:at] = draw(NOISE)
        elif op == "replace" and raw:
            raw[at] = draw(st.integers(0, 255))
        elif op == "duplicate":
            end = raw.find(b"~", at)
            raw[at:at] = raw[at : end + 1] if end > 0 else b""
    return bytes(raw)


def read_everything(data: bytes) -> None:
    for remittance in read_835(data):
        check_balance(remittance)
        remittance_dict(remittance)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=damaged())
def test_damaged_files_give_a_clean_parse_or_one_x12_error(data: bytes) -> None:
    try:
        read_everything(data)
    except X12Error as error:
        text = str(error)
        assert text and "<bytes>" in text, text


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash(data: bytes) -> None:
    with contextlib.suppress(X12Error):
        read_everything(data)


@pytest.mark.parametrize("name", sorted(SOURCES), ids=sorted(SOURCES))
def test_every_prefix_cut_at_a_segment_end_is_refused_or_read(name: str) -> None:
    data = SOURCES[name]
    ends = [i for i, byte in enumerate(data) if byte == ord("~")][:-1]
    for end in ends:
        try:
            read_everything(data[: end + 1])
        except X12Error as error:
            assert (
                error.segment_number is not None
                or "empty" in str(error)
                or "no segments" in str(error)
            )


# --- round trip: random claim payments written as an 835 and read back ----------------------

codes = st.sampled_from(["97110", "97112", "97140", "97530", "92507", "90837", "G0283"])
modifier_lists = st.lists(st.sampled_from(["GP", "GO", "GN", "59", "KX", "CQ", "95"]), max_size=4)
cents = st.integers(0, 500_000)


def amount(value: int) -> str:
    return f"{value // 100}.{value % 100:02d}"


@st.composite
def claims(draw: st.DrawFn) -> tuple[list[str], list[dict[str, object]]]:
    segments, expected = [], []
    for i in range(draw(st.integers(1, 4))):
        lines = []
        for _ in range(draw(st.integers(0, 3))):
            code, mods = draw(codes), draw(modifier_lists)
            charge, paid = draw(cents), draw(cents)
            triples = draw(
                st.lists(st.tuples(st.sampled_from(["CO", "PR", "OA", "PI"]), cents), max_size=3)
            )
            lines.append((code, mods, charge, paid, draw(st.integers(1, 8)), triples))
        charge = sum(line[2] for line in lines)
        paid = sum(line[3] for line in lines)
        segments.append(f"CLP*C{i}*1*{amount(charge)}*{amount(paid)}**12*ICN{i}")
        segments.append(f"NM1*QC*1*DOE*JO****MI*M{i}")
        for code, mods, l_charge, l_paid, units, triples in lines:
            proc = ":".join(["HC", code, *mods])
            segments.append(f"SVC*{proc}*{amount(l_charge)}*{amount(l_paid)}**{units}")
            segments.append("DTM*472*20251203")
            for group_code, value in triples:
                segments.append(f"CAS*{group_code}*45*{amount(value)}")
        expected.append(
            {
                "id": f"C{i}",
                "charge": Decimal(amount(charge)),
                "lines": [
                    (
                        code,
                        tuple(mods),
                        Decimal(amount(c)),
                        Decimal(amount(p)),
                        Decimal(u),
                        [(g, Decimal(amount(v))) for g, v in t],
                    )
                    for code, mods, c, p, u, t in lines
                ],
            }
        )
    return segments, expected


@settings(max_examples=150, deadline=None)
@given(generated=claims(), newline=st.sampled_from(["", "\n", "\r\n"]))
def test_written_claims_are_read_back_exactly(
    generated: tuple[list[str], list[dict[str, object]]], newline: str
) -> None:
    segments, expected = generated
    body = [*THERAPY_BODY[:10], *segments]
    data = render(interchange([group([transaction(body)])]), newline=newline)
    (remittance,) = read_835(data)
    got = [
        {
            "id": c.patient_control_number,
            "charge": c.charge,
            "lines": [
                (
                    s.procedure_code,
                    s.modifiers,
                    s.charge,
                    s.paid,
                    s.units,
                    [(a.group, a.amount) for a in s.adjustments],
                )
                for s in c.services
            ],
        }
        for c in remittance.claims
    ]
    assert got == expected
