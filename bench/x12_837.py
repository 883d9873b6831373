"""837P writer speed: 100,000 claims (1-4 lines each) written as one interchange.

Target (issue 5): at least 20 MB/s. The writer streams (``iter_837p`` yields chunks), so
memory should not grow with the number of claims; the claims themselves are shallow copies
of 1,000 distinct validated documents, made as they are written.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

TITLE = "837P writer"
FULL = 100_000
QUICK = 5_000
POOL = 1_000
PYX12_CLAIMS = 1_000
RUNS = 3  # the writer's timing is the median of three runs (machines share their cores)
CREATED = dt.datetime(2026, 11, 28, 9, 30)

CODES = {
    "pt": ["97110", "97112", "97140", "97530", "97116"],
    "ot": ["97530", "97535", "97110", "97140"],
    "slp": ["92507", "92526"],
    "massage": ["97124", "97140"],
    "behavioral": ["90837", "90834", "96158"],
}
PLAN = {"pt": "GP", "ot": "GO", "slp": "GN"}
DIAGNOSES = ["M54.50", "M62.81", "M79.18", "G89.29", "F84.0", "R26.89", "F41.1", "S13.4XXA"]
FIRST = ["Ana", "Sam", "José", "Maria", "Lee", "Kim", "Noah", "Ava", "Liam", "Zoë"]
LAST = ["Lopez", "Smith", "Nguyen", "O'Brien", "Müller", "Park", "Johnson", "Garcia"]
PAYERS = [
    {"id": "MEDICARE", "name": "Medicare Part B", "payer_id": "04111"},
    {"id": "COMMERCIAL", "name": "Acme Health Plan", "payer_id": "60054"},
]
BILLING = {
    "npi": "1234567893",
    "name": "Harbour Therapy Group",
    "tax_id": "12-3456789",
    "address": {"line1": "100 Harbour St", "city": "Portland", "state": "ME", "zip": "041011234"},
}


def make_claim(rng: random.Random, n: int) -> dict[str, Any]:
    """A claim as a practice sends it: a mix of disciplines, dependants, telehealth, COB."""
    discipline = rng.choice(list(CODES))
    place = rng.choice(["11", "11", "11", "12", "10", "02"])
    day = dt.date(2026, 11, 1) + dt.timedelta(days=rng.randint(0, 26))
    diagnoses = rng.sample(DIAGNOSES, k=rng.randint(1, 3))
    lines = []
    for code in rng.sample(CODES[discipline], k=min(rng.randint(1, 4), len(CODES[discipline]))):
        modifiers = [PLAN[discipline]] if discipline in PLAN else []
        if place in ("02", "10"):
            modifiers.append("95")
        lines.append(
            {
                "date": day.isoformat(),
                "code": code,
                "modifiers": modifiers,
                "units": rng.randint(1, 4),
                "diagnosis_pointers": list(range(1, len(diagnoses) + 1)),
                "charge": f"{rng.randint(40, 160)}.{rng.randint(0, 99):02d}",
            }
        )
    address = {"line1": f"{n} Elm Rd", "city": "Portland", "state": "ME", "zip": "04102"}
    claim: dict[str, Any] = {
        "claim_id": f"B-{n}",
        "payer": rng.choice(PAYERS),
        "provider": {
            "npi": rng.choice(["1234567893", "1543210987"]),
            "name": "Jordan Blake, PT",
            "discipline": "pt",
            "taxonomy": "225100000X",
        },
        "billing_provider": BILLING,
        "client": {
            "id": f"CL-{n}",
            "first_name": rng.choice(FIRST),
            "last_name": rng.choice(LAST),
            "birth_date": f"{rng.randint(1940, 2015)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "member_id": f"M{n:09d}",
            "sex": rng.choice("FMU"),
            "address": address,
        },
        "diagnoses": diagnoses,
        "place_of_service": place,
        "lines": lines,
    }
    if rng.random() < 0.2:
        claim["subscriber"] = {
            "first_name": rng.choice(FIRST),
            "last_name": claim["client"]["last_name"],
            "relationship": rng.choice(["child", "spouse"]),
            "member_id": f"S{n:09d}",
        }
    if rng.random() < 0.1:
        claim["authorization"] = {"number": f"AUTH-{n}"}
    return claim


def claims(count: int) -> Iterator[Any]:
    """``count`` claims: shallow copies of a validated pool, each with its own claim id."""
    from therabill.claims.document import Claim

    rng = random.Random(20261128)
    pool = [Claim.model_validate(make_claim(rng, n)) for n in range(POOL)]
    for n in range(count):
        yield pool[n % POOL].model_copy(update={"claim_id": f"B-{n}"})


def peak_rss_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def _pyx12_seconds(text: str) -> tuple[float, bool]:
    import io
    import logging

    import pyx12.params
    import pyx12.x12n_document

    logging.getLogger("pyx12").setLevel(logging.CRITICAL)
    started = time.process_time()
    ok = pyx12.x12n_document.x12n_document(
        param=pyx12.params.params(),
        src_file=io.StringIO(text),
        fd_997=io.StringIO(),
        fd_html=None,
    )
    return time.process_time() - started, bool(ok)


def run(quick: bool) -> str:
    from therabill.x12.claim_837p import iter_837p, render_837p
    from therabill.x12.clearinghouse import load_clearinghouse

    count = QUICK if quick else FULL
    profile = load_clearinghouse("default")
    list(claims(1))  # warm up imports and the pool's validation outside the timing

    def chunks(n: int) -> Iterator[str]:
        return iter_837p(
            claims(n),
            profile=profile,
            interchange=1,
            group=1,
            transactions=itertools.count(1),
            created=CREATED,
        )

    # copies alone, to separate the writer from the cost of making the documents
    started = time.process_time()
    for _ in claims(count):
        pass
    copy_seconds = time.process_time() - started

    rss_before = peak_rss_mb()
    runs: list[float] = []
    walls: list[float] = []
    size = segments = 0
    split_seconds = 0.0
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "bench.837")
        for _ in range(RUNS):
            size = 0
            started = time.process_time()
            wall = time.perf_counter()
            with open(path, "w", encoding="ascii", newline="") as handle:
                for chunk in chunks(count):
                    handle.write(chunk)
                    size += len(chunk)
            runs.append(time.process_time() - started)
            walls.append(time.perf_counter() - wall)
        with open(path, "rb") as handle:
            started = time.perf_counter()
            segments = sum(chunk.count(b"~") for chunk in iter(lambda: handle.read(1 << 20), b""))
            split_seconds = time.perf_counter() - started
    rss_after = peak_rss_mb()
    stream_seconds = statistics.median(runs)
    write_seconds = max(stream_seconds - copy_seconds, 1e-9)
    best_seconds = max(min(runs) - copy_seconds, 1e-9)
    wall = statistics.median(walls)
    mb = size / 1e6

    sample = render_837p(
        itertools.islice(claims(PYX12_CLAIMS), PYX12_CLAIMS),
        profile=profile,
        interchange=1,
        group=1,
        transactions=itertools.count(1),
        created=CREATED,
    )
    pyx12_seconds, pyx12_ok = _pyx12_seconds(sample)
    pyx12_mb = len(sample) / 1e6

    verdict = "meets" if mb / write_seconds >= 20 else "misses"
    return f"""## {TITLE}

