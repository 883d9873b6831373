"""Paper at size: CMS-1500 pages for 10,000 claims and a statement run for 10,000 clients.

Figures: pages per second for the CMS-1500 with the form drawn and data only, each beside
ReportLab's own minimal page (one string, then the next page: the floor no document made
with the library can beat) in the same batches; the statement run through the store service
(ledger read, statements recorded, one PDF file each) on SQLite, beside the statement PDF
rendered alone; peak memory of the CMS-1500 stream at 1,000 and 5,000 claims and of the
statement run at 500 and 2,500 clients (tracemalloc), which should be the same: claims are
printed in batches of 500 per PDF file, and a statement run takes clients 500 at a time.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas

from bench.store import _import_clients, _load_sessions, _set_up
from bench.x12_837 import make_claim
from therabill.claims import Claim
from therabill.paper import cms1500, cms1500_pdf
from therabill.paper import statement as statement_paper
from therabill.store import migrate
from therabill.store.services import Store, open_store, statements

TITLE = "Paper: CMS-1500 and statements"
FULL = {"claims": 10_000, "clients": 10_000}
QUICK = {"claims": 1_000, "clients": 300}
BATCH = 500  # claims per PDF file, as a print batch
POOL = 1_000
TODAY = dt.date(2026, 11, 28)
PAGE = re.compile(rb"/Type /Page\b(?!s)")


def _claims(count: int) -> Iterator[Claim]:
    """``count`` claims from 1,000 distinct validated documents; every 25th has 8 lines
    (two pages)."""
    rng = random.Random(7)
    pool = [Claim.model_validate(make_claim(rng, n)) for n in range(POOL)]
    for n in range(count):
        claim = pool[n % POOL]
        if n % 25 == 0:
            lines = (claim.lines * 8)[:8]
            claim = claim.model_copy(update={"lines": lines})
        yield claim


def _batches(count: int) -> Iterator[list[Claim]]:
    batch: list[Claim] = []
    for claim in _claims(count):
        batch.append(claim)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


FACTS = cms1500.PaperFacts(printed_on=TODAY, billing_phone="207-555-0100")


def _cms1500(count: int, folder: Path, *, form: bool) -> tuple[float, int]:
    """Seconds and pages to print ``count`` claims, a PDF file per batch."""
    pages_done = 0
    started = time.perf_counter()
    for index, batch in enumerate(_batches(count)):
        pages = [page for claim in batch for page in cms1500.pages(claim, FACTS)]
        pdf = cms1500_pdf.render(pages, title="bench", form=form)
        (folder / f"cms1500-{index}.pdf").write_bytes(pdf)
        pages_done += len(pages)
    return time.perf_counter() - started, pages_done


def _floor(pages: int, folder: Path) -> float:
    """ReportLab's minimal page, ``pages`` of them in files of the same size as above."""
    started = time.perf_counter()
    per_file = pages // max(1, -(-pages // (BATCH + BATCH // 25)))
    done = 0
    index = 0
    while done < pages:
        path = folder / f"floor-{index}.pdf"
        canvas = Canvas(str(path), invariant=1)
        for _ in range(min(per_file, pages - done)):
            canvas.setFont("Courier", 12)
            canvas.drawString(72, 720, "x")
            canvas.showPage()
            done += 1
        canvas.save()
        index += 1
    return time.perf_counter() - started


def _peak(action: Callable[[], object]) -> float:
    tracemalloc.start()
    action()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _practice_with(clients: int, folder: Path) -> Store:
    """A practice of ``clients`` clients with three months of billed visits each; the
    ledger entries the set-up wrote are sealed into the audit chain before any timing."""
    store = open_store(f"sqlite:///{folder / 'bench.sqlite3'}")
    migrate.upgrade(store.engine)
    _set_up(store)
    _import_clients(store, clients, folder)
    _load_sessions(store, clients, clients * 3, 0)
    with store.transaction(actor="bench") as work:
        work.audit("bench", "set_up", clients)  # seals the set-up's ledger entries
    return store


def _statement_run(clients: int, folder: Path) -> tuple[float, int, int, float]:
    """Seconds, statements, pages and the process's peak RSS growth (MB) of one run."""
    store = _practice_with(clients, folder)
    out = folder / "statements"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with store.transaction(actor="bench") as work:
        made = statements.run_statements(work=work, through=TODAY, folder=out)
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    pages = sum(len(PAGE.findall(p.read_bytes())) for p in out.glob("*.pdf"))
    store.dispose()
    return seconds, len(made.made), pages, grown


