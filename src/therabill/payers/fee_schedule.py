"""A payer's allowed amounts: what it pays per unit of a code (its fee schedule), and the
arithmetic Medicare's therapy threshold is counted with.

A fee schedule is a CSV data file (``payers/data/mpfs-2026-national.csv`` ships Medicare's
2026 national amounts for the therapy codes); a payer profile names it by year in
``[allowed_amounts]``. A practice imports its own locality's amounts from CMS's payment
amount file (:func:`from_cms_locality_file`) or a newer year from the relative value file
(:func:`from_cms_rvu_file`).

Why allowed amounts: the KX threshold counts the year's *incurred expenses*, the allowed
amount including the deductible and coinsurance, not the billed charge (SSA §1833(g)(1)(B)
and (g)(7); CMS Pub 100-04 ch.5 §10.2-10.3). A posted 835 says what was allowed; until
then the fee schedule does, with Medicare's multiple procedure payment reduction for
"always therapy" codes (half the practice expense for every unit after the day's first,
Pub 100-04 ch.5 §10.7; the "50% therapy reduction amount" of CMS's payment amount file).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from therabill.errors import DataFileError
from therabill.money import CENT

NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,59}$")
COLUMNS = (
    "code",
    "status",
    "nonfacility",
    "facility",
    "therapy_reduced",
    "work_rvu",
    "pe_rvu_nonfacility",
    "pe_rvu_facility",
    "mp_rvu",
)
# CMS PFS status codes paid under the fee schedule (A active, R restricted coverage, T paid
# alone): the others (B bundled, C carrier priced, I/N/X/E/P not paid) have no amount of
# their own (CMS payment amount file, attachment B).
PAID_STATUSES = frozenset({"A", "R", "T"})
CARRIER_PRICED = "C"  # the MAC sets the amount claim by claim: the schedule cannot say
# Places of service paid at the facility rate on a professional claim (the PFS site of
# service differential, Pub 100-04 ch.12 §20.4.2): hospital, SNF, ASC and the like; POS 02
# telehealth (not in the patient's home) too. POS 10 (telehealth in the home) is paid at
# the non-facility rate from 2024 (CY2024 PFS final rule, 88 FR 78818; MLN901705).
FACILITY_PLACES = frozenset(
    {"02", "19", "21", "22", "23", "24", "26", "31", "34", "41", "42", "51", "52", "53",
     "56", "61"}
)  # fmt: skip
# 835 adjustments that are part of the allowed amount (the rest of a line's reduction is
# what the payer does not allow): the patient's deductible, coinsurance and copay (group PR,
# CARC 1, 2, 3) and the payer's own sequestration cut (CARC 253), X12 CARC list.
ALLOWED_ADJUSTMENTS = frozenset({("PR", "1"), ("PR", "2"), ("PR", "3"), ("CO", "253")})


@dataclass(frozen=True, slots=True)
class Rate:
    """One code's allowed amounts per unit; ``therapy_reduced`` is the amount for a unit
    after the day's first "always therapy" unit (None: the reduction does not apply)."""

    code: str
    status: str
    nonfacility: Decimal
    facility: Decimal
    therapy_reduced: Decimal | None = None

    @property
    def paid(self) -> bool:
        return self.status in PAID_STATUSES


@dataclass(frozen=True)
class FeeSchedule:
    """A year's allowed amounts by code, and where they come from."""

    name: str
    year: int
    source: str
    rates: Mapping[str, Rate] = field(default_factory=dict)

    def rate(self, code: str) -> Rate | None:
        return self.rates.get(code)


def _decimal(value: str, column: str, name: str, row: int) -> Decimal | None:
    text = value.strip()
    if not text:
        return None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise DataFileError(name, row, f"{column}: {text!r} is not a number") from None
    if not amount.is_finite() or amount < 0 or amount >= 10_000_000:
        raise DataFileError(name, row, f"{column}: {text!r} is out of range")
    return amount


def _header(lines: list[str], name: str) -> dict[str, str]:
    meta: dict[str, str] = {}
    for line in lines:
        key, sep, value = line.lstrip("#").partition(":")
        if sep and key.strip() in {"year", "source", "conversion_factor"}:
            meta[key.strip()] = value.strip()
    if not meta.get("year", "").isdigit():
        raise DataFileError(name, None, "the header must name the year ('# year: 2026')")
    if not meta.get("source"):
        raise DataFileError(name, None, "the header must name the source ('# source: …')")
    return meta


