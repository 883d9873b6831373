"""What one payer wants: unit rule, codes, authorization, modifiers, filing limit, fees.

A payer profile is data (a TOML file per payer, see docs/payer-profiles.md); this module is
its validated, immutable form. ``sources`` names where each setting comes from, so a finding
raised by a setting can cite it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

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
    ncci: bool = True
    sources: Mapping[str, str] = field(default_factory=dict)

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

    def cite(self, key: str, code: str | None = None) -> str:
        """The source of a setting, as a finding shows it; ``sources."key.CODE"`` first."""
        where = f"payer profile {self.id}: {key}"
        source = (self.sources.get(f"{key}.{code}") if code else None) or self.sources.get(key)
        return f"{where} ({source})" if source else where