{count:,} claims (1-4 service lines each; 20% dependants, telehealth and authorizations mixed
in; two payers, one interchange with an ST/SE per 5,000 claims) written by
`therabill.x12.claim_837p.iter_837p` to a file: {mb:.1f} MB, {segments:,} segments. The claims
are shallow copies of 1,000 validated claim documents made as they are written; making them
alone took {copy_seconds:.2f} s and is subtracted. CPU seconds of one process.

| step | seconds | MB/s | claims/second |
|---|---:|---:|---:|
| **837P writer (documents → text, streamed to a file), median of {RUNS}** | **{write_seconds:.2f}** | **{mb / write_seconds:.1f}** | **{count / write_seconds:,.0f}** |
| same, fastest of {RUNS} | {best_seconds:.2f} | {mb / best_seconds:.1f} | {count / best_seconds:,.0f} |
| same, including making the documents | {stream_seconds:.2f} | {mb / stream_seconds:.1f} | {count / stream_seconds:,.0f} |
| floor: read the written file back and count segments (`bytes.count`) | {split_seconds:.2f} | {mb / max(split_seconds, 1e-9):.0f} | |
| peer: pyx12 4.0 validating a {PYX12_CLAIMS:,}-claim file of the same claims ({pyx12_mb:.2f} MB; verdict: {"valid" if pyx12_ok else "INVALID"}) | {pyx12_seconds:.2f} | {pyx12_mb / pyx12_seconds:.2f} | {PYX12_CLAIMS / pyx12_seconds:,.0f} |

Target: at least 20 MB/s; this run {verdict} it (median). Wall-clock time of one streamed
write: {wall:.1f} s (median). Peak memory (resident set of the whole process, the pool of claims included):
{rss_before:.0f} MB before the write, {rss_after:.0f} MB after it: the writer streams, so
the file's size does not add to it. No Python 837P writer was found to compare with; pyx12 is
the independent validator every test file goes through.

Repeat: `python -m bench x12_837` (`--quick`: {QUICK:,} claims).
"""
