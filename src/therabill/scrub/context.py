"""What the rules need besides the claim: loaded once per run, then derived once per claim.

``ScrubContext`` holds the code set, payer profiles, edit tables and today's date; it is built
once (``ScrubContext.load``) and shared by every claim, so no data file is read per claim.
``ClaimContext`` is what a rule receives: the same tables plus what every rule would otherwise
recompute: the claim's payer profile, each line's code, and the units the minutes support.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from therabill.claims import Claim, ServiceLine
from therabill.codes import Code, CodeSet, CodeStatus, Timing, load_code_set
from therabill.edits import EditTables, load_edit_tables
from therabill.errors import InvalidInput
from therabill.identifiers import icd10cm_releases
from therabill.payers import PayerProfile, load_payer_profiles
from therabill.payers.profile import TELEHEALTH_MODIFIERS
from therabill.payers.record import PayerRecord
from therabill.payers.threshold import Service
from therabill.units import MAX_MINUTES, UnitRule, count_units

DEFAULT_PAYER = "COMMERCIAL"
# Claim features a rule may require (registry ``when=``), computed once per claim in prepare().
FEATURES = {
    "family": "an initial/add-on code, a time-range code or a code with a minimum time",
    "pairs": "some date has two or more different codes",
    "group": "97150 (group therapy) is billed",
    "authorization": "the payer requires prior authorization for some code",
    "kx": "the payer has KX thresholds",
    "telehealth": "a telehealth place of service or modifier (93, 95, GT)",
    "same-day": "same_day_services are given",
    "uncoded": "some line's code is unknown or not active on its date",
    "timed": "some line has a timed code",
    "units-missing": "some line has no units",
    "modifiers": "some line has modifiers",
    "therapy-plan": "the payer requires GP/GO/GN, or some line has one",
    "required-modifiers": "the payer requires modifiers on some codes",
    "capped": "some code has an MUE or a daily maximum",
    "restricted-codes": "the payer limits the codes it accepts",
    "disciplines": "the payer limits the disciplines it pays",
    "preferred": "the payer prefers some codes to others",
    "payer-status": "the payer profile gives a payment status for some codes",
    "fees": "the payer profile has a fee schedule",
    "timely-filing": "the payer has a timely filing limit",
    "taxonomy": "the provider's taxonomy is given",
    "replaces": "the claim is corrected or void, or names an original claim",
    "many-lines": "the claim has more than 50 lines",
    "zero-charge": "some line has a zero charge",
    "diagnosis-repeats": "more than 12 diagnoses, or one listed twice",
    "licence": "some code is limited by licence to other disciplines",
    "not-recommended": "some code is not recommended for the provider's discipline",
    "long-day": "the minutes of some date add up to more than a day",
}
PLAN_MODIFIERS = frozenset({"GP", "GO", "GN"})
UNIT_CACHE_SIZE = 100_000


@dataclass(frozen=True)
class ScrubContext:
    """Everything loaded once for a scrub run.

    ``therapy_allowed`` maps (client id, year, "pt_slp" | "ot") to the client's allowed
    amounts so far that year (from the store: posted 835s, else the fee schedule; denied,
    closed and draft claims left out), for Medicare's KX threshold; empty when unknown. A
    claim document's own ``therapy_allowed_to_date`` takes precedence (scrub/rules/kx.py).
    """

    code_set: CodeSet
    payers: Mapping[str, PayerProfile]
    edits: EditTables
    today: dt.date
    therapy_allowed: Mapping[tuple[str, int, str], Decimal] = field(default_factory=dict)
    # the client's therapy services with a KX payer on each day, on claims counted so far, by
    # (client id, payer profile id, date): the day's therapy reduction spans claims
    therapy_same_day: Mapping[tuple[str, str, dt.date], Sequence[Service]] = field(
        default_factory=dict
    )
    # each payer's record from its posted remittances, by payer name (payers.record; from
    # the store's payer insights): the advice rules (scrub/rules/payer_record.py) read it
    payer_records: Mapping[str, PayerRecord] = field(default_factory=dict)
    # units by code for a day's (code, minutes) under a rule: the same sessions recur across
    # claims, and the figures do not depend on the date once every code is active on it
    unit_cache: dict[tuple[UnitRule, tuple[tuple[str, int], ...]], DayUnits] = field(
        default_factory=dict, repr=False, compare=False
    )
    feature_cache: dict[str, tuple[PayerProfile, frozenset[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @classmethod
    def load(cls, *, payers_dir: Path | None = None, today: dt.date | None = None) -> ScrubContext:
        """Read the code set, payer profiles, edit tables and ICD-10-CM's releases (each file
        once). The scrub's diagnosis rules need only the shipped release tables: the full
        tabular list (descriptions, for searches and superbills) took seconds to read on every
        ``claims build``, also when there was nothing to build."""
        icd10cm_releases.releases()
        return cls(
            code_set=load_code_set(),
            payers=load_payer_profiles(payers_dir),
            edits=load_edit_tables(),
            today=today or dt.date.today(),
        )

    def payer_features(self, payer: PayerProfile) -> set[str]:
        """The claim features a payer's settings give every claim to it (worked out once)."""
        cached = self.feature_cache.get(payer.id)
        if cached is None or cached[0] is not payer:
            settings = (
                ("authorization", payer.prior_authorization),
                ("kx", payer.kx_thresholds),
                ("therapy-plan", payer.therapy_modifier_required),
                ("required-modifiers", payer.required_modifiers),
                (
                    "restricted-codes",
                    payer.accepted_codes or payer.accepted_for or payer.not_accepted,
                ),
                ("disciplines", payer.disciplines),
                ("preferred", payer.preferred),
                ("payer-status", payer.status),
                ("fees", payer.fees),
                ("timely-filing", payer.timely_filing_days is not None),
            )
            cached = (payer, frozenset(name for name, present in settings if present))
            self.feature_cache[payer.id] = cached
        return set(cached[1])

    def payer_for(self, claim: Claim) -> tuple[PayerProfile, bool]:
        """The claim's payer profile and whether it was found (else the generic profile)."""
        profile = self.payers.get(claim.payer.id)
        if profile is not None:
            return profile, True
        return self.payers[DEFAULT_PAYER], False


