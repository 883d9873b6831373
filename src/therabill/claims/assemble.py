"""One day's sessions of one client with one provider, for one payer, become the lines of one
claim. Pure: plain data in, plain data out; no database, web or CLI.

``claims build`` and the session form's live check both call :func:`assemble_claim`, so the
claim the live check scrubs is the claim the build writes. The steps, with their sources:

- **Pooling.** The day's minutes are added per code over every session before units are
  counted: the CMS 8-minute rule counts the day's total timed minutes (CMS Pub 100-04 ch.5
  §20.2).
- **Units** under the payer's rule (:func:`therabill.units.count_units`: CMS 8-minute rule or
  CPT midpoint rule), which also splits an initial/add-on family: 40 minutes of 96158 are 96158
  (first 30 minutes) plus 96159 (each further 15), billing-rules.md §3.
- **Each line keeps the session it came from**: the first session that listed its code; for a
  code the engine added (96159 from ``96158=40``, or 96158 from ``96159=40``), the first session
  that listed a code of its family, whose modifiers it takes too (the minutes were entered
  once, with those modifiers).
- **Therapy plan modifiers** GP (physical therapy), GO (occupational therapy), GN
  (speech-language pathology) go on every line where the payer's profile requires them
  (CMS Pub 100-04 ch.5 §20.1); a modifier already entered is kept.
- **Diagnosis pointers**: a line points to its own session's diagnoses, at most four (CMS-1500
  box 24E; 837P SV107 holds four), among the twelve a claim holds (box 21); a session without
  diagnoses points to the claim's first four. The claim's diagnoses are every session's, in
  order, each once (more than twelve is the scrubber's ``diagnosis.too-many``).
- **Fees**: the practice's charge per unit (its charge master), else the payer profile's fee,
  else a ``claim.no-fee`` error: a claim is not sent with a zero charge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass

from therabill.codes import CodeSet
from therabill.findings import Finding, Severity
from therabill.identifiers.modifier import THERAPY_PLAN
from therabill.money import to_cents
from therabill.payers.profile import PayerProfile
from therabill.units import UnitResult, UnitRule, count_units

MAX_POINTERS = 4  # CMS-1500 box 24E / 837P SV107: up to four diagnosis pointers per line
MAX_DIAGNOSES = 12  # CMS-1500 box 21 (A-L) / 837P HI: a pointer names one of the first twelve
FEE_SOURCE = "practice fee schedule, else the payer profile's fees (therabill)"
# the unit engine's answer for a day's minutes by code under a rule (one code set)
UnitMemo = MutableMapping[tuple[UnitRule, dt.date, tuple[tuple[str, int], ...]], UnitResult]


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """Minutes on one code in one session, with the modifiers entered for it."""

    code: str
    minutes: int
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionEntry:
    """One session as the claim needs it; ``id`` is None for a session not saved yet (the
    live check)."""

    id: int | None
    services: tuple[ServiceEntry, ...]
    diagnoses: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AssembledLine:
    line_number: int
    session_id: int | None
    code: str
    modifiers: tuple[str, ...]
    minutes: int
    units: int
    charge_cents: int
    diagnosis_pointers: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Assembly:
    """The claim's lines (billable ones only), its diagnoses, the unit engine's reasoning and
    the findings assembling it produced (the unit engine's, missing fees)."""

    units: UnitResult
    lines: tuple[AssembledLine, ...]
    diagnoses: tuple[str, ...]
    findings: tuple[Finding, ...]

    @property
    def total_cents(self) -> int:
        return sum(line.charge_cents for line in self.lines)

    @property
    def unbilled(self) -> tuple[tuple[str, int], ...]:
        """(code, minutes) of the codes whose minutes the unit rule left without a unit: the
        claim document's ``unbilled_time``, so that a scrub sees the day's whole total."""
        return tuple(
            (ln.code, ln.minutes) for ln in self.units.lines if not ln.units and ln.minutes
        )

    def charges(self) -> dict[str, int]:
        """Charge in cents by code (a code billing no unit is absent)."""
        return {line.code: line.charge_cents for line in self.lines}


def assemble_claim(
    *,
    sessions: Sequence[SessionEntry],
    discipline: str,
    profile: PayerProfile | None,
    rule: UnitRule,
    fees: Mapping[str, int],
    code_set: CodeSet,
    day: dt.date,
    counted: UnitMemo | None = None,
) -> Assembly:
    """The lines of the claim for ``sessions`` (one client, provider, payer and ``day``, in
    the order the build takes them), ``fees`` being the practice's charge per unit in cents.
    ``counted``: the unit engine's answers kept by a caller that assembles many claims with
    one ``code_set`` (a build: the same minutes recur day after day); the result is frozen,
    and depends only on the rule, the day and the minutes by code, in their order.

    Raises what :func:`~therabill.units.count_units` raises (``InvalidInput`` for a day over
    1,440 minutes of a code, ``UnknownCode``/``CodeNotActive`` for a code not billable on
    ``day``): input that cannot become a claim.
    """
    minutes: dict[str, int] = {}
    origin: dict[str, tuple[SessionEntry, ServiceEntry]] = {}
    for session in sessions:
        for service in session.services:
            code = service.code.strip().upper()
            minutes[code] = minutes.get(code, 0) + service.minutes
            origin.setdefault(code, (session, service))
    items = tuple(minutes.items())
    key = (rule, day, items)
    units = counted.get(key) if counted is not None else None
    if units is None:
        units = count_units(items, rule=rule, day=day, code_set=code_set)
        if counted is not None:
            counted[key] = units
    diagnoses = tuple(dict.fromkeys(dx for s in sessions for dx in s.diagnoses))
    plan = THERAPY_PLAN.get(discipline)
    add_plan = plan if profile is not None and profile.therapy_modifier_required else None
    findings = list(units.findings)
    lines: list[AssembledLine] = []
    for unit_line in (ln for ln in units.lines if ln.units > 0):
        number = len(lines) + 1
        source, entered = _origin(unit_line.code, origin, code_set, sessions)
        modifiers = entered.modifiers if entered is not None else ()
        if add_plan and add_plan not in modifiers:
            modifiers = (*modifiers, add_plan)
        per_unit = _fee(unit_line.code, fees, profile)
        if per_unit is None:
            findings.append(no_fee(unit_line.code, number))
        lines.append(
            AssembledLine(
                line_number=number,
                session_id=source.id if source is not None else None,
                code=unit_line.code,
                modifiers=modifiers,
                minutes=unit_line.minutes,
                units=unit_line.units,
                charge_cents=(per_unit or 0) * unit_line.units,
                diagnosis_pointers=_pointers(source, diagnoses),
            )
        )
    return Assembly(units=units, lines=tuple(lines), diagnoses=diagnoses, findings=tuple(findings))


def _origin(
    code: str,
    origin: Mapping[str, tuple[SessionEntry, ServiceEntry]],
    code_set: CodeSet,
    sessions: Sequence[SessionEntry],
) -> tuple[SessionEntry | None, ServiceEntry | None]:
    """The session (and its entry) a line comes from: its own code's first, else its family's
    (initial code, then add-on) for a code the unit engine added."""
    if code in origin:
        return origin[code]
    entry = code_set.get(code)
    primary = (entry.primary_code or entry.code) if entry is not None else None
    initial = code_set.get(primary) if primary else None
    for member in (primary, initial.addon_code if initial else None):
        if member and member in origin:
            return origin[member]
    return (sessions[0] if sessions else None), None


def _pointers(session: SessionEntry | None, diagnoses: tuple[str, ...]) -> tuple[int, ...]:
    """The line's session's diagnoses (else the claim's), among the twelve a claim holds."""
    held = diagnoses[:MAX_DIAGNOSES]
    own = (
        [held.index(dx) + 1 for dx in dict.fromkeys(session.diagnoses) if dx in held]
        if session
        else []
    )
    chosen = own or list(range(1, len(held) + 1))
    return tuple(chosen[:MAX_POINTERS])


def _fee(code: str, fees: Mapping[str, int], profile: PayerProfile | None) -> int | None:
    """Cents per unit: the practice's fee, else the payer profile's (dollars, to the cent)."""
    if code in fees:
        return fees[code]
    if profile is not None and code in profile.fees:
        return to_cents(profile.fees[code], field=f"payer profile {profile.id}: fees.{code}")
    return None


def no_fee(code: str, line_number: int) -> Finding:
    return Finding(
        id="claim.no-fee",
        severity=Severity.ERROR,
        message=f"no fee on file for {code}: the line would be billed at 0.00",
        source=FEE_SOURCE,
        line=line_number,
        code=code,
        fix=f"set the practice's charge for {code} (therabill fee set {code} AMOUNT)",
    )