def parse_fee_schedule(text: str, name: str) -> FeeSchedule:
    """A fee schedule from its CSV text: ``#`` header lines (``year``, ``source``), then
    the :data:`COLUMNS`. Amounts are per unit, in dollars."""
    lines = text.splitlines()
    comments = [ln for ln in lines if ln.startswith("#")]
    meta = _header(comments, name)
    body = [ln for ln in lines if ln.strip() and not ln.startswith("#")]
    reader = csv.DictReader(body)
    missing = [c for c in COLUMNS[:4] if c not in (reader.fieldnames or [])]
    if missing:
        raise DataFileError(name, None, f"missing column(s): {', '.join(missing)}")
    rates: dict[str, Rate] = {}
    for row_number, row in enumerate(reader, start=len(comments) + 2):
        code = (row.get("code") or "").strip().upper()
        if not re.fullmatch(r"\d{4}[0-9FTU]|[A-V]\d{4}", code):
            raise DataFileError(name, row_number, f"code: {code!r} is not a procedure code")
        status = (row.get("status") or "").strip().upper()
        nonfacility = _decimal(row.get("nonfacility") or "", "nonfacility", name, row_number)
        facility = _decimal(row.get("facility") or "", "facility", name, row_number)
        reduced = _decimal(row.get("therapy_reduced") or "", "therapy_reduced", name, row_number)
        if code in rates:
            raise DataFileError(name, row_number, f"code: {code} is listed twice")
        rates[code] = Rate(
            code, status, nonfacility or Decimal("0.00"), facility or Decimal("0.00"), reduced
        )
    return FeeSchedule(name.rsplit("/", 1)[-1].removesuffix(".csv"), int(meta["year"]),
                       meta["source"], rates)  # fmt: skip


def shipped_fee_schedule(name: str) -> FeeSchedule | None:
    """A fee schedule shipped in the package (``payers/data/NAME.csv``), or None."""
    file = resources.files("therabill.payers").joinpath("data", f"{name}.csv")
    if not file.is_file():
        return None
    return parse_fee_schedule(file.read_text("utf-8"), f"therabill/payers/data/{name}.csv")


def find_fee_schedule(name: str, folders: Sequence[Path]) -> FeeSchedule | None:
    """``NAME.csv`` from the first of ``folders`` that has it, else the shipped one."""
    for folder in folders:
        path = folder / f"{name}.csv"
        if path.is_file():
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise DataFileError(
                    str(path), None, f"cannot read the fee schedule: {exc}"
                ) from None
            return parse_fee_schedule(text, str(path))
    return shipped_fee_schedule(name)


def unit_amount(rate: Rate, *, facility: bool, reduced: bool = False) -> Decimal:
    """What one unit is allowed: the facility or non-facility amount, or the reduced one."""
    if not rate.paid:
        return Decimal("0.00")
    if reduced and rate.therapy_reduced is not None and not facility:
        return rate.therapy_reduced
    return rate.facility if facility else rate.nonfacility


def full_unit_line(
    lines: Sequence[tuple[str, int]], schedule: FeeSchedule, *, facility: bool
) -> int | None:
    """Which of one date's lines ``(code, units)`` holds the unit paid in full under the
    multiple procedure payment reduction: the "always therapy" unit with the highest practice
    expense (the largest difference between full and reduced amounts; the first on a tie),
    Pub 100-04 ch.5 §10.7. None when no line is reduced (facility, no reduced amounts)."""
    best: int | None = None
    best_gap = Decimal(-1)
    for i, (code, units) in enumerate(lines):
        rate = schedule.rate(code)
        if rate is None or not rate.paid or rate.therapy_reduced is None or facility or units < 1:
            continue
        gap = rate.nonfacility - rate.therapy_reduced
        if gap > best_gap:
            best, best_gap = i, gap
    return best


