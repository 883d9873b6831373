"""Scrub speed: 100,000 realistic claims (1-4 lines each) read from JSON Lines and scrubbed.

Target (issue 3): at least 5,000 claims per second on one core, tables loaded once.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import random
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any

TITLE = "Claim scrubber"
FULL = 100_000
QUICK = 2_000
BATCH = 1_000
TODAY = dt.date(2026, 11, 28)

DIAGNOSES = ["M54.50", "M54.2", "M25.511", "M62.81", "M79.18", "G89.29", "F84.0", "R26.81",
             "I69.351", "F41.1", "R48.8", "M54.16", "S83.511A", "Z47.1"]  # fmt: skip
CODES = {
    "pt": ["97110", "97112", "97140", "97530", "97116", "97035", "97161", "97164"],
    "ot": ["97530", "97535", "97110", "97140", "97165", "97168", "97533"],
    "slp": ["92507", "92523", "97129", "92526"],
    "massage": ["97124", "97140"],
    "behavioral": ["96158", "96156", "96164"],
    "music": ["96158", "97530", "G0176"],
}
PLAN = {"pt": "GP", "ot": "GO", "slp": "GN"}
# untimed and initial codes: one unit, with the time such a visit takes
ONE_UNIT = {"97161": (30, 50), "97164": (20, 30), "97165": (30, 50), "97168": (20, 30),
            "92507": (30, 45), "92523": (45, 60), "92526": (30, 45), "97129": (10, 15),
            "96158": (20, 30), "96156": (45, 60), "96164": (20, 30), "G0176": (45, 60)}  # fmt: skip
WEIGHTS = {"pt": 40, "ot": 20, "slp": 10, "massage": 20, "behavioral": 5, "music": 5}
ADDRESS = {"line1": "12 Main St", "city": "Springfield", "state": "IL", "zip": "62701"}
BILLING_ADDRESS = {**ADDRESS, "zip": "62701-4621"}  # 837P 2010AA: street address, ZIP+4


def make_claim(rng: random.Random, n: int) -> dict[str, Any]:
    """One claim as a practice would send it: mostly clean, some with real mistakes."""
    discipline = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
    if discipline in PLAN:
        payer = rng.choice(["MEDICARE", "MEDICARE", "COMMERCIAL"])
    elif discipline == "massage":
        payer = rng.choice(["COMMERCIAL", "SAMPLE-MASSAGE-PAYER"])
    else:
        payer = "COMMERCIAL"
    day = TODAY - dt.timedelta(days=rng.randint(1, 60))
    place = rng.choice(["11", "11", "11", "12", "10"])
    lines = []
    for code in rng.sample(CODES[discipline], k=min(rng.randint(1, 4), len(CODES[discipline]))):
        minutes = rng.randint(8, 53)
        units: int | None = max(1, (minutes - 8) // 15 + 1)
        if code in ONE_UNIT:
            minutes, units = rng.randint(*ONE_UNIT[code]), 1
        if rng.random() < 0.2:
            units = None
        elif rng.random() < 0.1:
            units = (units or 0) + 1
        line: dict[str, Any] = {
            "date": day.isoformat(), "code": code, "minutes": minutes,
            "modifiers": ([PLAN[discipline]] if payer == "MEDICARE" else [])
            + (["95"] if place == "10" else []),
            "diagnosis_pointers": [1], "charge": f"{rng.randint(40, 160)}.00",
        }  # fmt: skip
        if units is not None:
            line["units"] = units
        lines.append(line)
    timed = sum(ln["minutes"] for ln in lines)
    claim: dict[str, Any] = {
        "claim_id": f"B-{n}",
        "payer": {"id": payer, "name": payer.title(), "payer_id": "60054"},
        "provider": {"npi": "1234567893", "name": "Provider", "discipline": discipline,
                     "taxonomy": "225100000X"},
        "billing_provider": {"npi": "1558598797", "name": "Practice LLC", "tax_id": "12-3456789",
                             "address": BILLING_ADDRESS},
        "client": {"id": f"CL-{n % 5000}", "first_name": "Ana", "last_name": "Lopez",
                   "birth_date": f"{rng.randint(1940, 2015)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                   "member_id": f"M{n:08d}", "sex": rng.choice("FMU"), "address": ADDRESS},
        "diagnoses": rng.sample(DIAGNOSES, k=rng.randint(1, 3)),
        "place_of_service": place,
        "lines": lines,
        "session": {"start": "09:00", "end": f"{9 + (timed + 10) // 60:02d}:{(timed + 10) % 60:02d}",
                    "techniques": ["therapeutic exercise"], "note": "Seen for treatment."},
    }  # fmt: skip
    if payer == "SAMPLE-MASSAGE-PAYER" and rng.random() < 0.8:
        claim["authorization"] = {"number": f"A{n}", "codes": ["97124"], "units_remaining": 20,
                                  "start": "2026-01-01", "end": "2026-12-31"}  # fmt: skip
    return claim


def batches(count: int, seed: int = 20261128) -> Iterator[str]:
    rng = random.Random(seed)
    for start in range(0, count, BATCH):
        yield "\n".join(
            json.dumps(make_claim(rng, n)) for n in range(start, min(count, start + BATCH))
        )


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def run(quick: bool) -> str:
    from therabill.claims import iter_claims
    from therabill.scrub import RULES, ScrubContext, scrub_claim

    count = QUICK if quick else FULL
    load_started = time.perf_counter()
    context = ScrubContext.load(today=TODAY)
    gc.freeze()  # the tables (ICD-10-CM alone is 600,000 objects) live all run: never rescan them
    load_seconds = time.perf_counter() - load_started
    read = scrub = 0.0
    wall = time.perf_counter()
    findings = errors = claims_seen = 0
    for text in batches(count):
        t0 = time.process_time()
        claims = list(iter_claims(text, "bench.jsonl"))
        t1 = time.process_time()
        for claim in claims:
            result = scrub_claim(claim, context)
            findings += len(result.findings)
            errors += not result.ok
        t2 = time.process_time()
        read += t1 - t0
        scrub += t2 - t1
        claims_seen += len(claims)
    total = read + scrub
    wall = time.perf_counter() - wall
    return f"""## {TITLE}

{claims_seen:,} generated claims (1-4 lines each, six disciplines, MEDICARE/COMMERCIAL/SAMPLE
payers, some with real mistakes) read from JSON Lines and scrubbed by all {len(RULES)} rules
in one process, one core; tables loaded once ({load_seconds * 1000:.0f} ms). Seconds are CPU
time of the process (so other load on the machine does not count); the wall-clock time of the
whole run, generating the claims included, was {wall:.1f} s.

| step | seconds | claims/second |
|---|---:|---:|
| read and validate (JSON Lines → claim documents) | {read:.2f} | {claims_seen / read:,.0f} |
| scrub (all rules) | {scrub:.2f} | {claims_seen / scrub:,.0f} |
| **whole pipeline** | **{total:.2f}** | **{claims_seen / total:,.0f}** |

Findings: {findings:,} in all; {errors:,} claims with errors ({errors / claims_seen:.0%}).
Peak memory (resident set of the whole process): {peak_rss_mb():.0f} MB. Target: at least
5,000 claims/second for the whole pipeline.

Repeat: `python -m bench scrub` (`--quick` for {QUICK:,} claims).
"""