def _statement_peak(clients: int, folder: Path) -> float:
    """Peak traced memory (MB) of a statement run for ``clients`` clients."""
    store = _practice_with(clients, folder)

    def one_run() -> None:
        with store.transaction(actor="bench") as work:
            statements.run_statements(work=work, through=TODAY, folder=folder / "out")

    peak = _peak(one_run)
    store.dispose()
    return peak


def _statement_render(folder: Path, count: int) -> float:
    """Seconds to render ``count`` one-page statements (the same data), no database."""
    store = _practice_with(3, folder)
    with store.transaction(actor="bench") as work:
        made = statements.preview(work=work, client=1, on=TODAY)
    store.dispose()
    started = time.perf_counter()
    for _ in range(count):
        statement_paper.render([made])
    return time.perf_counter() - started


def _rest(run_s: float, made: int, render_each: float) -> str:
    """What the run adds to rendering, per statement; on a shared machine the two timings
    can land within each other's noise, and the text says so rather than print a zero."""
    rest = (run_s - made * render_each) / max(made, 1) * 1000
    if rest <= 0.5:
        return (
            "the run is as fast as rendering alone, within the noise of a machine shared with "
            "other work, so the PDF library is the limit."
        )
    return f"the rest of the run (finding who owes, reading the ledger, recording, writing the files) costs {rest:.1f} ms a statement."


def run(quick: bool) -> str:
    size = QUICK if quick else FULL
    claims, clients = size["claims"], size["clients"]
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        list(_claims(1))  # validate the pool once before timing
        form_s, pages = _cms1500(claims, folder, form=True)
        data_s, _ = _cms1500(claims, folder, form=False)
        floor_s = _floor(pages, folder)
        few, many = (BATCH, 2 * BATCH) if quick else (2 * BATCH, 10 * BATCH)
        small = _peak(lambda: _cms1500(few, folder, form=True))
        large = _peak(lambda: _cms1500(many, folder, form=True))
        print("bench: paper: statement run …", file=sys.stderr, flush=True)
        run_s, made, statement_pages, grown = _statement_run(clients, folder / "run")
        render_n = 300 if quick else 2_000
        render_s = _statement_render(folder / "render", render_n)
        small_n, large_n = (100, 400) if quick else (500, 2_500)
        print("bench: paper: statement run memory …", file=sys.stderr, flush=True)
        small_run = _statement_peak(small_n, folder / "peak-small")
        large_run = _statement_peak(large_n, folder / "peak-large")
    load_after = os.getloadavg()[0]
    rows = [
        ("CMS-1500, form drawn (plain paper)", form_s, pages),
        ("CMS-1500, data only (red form)", data_s, pages),
        ("ReportLab's minimal page (the floor)", floor_s, pages),
    ]
    table = "\n".join(
        f"| {name} | {pages_:,} | {seconds:.2f} | {pages_ / seconds:,.0f} |"
        for name, seconds, pages_ in rows
    )
    return f"""## {TITLE}

{claims:,} claims (1-4 service lines, every 25th with 8 lines: two pages), printed
{BATCH} claims to a PDF file, files written to disk; wall-clock seconds of one process
(machine load average {load_before:.1f} at the start, {load_after:.1f} at the end, on
{os.cpu_count()} cores: under load the seconds grow, the floor's with them).

| document | pages | seconds | pages/second |
|---|---:|---:|---:|
{table}

Peak memory of the CMS-1500 stream (tracemalloc): {small:.1f} MB for {few:,} claims,
{large:.1f} MB for {many:,}: flat, as each batch is written and dropped.

Statement run (`therabill statements run`, the store service on SQLite) for {clients:,} clients
with three months of visits each: {made:,} statements ({statement_pages:,} pages, one PDF file
each) in {run_s:.1f} s, **{made / run_s:,.0f} statements/second**; the process's peak resident
memory grew {grown:.0f} MB during the run. Beside it, in the same run: rendering the one-page
statement PDF alone (no database, no file) makes {render_n / render_s:,.0f} statements/second:
{_rest(run_s, made, render_s / render_n)} Who owes is one grouped query; clients are then taken
500 at a time, each chunk's clients and ledger rows read in one query apiece and its
statements inserted together (the run measured 18 statements/second when each client was a
round trip and the ledger came back as ORM objects).

Peak memory of the statement run (tracemalloc): {small_run:.1f} MB for {small_n:,} clients,
{large_run:.1f} MB for {large_n:,}. The ledger rows and the documents are held one chunk of
500 clients at a time; what grows, by about
{max(large_run - small_run, 0) * 1000 / (large_n - small_n):.1f} KB a client, is the run's own
answer (each statement made, as `statements run --json` prints it) and the file names waiting
to be put in place when the run commits.

Repeat: `python -m bench paper` (`--quick` for {QUICK["claims"]:,} claims and
{QUICK["clients"]:,} clients).
"""
