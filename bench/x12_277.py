"""The 277 claim status reader (005010X212) and the 277CA acknowledgement reader (005010X214)
beside the 835 reader and a plain split of each file: seconds per MB on normal generated files
and on the adversarial shapes of ``tests/x12_shapes.py`` (``SHAPES_277``; the 277CA's shapes are
in the shapes benchmark).

The normal 277 answers about ``claims`` claims (a subscriber loop, TRN, two STC composites,
REF*1K and REF*EJ, DTP and one service line each), the size of the 835 benchmark's remittance;
the normal 277CA acknowledges as many claims (one in ten rejected with STC10 and a line-level
STC); the 835 reader reads that benchmark's file in the same run, for scale. The floor splits
each file on its terminators and separators and counts segments, the least any reader does. Each read runs in its
own process (``bench.x12_shapes``: CPU time of the parse alone, peak resident memory).

Repeat with: ``.venv/bin/python -m bench x12_277 [--quick]`` (``--write`` updates its section
of docs/performance.md only).
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench import x12_shapes
from bench.x12_835 import generate

TITLE = "277 and 277CA readers"

x12_shapes.READS["277"] = "from therabill.x12.claim_status import read_277 as run\n"
x12_shapes.READS["plain split (floor)"] = """
def run(path):
    pending = b""
    count = 0
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            data = pending + chunk
            cut = data.rfind(b"~")
            pending = data[cut + 1:]
            for seg in data[:cut].split(b"~"):
                count += len(seg.split(b"*")) > 1
"""
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from x12_shapes import HEAD_277, HEAD_X212, SHAPES_277, _277, _x212  # noqa: E402


def normal_277(claims: int) -> bytes:
    """A payer's answer about ``claims`` claims: finalized and paid, one line each."""
    body = list(HEAD_X212)
    for i in range(claims):
        number = f"TB{i + 1:08d}"
        body += [
            f"HL*{i + 4}*3*22*0",
            f"NM1*IL*1*CLIENT{i % 997}*ALEX****MI*M{i:09d}",
            f"TRN*2*{number}",
            "STC*F1:65*20260106**90.00*72.00*20260105**20260106*EFT0001*F1:107",
            f"REF*1K*ICN{i:010d}",
            f"REF*EJ*{number}",
            "DTP*472*D8*20251201",
            "SVC*HC:97110:GP*90.00*72.00****2",
            "STC*F1:65*20260106",
            f"REF*FJ*{number}-1",
        ]
    return _x212(body)


def normal_277ca(claims: int) -> bytes:
    """A clearinghouse's 277CA about ``claims`` claims: nine in ten accepted, one rejected with
    a second composite (STC10) and a line-level status, as in the X214 guide's example 1."""
    body = list(HEAD_277)
    for i in range(claims):
        number = f"TB{i + 1:08d}"
        body += [
            f"HL*{i + 4}*3*PT",
            f"NM1*QC*1*CLIENT{i % 997}*ALEX****MI*M{i:09d}",
            f"TRN*2*{number}",
        ]
        if i % 10 == 9:
            body += [
                "STC*A3:21:82*20260106*U*90.00******A3:153:82",
                f"REF*1K*ICN{i:010d}",
                "DTP*472*D8*20251201",
                "SVC*HC:97110:GP*90.00*****2",
                "STC*A3:122*20260106*U*******A3:153:82",
                f"REF*FJ*{number}-1",
            ]
        else:
            body += ["STC*A2:20*20260106*WQ*90.00", f"REF*1K*ICN{i:010d}", "DTP*472*D8*20251201"]
    return _277(body)


def run(quick: bool) -> str:
    out = x12_shapes.OUT
    out.mkdir(parents=True, exist_ok=True)
    claims = 5_000 if quick else 100_000
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    rows = []
    for reader, path, make in (
        ("835", out / "normal-835.x12", lambda p: generate(p, claims)),
        ("277", out / "normal-277.x12", lambda p: p.write_bytes(normal_277(claims))),
        ("277CA", out / "normal-277ca.x12", lambda p: p.write_bytes(normal_277ca(claims))),
    ):
        make(path)
        mb = path.stat().st_size / 1e6
        for name in ("plain split (floor)", reader):
            result = x12_shapes._read(name, path)
            shape = f"normal generated {reader}, {claims:,} claims"
            if "error" in result:
                rows.append(f"| {name} | {shape} | {mb:,.1f} | — | — | — | failed |")
                continue
            seconds, peak = result["seconds"], result["peak_kb"] / 1024
            rows.append(
                f"| {name} | {shape} | {mb:,.1f} | {seconds:,.2f} | {seconds / mb:.3f} | "
                f"{peak:,.0f} | — |"
            )
        path.unlink()
    for shape, make_shape in SHAPES_277.items():
        print(f"bench: x12_277 {shape}", file=sys.stderr, flush=True)
        rows.append(x12_shapes._row("277", shape, sizes, make_shape))
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"A normal 277 and a normal 277CA about {claims:,} claims beside the 835 "
            "benchmark's remittance of as many claims, each after a plain split of the same "
            "file (the floor: split on terminators and separators, count segments), then "
            f"each 277 shape with one segment or loop repeated {sizes[1]:,} "
            "times (`tests/x12_shapes.py`, `SHAPES_277`). Each read runs in its own process: "
            "CPU time of the parse alone, peak resident memory. The last column is the time of "
            f"{sizes[1]:,} repeats over the time of {sizes[0]:,}: about 10 for a linear reader. "
            "The 277 and 277CA readers keep every claim's answer (a file is read whole and "
            "recorded in one transaction); each claim keeps at most 100 statuses and lines. The "
            "277CA's adversarial shapes are in the shapes table above.",
            "",
            "| reader | file | MB | seconds | s/MB | peak MB | 10× input |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Repeat: `.venv/bin/python -m bench x12_277` (`--quick`: 5,000 claims; 10,000 and "
            "100,000 repeats).",
            "",
        ]
    )
