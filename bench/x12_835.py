"""835 reading speed: therabill's streaming parser against a plain split and the Python peers.

Generates a realistic therapy 835 (one ST, CLP/NM1/DTM per claim, 2–3 SVC lines with DTM*472,
CAS and REF*6R, a second CAS for a copay; 100,000 claims, about 31 MB; 5,000 with ``--quick``) into bench/out/,
then runs every reader in its own subprocess so that each one's peak memory (VmHWM of that
process) is its own. Time is the process's CPU time for the parse only (imports are done
before the clock starts), so a busy machine does not inflate it. The
peers live in virtual environments of their own under bench/.peers/ (created here with pip;
linuxforhealth-x12 needs pydantic<2 and gets a second one), never in the project's .venv.
A peer that cannot be installed or fails on the file is reported with its reason.

Repeat with: ``make bench`` (all) or ``.venv/bin/python -m bench x12_835 [--quick]``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

from therabill.claims.number import claim_number
from therabill.x12.remittance_835.builder import (
    AdjudicatedClaim,
    AdjudicatedLine,
    Payee,
    write_835,
)

TITLE = "835 remittance reader"

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
PEERS = HERE / ".peers"
ROOT = HERE.parent

PEER_VENVS = {
    # venv name: pip requirements
    "main": ["pyx12==4.0.0", "edi-835-parser==1.8.0", "oxedi==0.6.0"],
    "lfh": ["linuxforhealth-x12==0.57.0", "pydantic<2"],
}

FEES = {  # code: (cents per unit, modifier)
    "97110": (4500, "GP"),
    "97112": (4800, "GP"),
    "97140": (4200, "GP"),
    "97530": (5000, "GO"),
    "92507": (12000, "GN"),
    "97124": (3800, ""),
}


def generate(
    path: Path, claims: int, seed: int = 835, *, varied: bool = False, payer_contact: bool = True
) -> tuple[int, int]:
    """Write a balanced 835 of ``claims`` claims; returns (claims, service lines).

    By default charges follow a fee schedule, as a practice's do, so amounts repeat;
    ``varied`` makes nearly every amount and date unique (a worst case for the reader's
    caches of repeated segments). ``payer_contact=False`` leaves out the payer's PER*BL
    (required by 005010X221A1, but linuxforhealth-x12 rejects it). The file itself is written
    by ``therabill.x12.remittance_835.builder``, as the tests' and the demo's are."""
    rng = random.Random(seed)
    codes = list(FEES)
    decided: list[AdjudicatedClaim] = []
    lines_written = 0
    for i in range(claims):
        n_lines = rng.choice((2, 3))
        day = (
            dt.date(2000 + rng.randint(10, 25), rng.randint(1, 12), rng.randint(1, 28))
            if varied
            else dt.date(2025, 12, rng.randint(1, 28))
        )
        copay = rng.choice((0, 0, 1000, 2000, 3000))
        lines = []
        for j in range(n_lines):
            code = rng.choice(codes)
            fee, modifier = FEES[code]
            units = rng.randint(1, 4) if code != "92507" else 1
            charge = fee * units + (rng.randint(1, 9999) if varied else 0)
            per_mille = rng.randint(500, 950) if varied else rng.choice((700, 750, 800, 850))
            allowed = charge * per_mille // 1000
            patient = min(copay, allowed) if j == 0 else 0
            adjustments = [("CO", "45", charge - allowed)]
            if patient:
                adjustments.append(("PR", "3", patient))
            lines.append(
                AdjudicatedLine(
                    code,
                    charge,
                    allowed - patient,
                    units,
                    day,
                    (modifier,) if modifier else (),
                    adjustments,
                    line_control_number=f"{i:07d}L{j + 1}",
                )
            )
        decided.append(
            AdjudicatedClaim(
                claim_number(i),
                "1",
                lines,
                payer_claim_number=f"26005{i:09d}",
                patient=(f"CLIENT{i % 997}", "ALEX", f"M{i:09d}"),
                statement_day=day,
            )
        )
        lines_written += n_lines
    text = write_835(
        decided,
        trace="EFT20260107001",
        payee=Payee("BRIGHT PATH THERAPY", "1234567893", tax_id="123456789"),
        control=101,
        payer_contact=payer_contact,
    )
    path.write_text(text, encoding="ascii", newline="")
    return claims, lines_written


# --- one script per reader, each run as `python -c SCRIPT FILE` and printing JSON ---------
_TAIL = """
import json, re
# VmHWM: this process's own peak resident set. (ru_maxrss would include the benchmark
# parent's memory, inherited through fork and kept across exec.)
with open("/proc/self/status") as status:
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", status.read()).group(1))
print(json.dumps({"seconds": elapsed, "claims": claims, "lines": lines, "peak_kb": peak_kb}))
"""

_LFH = """
import sys, time
from linuxforhealth.x12.io import X12ModelReader
start = time.process_time()
claims = lines = 0
with X12ModelReader(sys.argv[1]) as reader:
    for model in reader.models():
        for header in model.loop_2000 or []:
            for claim in header.loop_2100:
                claims += 1
                lines += len(claim.loop_2110 or [])