def day_allowed(
    lines: Sequence[tuple[str, int]],
    schedule: FeeSchedule,
    *,
    facility: bool,
    first_unit_paid: bool = False,
) -> list[Decimal | None]:
    """Allowed amounts of one date's lines ``(code, units)`` for one client, in order (None
    for a code the schedule does not price, or a carrier-priced one: status C).

    The multiple procedure payment reduction: among the "always therapy" units (those with
    a reduced amount), the one with the highest practice expense (the largest difference
    between full and reduced amounts) is paid in full, every other one at the reduced
    amount (Pub 100-04 ch.5 §10.7). Without reduced amounts every unit is paid in full.
    ``first_unit_paid``: the day's one full unit was paid on another claim already (the
    reduction spans the patient's whole day, NGS Medicare "Multiple procedure payment
    reduction"), so every "always therapy" unit here is reduced."""
    rates = [schedule.rate(code) for code, _ in lines]
    best = None if first_unit_paid else full_unit_line(lines, schedule, facility=facility)
    amounts: list[Decimal | None] = []
    for i, ((_, units), rate) in enumerate(zip(lines, rates, strict=True)):
        if rate is None or rate.status == CARRIER_PRICED:
            amounts.append(None)
            continue
        full = unit_amount(rate, facility=facility)
        if rate.therapy_reduced is None or facility or not rate.paid:
            amounts.append(full * units)
            continue
        reduced = unit_amount(rate, facility=facility, reduced=True)
        first = 1 if i == best and units else 0
        amounts.append(full * first + reduced * (units - first))
    return amounts


def allowed_from_remittance(paid_cents: int, adjustments: Iterable[tuple[str, str, int]]) -> int:
    """A service line's allowed amount from its posted 835: what the payer paid plus the
    patient's share (PR-1/2/3) plus the payer's sequestration (CO-253). A denied line is
    allowed nothing: it paid nothing and its adjustments are none of these."""
    return paid_cents + sum(
        cents for group, reason, cents in adjustments if (group, reason) in ALLOWED_ADJUSTMENTS
    )


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def from_cms_rvu_file(lines: Iterable[str], *, codes: Iterable[str], year: int, source: str) -> str:
    """A national fee schedule (CSV text) for ``codes`` from CMS's PFS relative value file
    (``PPRRVU<year>_*.csv``): amount = total RVUs × the file's conversion factor, rounded
    to cents; the therapy-reduced amount takes half the practice expense (codes whose
    multiple procedure indicator is 5). Reads the file line by line."""
    wanted = set(codes)
    out: dict[str, list[str]] = {}
    for row in csv.reader(lines):
        if len(row) < 26 or row[1].strip() or row[0].strip() not in wanted:
            continue
        try:
            work, pe_nf, pe_f, mp = (Decimal(row[i] or "0") for i in (5, 6, 8, 10))
            factor = Decimal(row[25])
        except InvalidOperation:
            continue
        status = row[3].strip()
        mult = row[18].strip()
        reduced = _money((work + pe_nf / 2 + mp) * factor) if mult == "5" else None
        out[row[0].strip()] = [
            row[0].strip(),
            status,
            str(_money((work + pe_nf + mp) * factor)),
            str(_money((work + pe_f + mp) * factor)),
            "" if reduced is None else str(reduced),
            str(work),
            str(pe_nf),
            str(pe_f),
            str(mp),
        ]
    return _write(out.values(), year=year, source=source)


def from_cms_locality_file(
    lines: Iterable[str], *, carrier: str, locality: str, name: str, source: str
) -> str:
    """A locality's fee schedule (CSV text) from CMS's PFS payment amount file
    (``PFALL<yy>*.txt``: year, carrier, locality, HCPCS, modifier, non-facility amount,
    facility amount, filler, PC/TC, status, multiple surgery, 50% therapy reduction amount
    (non-institutional), …; record layout PF26PA). Global rows only (no 26/TC modifier).
    Reads the file line by line; raises ``DataFileError`` when the locality is not in it."""
    out: dict[str, list[str]] = {}
    year = None
    for row in csv.reader(lines):
        if len(row) < 12 or row[1].strip() != carrier or row[2].strip() != locality:
            continue
        if row[4].strip():
            continue
        try:
            nonfacility, facility, reduced = (Decimal(row[i].strip() or "0") for i in (5, 6, 11))
        except InvalidOperation:
            continue
        year = row[0].strip()
        code = row[3].strip()
        out[code] = [
            code,
            row[9].strip(),
            str(_money(nonfacility)),
            str(_money(facility)),
            str(_money(reduced)) if reduced and reduced != nonfacility else "",
            "", "", "", "",
        ]  # fmt: skip
    if not out or year is None or not year.isdigit():
        raise DataFileError(
            name, None, f"carrier {carrier} locality {locality} is not in the payment amount file"
        )
    return _write(out.values(), year=int(year), source=source)


def _write(rows: Iterable[list[str]], *, year: int, source: str) -> str:
    buffer = io.StringIO()
    buffer.write("# Allowed amounts per unit, in dollars (therabill fee schedule)\n")
    buffer.write(f"# year: {year}\n# source: {source}\n")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(sorted(rows))
    return buffer.getvalue()