@dataclass(frozen=True)
class DayUnits:
    """Units the minutes support on one date of service, by code, under the payer's rule."""

    by_code: Mapping[str, int]
    problem: str | None = None  # why units could not be counted (e.g. more than 24 hours)

    def units(self, code: str) -> int | None:
        return self.by_code.get(code)


@dataclass(frozen=True)
class ClaimContext:
    """What a rule sees: the run's tables plus the claim's payer, codes and computed units."""

    scrub: ScrubContext
    payer: PayerProfile
    payer_known: bool
    codes: tuple[Code | None, ...]  # per line: the code if it is billable on the line's date
    days: Mapping[dt.date, DayUnits]
    # lines with a billable code by (date, code): [(0-based index, line, code), …]
    groups: Mapping[tuple[dt.date, str], list[tuple[int, ServiceLine, Code]]]
    features: frozenset[str] = frozenset()
    # what a rule family derives once and shares between its rules (e.g. the NCCI pairs)
    memo: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def code_set(self) -> CodeSet:
        return self.scrub.code_set

    @property
    def edits(self) -> EditTables:
        return self.scrub.edits

    @property
    def today(self) -> dt.date:
        return self.scrub.today


def _active(code_set: CodeSet, code: str, day: dt.date) -> Code | None:
    entry = code_set.codes.get(code)
    if entry is None or entry.status_on(day) is not CodeStatus.ACTIVE:
        return None
    return entry


def _count(
    items: list[tuple[str, int]], payer: PayerProfile, day: dt.date, scrub: ScrubContext
) -> DayUnits:
    try:
        result = count_units(items, rule=payer.unit_rule, day=day, code_set=scrub.code_set)
    except InvalidInput as exc:
        return DayUnits({}, exc.message)
    return DayUnits(result.units_by_code())


def _cached(
    items: list[tuple[str, int]], payer: PayerProfile, day: dt.date, scrub: ScrubContext
) -> DayUnits:
    cache = scrub.unit_cache
    key = (payer.unit_rule, tuple(items))
    counted = cache.get(key)
    if counted is None:
        counted = _count(items, payer, day, scrub)
        if len(cache) >= UNIT_CACHE_SIZE:
            cache.clear()
        cache[key] = counted
    return counted


