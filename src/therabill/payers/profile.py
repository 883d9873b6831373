"""What one payer wants: unit rule, codes, authorization, modifiers, filing limit, fees,
allowed amounts, telehealth.

A payer profile is data (a TOML file per payer, see docs/payer-profiles.md); this module is
its validated, immutable form. ``sources`` names where each setting comes from, so a finding
raised by a setting can cite it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from therabill.payers.fee_schedule import FeeSchedule
from therabill.units import UnitRule

ALL_CODES = "*"
# What a payer's payment status for a code means (profile ``[codes.status]``). The letters are
# the status indicators of CMS's Physician Fee Schedule Relative Value File (PPRRVU, its
# record layout "Status Code"); "institutional" is a code paid only on an institutional claim
# (HCPCS file pricing indicator 00: not priced by Part B for a professional claim).
PAYMENT_STATUS: dict[str, str] = {
    "B": "bundled: paid only as part of the day's other services, never on its own (status B)",
    "E": "excluded from the fee schedule by regulation (status E)",
    "I": "not valid for this payer, which uses another code for the service (status I)",
    "N": "not covered (status N)",
    "P": "bundled or excluded: never paid on its own (status P)",
    "R": "restricted coverage: no national payment, paid only in special cases (status R)",
    "T": "paid only when no other paid service is billed that day (status T)",
    "X": "excluded from coverage by statute (status X)",
    "institutional": "paid only to a hospital or community mental health center on an "
    "institutional claim, not on a professional claim",
}
AUDIO_ONLY = "93"  # CPT Appendix P: synchronous telemedicine by real-time audio only
VIDEO = "95"  # CPT Appendix P: synchronous telemedicine by real-time audio and video
TELEHEALTH_MODIFIERS = frozenset({AUDIO_ONLY, VIDEO, "GT"})


@dataclass(frozen=True, slots=True)
class Telehealth:
    """Where and how the payer takes telehealth, beyond the modifier it wants (the
    ``[telehealth]`` table; empty: no rule of this kind).

    ``audio_only_places``: the places of service where audio-only (93) is allowed (Medicare:
    10, the patient's home). ``in_person_disciplines``: who may put 93/95 on a line with an
    in-person place of service (Medicare since 2024: outpatient therapy by PT, OT, SLP);
    None: the payer sets no such limit. ``not_allowed_modifiers``: telehealth modifiers the
    payer refuses (Medicare professional claims: GT). ``since``: the first date of service
    these rules apply to.
    """

    audio_only_places: frozenset[str] = frozenset()
    in_person_disciplines: frozenset[str] | None = None
    not_allowed_modifiers: frozenset[str] = frozenset()
    since: dt.date | None = None

    def applies(self, day: dt.date) -> bool:
        return self.since is None or day >= self.since

    @property
    def any(self) -> bool:
        return bool(
            self.audio_only_places
            or self.in_person_disciplines is not None
            or self.not_allowed_modifiers
        )


REPLACEMENT = "replacement"  # the payer takes frequency 7 (replacement) and 8 (void), REF*F8
REOPENING = "reopening"  # a processed claim is corrected by a reopening request, not an 837P
CORRECTION_WAYS = (REPLACEMENT, REOPENING)


@dataclass(frozen=True, slots=True)
class PayerProfile:
    """One payer's rules. Empty ``accepted_codes`` means the payer takes any code."""

    id: str
    name: str
    unit_rule: UnitRule
    path: str = ""
    accepted_codes: frozenset[str] = frozenset()
    accepted_for: Mapping[str, frozenset[str]] = field(default_factory=dict)
    not_accepted: frozenset[str] = frozenset()
    alternatives: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    preferred: Mapping[str, str] = field(default_factory=dict)
    status: Mapping[str, str] = field(default_factory=dict)  # code -> PAYMENT_STATUS key
    prior_authorization: frozenset[str] = frozenset()
    disciplines: frozenset[str] = frozenset()
    therapy_modifier_required: bool = False
    required_modifiers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    telehealth_modifier: str | None = None
    telehealth_places: frozenset[str] = frozenset({"02", "10"})
    extra_modifiers: frozenset[str] = frozenset()
    timely_filing_days: int | None = None
    appeal_days: int | None = None  # from the remittance date, to file a first-level appeal
    corrected_claim_days: int | None = None  # from the remittance date, to send a correction
    fees: Mapping[str, Decimal] = field(default_factory=dict)
    kx_thresholds: Mapping[int, Decimal] = field(default_factory=dict)
    review_thresholds: Mapping[int, Decimal] = field(default_factory=dict)
    # year → the fee schedules to use, the first one found (a practice's locality, then the
    # national amounts shipped); ``fee_schedules`` holds the one found (payers.loader)
    allowed_amounts: Mapping[int, tuple[str, ...]] = field(default_factory=dict)
    fee_schedules: Mapping[int, FeeSchedule] = field(default_factory=dict)
    telehealth: Telehealth = field(default_factory=Telehealth)
    ncci: bool = True
    corrections: str = REPLACEMENT
    new_claim_remarks: frozenset[str] = frozenset()
    sources: Mapping[str, str] = field(default_factory=dict)
    # Outpatient therapy under a certified plan of care (Medicare: Pub 100-02 ch.15 §220.1)
    # and the certifying physician/NPP named on the claim as the referring provider.
    plan_of_care_required: bool = False
    referring_provider_required: bool = False
    visit_limits: Mapping[str, int] = field(default_factory=dict)  # discipline → visits/year
    # The payer forwards the claims it decided to the client's supplemental payer itself
    # (Medicare's COBA crossover): its 835 says so with CLP02 19/20/21 or RARC MA18/N89.
    crossover: bool = False

    def accepts(self, code: str, discipline: str) -> bool:
        """Whether the payer takes ``code`` from a provider of ``discipline``."""
        if code in self.not_accepted:
            return False
        if discipline in self.accepted_for:
            return code in self.accepted_for[discipline]
        return not self.accepted_codes or code in self.accepted_codes

    def accepted_list(self, discipline: str) -> frozenset[str]:
        """The codes the payer names as accepted for the discipline (empty: any code)."""
        return self.accepted_for.get(discipline, self.accepted_codes)

    def needs_authorization(self, code: str) -> bool:
        return ALL_CODES in self.prior_authorization or code in self.prior_authorization

    def fee_schedule(self, day: dt.date) -> FeeSchedule | None:
        """The allowed amounts in force on ``day`` (None: none known for its year)."""
        return self.fee_schedules.get(day.year)

    def cite(self, key: str, code: str | None = None) -> str:
        """The source of a setting, as a finding shows it; ``sources."key.CODE"`` first."""
        where = f"payer profile {self.id}: {key}"
        source = (self.sources.get(f"{key}.{code}") if code else None) or self.sources.get(key)
        return f"{where} ({source})" if source else where