elapsed = time.process_time() - start
"""

READERS: dict[str, tuple[str | None, str, str]] = {
    # name: (peer venv or None for the project's, what it gives back, script)
    "plain split (floor)": (
        None,
        "segments split into elements, nothing else",
        """
import sys, time
start = time.process_time()
claims = lines = 0
pending = b""
with open(sys.argv[1], "rb") as f:
    while chunk := f.read(1 << 20):
        data = pending + chunk
        cut = data.rfind(b"~")
        pending = data[cut + 1:]
        for seg in data[:cut].split(b"~"):
            el = seg.split(b"*")
            if el[0] == b"\\nCLP":
                claims += 1
            elif el[0] == b"\\nSVC":
                lines += 1
elapsed = time.process_time() - start
""",
    ),
    "therabill iter_835 (streaming)": (
        None,
        "claim, line and adjustment objects, Decimal money, dates; envelope checked",
        """
import sys, time
from therabill.x12.remittance_835 import iter_claims
start = time.process_time()
claims = lines = adjustments = 0
for claim in iter_claims(sys.argv[1]):
    claims += 1
    lines += len(claim.services)
    for line in claim.services:
        adjustments += len(line.adjustments)
elapsed = time.process_time() - start
""",
    ),
    "therabill read_835 (whole file)": (
        None,
        "the same objects, all kept in memory",
        """
import sys, time
from therabill.x12.remittance_835 import read_835
start = time.process_time()
remittances = read_835(sys.argv[1])
claims = sum(len(r.claims) for r in remittances)
lines = sum(len(c.services) for r in remittances for c in r.claims)
elapsed = time.process_time() - start
""",
    ),
    "oxedi 0.6 (Rust core, tables)": (
        "main",
        "claim/service tables (Arrow)",
        """
import sys, time
import oxedi
start = time.process_time()
result = oxedi.parse_file(sys.argv[1])
claims = result.count_claims()
lines = len(result.tables["services"])
elapsed = time.process_time() - start
""",
    ),
    "edi-835-parser 1.8": (
        "main",
        "claim and service objects",
        """
import sys, time
from edi_835_parser import parse
start = time.process_time()
sets = parse(sys.argv[1])
claims = sum(len(t.claims) for t in sets.transaction_sets)
lines = sum(len(c.services) for t in sets.transaction_sets for c in t.claims)
elapsed = time.process_time() - start
""",
    ),
    "linuxforhealth-x12 0.57": ("lfh", "pydantic models of the transaction", _LFH),
    "linuxforhealth-x12 0.57, file without PER*BL": ("lfh", "the same, on a copy it accepts", _LFH),
    "pyx12 4.0 (validator)": (
        "main",
        "validation only (no objects)",
        """