def _day_units(
    items: list[tuple[str, int]], payer: PayerProfile, day: dt.date, scrub: ScrubContext
) -> DayUnits:
    """Units of one date. Under the midpoint rule each code (or initial/add-on family) stands
    alone, so its figure is cached on its own; under the CMS rule the day's timed codes share
    one total, so the whole day is the cache key."""
    if payer.unit_rule is UnitRule.CMS or len(items) == 1:
        return _cached(items, payer, day, scrub)
    parts: dict[str, list[tuple[str, int]]] = {}
    for code, minutes in items:
        entry = scrub.code_set.codes[code]
        family = entry.primary_code if entry.timing is Timing.ADDON else code
        parts.setdefault(family or code, []).append((code, minutes))
    by_code: dict[str, int] = {}
    problem = None
    for part in parts.values():
        counted = _cached(part, payer, day, scrub)
        by_code.update(counted.by_code)
        problem = problem or counted.problem
    return DayUnits(by_code, problem)


def prepare(claim: Claim, scrub: ScrubContext) -> ClaimContext:
    """Derive once per claim what several rules need."""
    payer, known = scrub.payer_for(claim)
    codes = tuple(_active(scrub.code_set, line.code, line.date) for line in claim.lines)
    services: dict[dt.date, list[tuple[str, int]]] = {}
    groups: dict[tuple[dt.date, str], list[tuple[int, ServiceLine, Code]]] = {}
    for i, (line, code) in enumerate(zip(claim.lines, codes, strict=True)):
        if code is None:
            continue
        groups.setdefault((line.date, code.code), []).append((i, line, code))
        minutes = line.minutes
        if minutes is None:
            if code.timing not in (Timing.UNTIMED, Timing.ADDON):
                continue
            minutes = 0  # untimed: one unit; add-on: its family's minutes may be on the primary
        services.setdefault(line.date, []).append((code.code, minutes))
    for item in claim.unbilled_time:  # minutes that billed no unit still count in the day
        unbilled = _active(scrub.code_set, item.code, item.date)
        if unbilled is not None and item.date in services:
            services[item.date].append((unbilled.code, item.minutes))
    days = {day: _day_units(items, payer, day, scrub) for day, items in services.items()}
    return ClaimContext(
        scrub,
        payer,
        known,
        codes,
        days,
        groups,
        _features(claim, payer, groups, codes, days, scrub),
    )


def _features(
    claim: Claim,
    payer: PayerProfile,
    groups: Mapping[tuple[dt.date, str], list[tuple[int, ServiceLine, Code]]],
    codes: tuple[Code | None, ...],
    days: Mapping[dt.date, DayUnits],
    scrub: ScrubContext,
) -> frozenset[str]:
    found = scrub.payer_features(payer)
    per_day: dict[dt.date, int] = {}
    mue = scrub.edits.mue
    discipline = claim.provider.discipline
    for (day, code), lines in groups.items():
        per_day[day] = per_day.get(day, 0) + 1
        entry = lines[0][2]
        if entry.timing is not Timing.UNTIMED:
            found.add("timed")
            if entry.timing is not Timing.PER_15 and entry.timing is not Timing.PER_HOUR:
                found.add("family")
        elif entry.min_minutes:
            found.add("family")
        if code == "97150":
            found.add("group")
        if code in mue or entry.max_units_per_day is not None:
            found.add("capped")
        if entry.disciplines and discipline not in entry.disciplines:
            found.add("licence")
        if discipline in entry.not_recommended:
            found.add("not-recommended")
    if any(count > 1 for count in per_day.values()):
        found.add("pairs")
    if None in codes:
        found.add("uncoded")
    minutes: dict[dt.date, int] = {}
    for line in claim.lines:
        minutes[line.date] = minutes.get(line.date, 0) + (line.minutes or 0)
        if line.units is None:
            found.add("units-missing")
        if line.modifiers:
            found.add("modifiers")
            if PLAN_MODIFIERS.intersection(line.modifiers):
                found.add("therapy-plan")
        if not line.charge:
            found.add("zero-charge")
    if len(claim.lines) > 50:
        found.add("many-lines")
    if max(minutes.values()) > MAX_MINUTES or any(d.problem for d in days.values()):
        found.add("long-day")
    for feature, present in (
        ("same-day", claim.same_day_services),
        ("taxonomy", claim.provider.taxonomy),
        ("replaces", claim.frequency != "original" or claim.original_claim_id),
    ):
        if present:
            found.add(feature)
    if claim.place_of_service in payer.telehealth_places or any(
        TELEHEALTH_MODIFIERS.intersection(line.modifiers) for line in claim.lines
    ):
        found.add("telehealth")
    diagnoses = claim.diagnoses
    if len(diagnoses) > 12 or len({d.replace(".", "") for d in diagnoses}) != len(diagnoses):
        found.add("diagnosis-repeats")
    return frozenset(found)
