"""X12 readers on adversarial shapes: seconds per MB when one segment repeats a million times.

The security review (issue 14) froze a worker with one 835 claim holding 200,000 CAS (107 s)
and with 5,000 ST/SE in one group. Each shape of ``tests/x12_shapes.py`` (the growth tests'
own files) is written with 100,000 and 1,000,000 repeats and read by its reader in its own
process (CPU time of the parse alone, as in the 835 benchmark); beside them, the normal
generated 835 of the 835 benchmark. A linear reader spends about the same seconds per MB at
both sizes; the ratio column says how much more time ten times the input took.

Repeat with: ``.venv/bin/python -m bench x12_shapes [--quick]`` (``--write`` updates its
section of docs/performance.md only).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.x12_835 import generate

TITLE = "X12 readers on adversarial shapes"

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "shapes"
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tests"))

from x12_shapes import (  # noqa: E402
    SHAPES_271,
    SHAPES_277CA,
    SHAPES_835,
    SHAPES_999,
    SHAPES_GENERIC,
)

READS = {
    "835": "from therabill.x12.remittance_835 import iter_835 as read\n"
    "def run(path):\n    for _ in read(path):\n        pass\n",
    "999": "from therabill.x12.acknowledgements import read_acknowledgements as run\n",
    "277CA": "from therabill.x12.acknowledgements import read_acknowledgements as run\n",
    "271": "from therabill.x12.eligibility import iter_271\n"
    "def run(path):\n    for _ in iter_271(path):\n        pass\n",
    "tokenizer": "from therabill.x12.reader import iter_segments\n"
    "def run(path):\n    for _ in iter_segments(path):\n        pass\n",
}

SCRIPT = """
import json, re, sys, time
{read}
start = time.process_time()
run(sys.argv[1])
elapsed = time.process_time() - start
with open("/proc/self/status") as status:
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
print(json.dumps({{"seconds": elapsed, "peak_kb": peak_kb}}))
"""


def _read(reader: str, path: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(read=READS[reader]), str(path)],
        capture_output=True,
        text=True,
        timeout=1800,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return {"error": 1.0, "message": last[:160]}  # type: ignore[dict-item]
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _row(reader: str, shape: str, sizes: tuple[int, int], make: object) -> str:
    figures = []
    for n in sizes:
        path = OUT / f"{reader}-{shape}-{n}.x12".replace(" ", "_").replace("/", "-")
        path.write_bytes(make(n))  # type: ignore[operator]
        mb = path.stat().st_size / 1e6
        result = _read(reader, path)
        path.unlink()
        if "error" in result:
            return f"| {reader} | {shape} | — | — | — | — | failed: {result['message']} |"
        figures.append((mb, result["seconds"], result["peak_kb"] / 1024))
    (_, small_s, _), (mb, seconds, peak) = figures
    ratio = seconds / max(small_s, 1e-6)
    return (
        f"| {reader} | {shape} | {mb:,.1f} | {seconds:,.2f} | {seconds / mb:.3f} | "
        f"{peak:,.0f} | {ratio:.1f}× |"
    )


def run(quick: bool) -> str:
    OUT.mkdir(parents=True, exist_ok=True)
    sizes = (10_000, 100_000) if quick else (100_000, 1_000_000)
    normal = OUT / "normal.835"
    claims = 5_000 if quick else 100_000
    generate(normal, claims)
    normal_mb = normal.stat().st_size / 1e6
    result = _read("835", normal)
    normal.unlink()
    shape = f"normal generated file, {claims:,} claims"
    rows = [
        f"| 835 | {shape} | {normal_mb:,.1f} | — | — | — | failed: {result['message']} |"
        if "error" in result
        else f"| 835 | {shape} | {normal_mb:,.1f} | {result['seconds']:,.2f} | "
        f"{result['seconds'] / normal_mb:.3f} | {result['peak_kb'] / 1024:,.0f} | — |"
    ]
    for reader, shapes in (
        ("835", SHAPES_835),
        ("999", SHAPES_999),
        ("277CA", SHAPES_277CA),
        ("271", SHAPES_271),
        ("tokenizer", SHAPES_GENERIC),
    ):
        for shape, make in shapes.items():
            print(f"bench: x12_shapes {reader} {shape}", file=sys.stderr, flush=True)
            rows.append(_row(reader, shape, sizes, make))
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"Each shape repeats one segment or loop {sizes[1]:,} times in an otherwise correct "
            "file (`tests/x12_shapes.py`, the growth tests' files); each read runs in its own "
            "process, time is that process's CPU time for the parse alone, peak MB its maximum "
            "resident set. The last column is the time of "
            f"{sizes[1]:,} repeats over the time of {sizes[0]:,}: about 10 for a linear reader. "
            "The first row is the normal generated 835 of the benchmark above, for scale. The "
            "835 is streamed (`iter_835`): a shape that puts every repeat in one claim keeps "
            "that claim whole in memory.",
            "",
            "| reader | shape | MB | seconds | s/MB | peak MB | 10× input |",
            "|---|---|---|---|---|---|---|",
            *rows,
            "",
            "Before the fix (issue 14), one claim with 200,000 CAS (3.2 MB) took 107 s: 33 s/MB.",
            "",
            "Repeat: `.venv/bin/python -m bench x12_shapes` (`--quick`: 10,000 and 100,000).",
            "",
        ]
    )