import io, sys, time
import pyx12.params, pyx12.x12n_document
start = time.process_time()
params = pyx12.params.params()
ok = pyx12.x12n_document.x12n_document(params, sys.argv[1], io.StringIO(), None, None)
claims = lines = None
elapsed = time.process_time() - start
""",
    ),
}


def _python(venv_name: str | None) -> Path:
    if venv_name is None:
        return Path(sys.executable)
    return PEERS / venv_name / "bin" / "python"


def ensure_peers() -> dict[str, str]:
    """Create the peer venvs (once); returns {venv name: reason} for those that failed."""
    failed = {}
    for name, requirements in PEER_VENVS.items():
        target = PEERS / name
        stamp = target / ".installed"
        wanted = "\n".join(requirements)
        if stamp.exists() and stamp.read_text() == wanted:
            continue
        try:
            venv.create(target, with_pip=True, clear=True)
            done = subprocess.run(
                [str(target / "bin" / "python"), "-m", "pip", "install", "--quiet", *requirements],
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            failed[name] = f"could not create its venv: {exc}"
            continue
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["pip failed"])[-1]
            failed[name] = f"pip install failed: {last[:200]}"
            continue
        stamp.write_text(wanted)
    return failed


def run_reader(name: str, path: Path, timeout: float) -> dict[str, object]:
    venv_name, _, script = READERS[name]
    python = _python(venv_name)
    env = dict(os.environ)
    if venv_name is None:
        env["PYTHONPATH"] = str(ROOT / "src")
    try:
        done = subprocess.run(
            [str(python), "-c", textwrap.dedent(script) + _TAIL, str(path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=OUT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish within {timeout:.0f} s"}
    if done.returncode != 0:
        lines = [x for x in done.stderr.strip().splitlines() if x.strip()]
        return {"error": f"failed: {(lines or ['exit ' + str(done.returncode)])[-1][:160]}"}
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


WITHOUT_PAYER_CONTACT = {"linuxforhealth-x12 0.57, file without PER*BL"}
"""Readers run on a copy of the file without PER*BL (they reject a valid one)."""


def run(quick: bool) -> str:
    OUT.mkdir(exist_ok=True)
    claims = 5_000 if quick else 100_000
    path = OUT / f"remit_{claims}.835"
    n_claims, n_lines = generate(path, claims)
    size_mb = path.stat().st_size / 1e6
    failed = ensure_peers()
    timeout = 120 if quick else 900
    no_contact = OUT / f"remit_{claims}_no_per.835"
    generate(no_contact, claims, payer_contact=False)
    figures: dict[str, dict[str, object]] = {}
    rows = []
    for name, (venv_name, gives, _) in READERS.items():
        source = no_contact if name in WITHOUT_PAYER_CONTACT else path
        result = _measure(name, source, n_claims, failed.get(venv_name or ""), timeout)
        rows.append(_row(name, gives, result, n_claims, size_mb, figures))
    varied = OUT / f"remit_{claims}_varied.835"
    generate(varied, claims, varied=True)
    varied_mb = varied.stat().st_size / 1e6
    varied_rows = [
        _row(name, READERS[name][1], _measure(name, varied, n_claims, None, timeout),
             n_claims, varied_mb, {})
        for name in ("plain split (floor)", "therabill iter_835 (streaming)")
    ]  # fmt: skip
    verdict = _verdict(figures, n_claims)
    return "\n".join(
        [
            f"## {TITLE}",
            "",
            f"One generated 835: {n_claims:,} claims, {n_lines:,} service lines (DTM*472, CAS and "
            f"REF*6R on each), {size_mb:.1f} MB, one ST, newline after each segment. Each reader "
            "runs in its own process; time is that process's CPU time for the parse alone (imports "
            "excluded, and other work on the machine does not inflate it; every reader here is "
            "single-threaded), median of 3 runs when a run takes under 30 s, else 1; peak MB is "
            "that process's maximum resident set (VmHWM).",
            "",
            "| reader | gives back | claims/s | MB/s | peak MB | time / note |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            verdict,
            "",
            f"Worst case for the reader's caches of repeated segments: the same number of claims "
            f"with nearly every amount and date unique ({varied_mb:.1f} MB), where a practice's "
            "fee schedule would repeat them:",
            "",
            "| reader | gives back | claims/s | MB/s | peak MB | time / note |",
            "|---|---|---|---|---|---|",
            *varied_rows,
            "",
            "Repeat: `.venv/bin/python -m bench x12_835` (add `--quick` for 5,000 claims). "
            "Peers are installed by the benchmark into bench/.peers/ (pip).",
            "",
        ]
    )


def _measure(
    name: str, path: Path, claims: int, install_error: str | None, timeout: float
) -> dict[str, object]:
    """Median of three runs (one when a run takes over 30 s) of one reader on ``path``."""
    if install_error:
        return {"error": f"not installed: {install_error}"}
    runs = [run_reader(name, path, timeout)]
    if "error" not in runs[0] and float(runs[0]["seconds"]) < 30:  # type: ignore[arg-type]
        runs += [run_reader(name, path, timeout) for _ in range(2)]
    good = sorted((r for r in runs if "error" not in r), key=lambda r: float(r["seconds"]))  # type: ignore[arg-type]
    if not good:
        return runs[0]
    result = good[len(good) // 2]
    if result.get("claims") not in (None, claims):
        result["note"] = f"counted {result['claims']} claims, not {claims}"
    return result


def _row(
    name: str,
    gives: str,
    result: dict[str, object],
    claims: int,
    size_mb: float,
    figures: dict[str, dict[str, object]],
) -> str:
    figures[name] = result
    if "error" in result:
        return f"| {name} | {gives} | — | — | — | {result['error']} |"
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    peak = int(result["peak_kb"]) / 1024  # type: ignore[call-overload]
    return (
        f"| {name} | {gives} | {claims / seconds:,.0f} | {size_mb / seconds:.1f} | "
        f"{peak:,.0f} | {seconds:.2f} s {result.get('note', '')}|"
    )


def _verdict(figures: dict[str, dict[str, object]], claims: int) -> str:
    def rate(name: str) -> float | None:
        r = figures.get(name, {})
        return None if "error" in r or "seconds" not in r else claims / float(r["seconds"])  # type: ignore[arg-type]

    ours = rate("therabill iter_835 (streaming)")
    floor = rate("plain split (floor)")
    python_peers = [
        rate(n) for n in ("edi-835-parser 1.8", "linuxforhealth-x12 0.57", "pyx12 4.0 (validator)")
    ]
    known = [r for r in python_peers if r]
    if ours is None or floor is None:
        return "Targets: not measured (therabill or the floor failed to run)."
    peak = int(figures["therabill iter_835 (streaming)"]["peak_kb"]) / 1024  # type: ignore[call-overload]
    parts = [
        f"Targets (issue 5): within 3× of the plain split: {floor / ours:.2f}× slower "
        f"({'met' if floor / ours <= 3 else 'MISSED'})"
    ]
    if known:
        best = max(known)
        parts.append(
            f"≥10× the fastest pure-Python peer: {ours / best:.1f}× "
            f"({'met' if ours / best >= 10 else 'MISSED'})"
        )
    else:
        parts.append("≥10× the fastest pure-Python peer: no Python peer ran")
    oxedi = rate("oxedi 0.6 (Rust core, tables)")
    if oxedi:
        parts.append(f"against oxedi's Rust core: {ours / oxedi:.2f}×")
    parts.append(
        f"peak memory streaming: {peak:.0f} MB ({'met' if peak < 100 else 'MISSED'}, < 100 MB)"
    )
    return "; ".join(parts) + "."
