"""Every scrub rule with cases that pass it and cases that fail it (ids name the case)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import payer_records
import pytest
from scrub_helpers import claim, context, line, run_rule

from therabill.payers import parse_payer_profile
from therabill.scrub import RULES, ScrubContext

Build = Callable[[], dict[str, Any]]


def with_profile(text: str) -> ScrubContext:
    profile = parse_payer_profile(text, "test.toml")
    base = context()
    return dataclasses.replace(base, payers={**base.payers, profile.id: profile})


CUSTOM = """
id = "CUSTOM"
name = "Custom plan"
unit_rule = "midpoint"
required_modifiers = { "97110" = ["GP"] }
[codes.preferred]
"97140" = "97124"
"""

AUTH = {"number": "A1", "codes": ["97124"], "units_remaining": 8, "start": "2026-10-01",
        "end": "2026-12-31"}  # fmt: skip


def massage(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return claim(*lines, discipline="massage", techniques=["Swedish massage"], **extra)


def sample_payer(*lines: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return massage(*lines, payer="SAMPLE-MASSAGE-PAYER", **extra)


REFERRING = {"npi": "1679576722", "first_name": "Rosa", "last_name": "Diaz"}
PLAN = {"discipline": "pt", "start": "2026-10-05", "end": "2027-01-02", "certified": "2026-10-25",
        "treatment_days": 4}  # fmt: skip


def medicare_plan(**extra: Any) -> dict[str, Any]:
    """A Medicare PT claim under a certified plan of care, its certifier as the referrer."""
    return claim(**{"payer": "MEDICARE", "referring_provider": REFERRING, "plan_of_care": PLAN,
                    **extra})  # fmt: skip


# (case id, rule id, claim builder, expected to fire, text the message must contain, context)
CASES: list[tuple[str, str, Build, bool, str | None, Callable[[], ScrubContext] | None]] = [
    ("clean-97110", "code.unknown", lambda: claim(), False, None, None),
    ("pos-11", "claim.place-of-service", lambda: claim(), False, None, None),
    ("pos-00", "claim.place-of-service", lambda: claim(pos="00"), True, "00", None),
    ("96159-alone-left-to-addon-rule", "time.addon-units",
     lambda: claim(line("96159", 15, 1), discipline="behavioral"), False, None, None),
    ("one-pointer", "diagnosis.pointer", lambda: claim(), False, None, None),
    ("four-modifiers", "modifier.too-many",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "KX", "59", "76"])), False, None,
     None),
    ("97129-one-unit", "time.initial-once",
     lambda: claim(line("97129", 15, 1), discipline="slp"), False, None, None),
    ("day-of-8-hours", "units.day-too-long",
     lambda: claim(line("97110", 240, 16), line("97112", 240, 16)), False, None, None),
    ("one-line", "claim.too-many-lines", lambda: claim(), False, None, None),
    ("gp-only", "modifier.component", lambda: claim(line("97110", 23, 2, modifiers=["GP"])),
     False, None, None),
    ("97633-misprint", "code.unknown", lambda: claim(line("97633", 23, 2)), True, "97533", None),
    ("97001-after-2017", "code.inactive",
     lambda: claim(line("97001", 40, 1, date="2017-03-01")), True, "97161", None),
    ("97001-last-day", "code.inactive",
     lambda: claim(line("97001", 40, 1, date="2016-12-31")), False, None, None),
    ("98984-before-2026", "code.inactive",
     lambda: claim(line("98984", None, 1, date="2025-06-01")), True, "takes effect", None),
    ("pt-bills-pt-eval", "discipline.licence", lambda: claim(line("97161", 45, 1)), False, None,
     None),
    ("massage-bills-pt-eval", "discipline.licence",
     lambda: massage(line("97161", 45, 1)), True, "physical therapist", None),
    ("pt-bills-92507", "discipline.licence", lambda: claim(line("92507", 30, 1)), True,
     "speech-language pathologist", None),
    ("massage-97124", "discipline.not-recommended", lambda: massage(line("97124", 23, 2)), False,
     None, None),
    ("massage-97112", "discipline.not-recommended", lambda: massage(line("97112", 23, 2)), True,
     "97112", None),
    ("massage-97530", "discipline.not-recommended", lambda: massage(line("97530", 23, 2)), True,
     "97530", None),
    ("midpoint-22-min-2-units", "units.over", lambda: claim(line("97110", 22, 2)), True,
     "support 1", None),
    ("midpoint-23-min-2-units", "units.over", lambda: claim(line("97110", 23, 2)), False, None,
     None),
    ("cms-ex1-three-units-one-code", "units.over",
     lambda: claim(line("97112", 24, 3), line("97110", 23, 1), payer="MEDICARE"), True, None,
     None),
    ("midpoint-38-min-2-units", "units.under", lambda: claim(line("97110", 38, 2)), True,
     "support 3", None),
    ("midpoint-38-min-3-units", "units.under", lambda: claim(line("97110", 38, 3)), False, None,
     None),
    ("units-absent", "units.computed", lambda: claim(line("97110", 38)), True, "3 units", None),
    ("units-given", "units.computed", lambda: claim(), False, None, None),
    ("timed-no-minutes-no-units", "units.no-minutes", lambda: claim(line("97110")), True, None,
     None),
    ("addon-minutes-on-primary", "units.no-minutes",
     lambda: claim(line("97129", 45, 1), line("97130", None, 2), discipline="slp",
                   end="10:45"), False, None, None),
    ("day-of-2000-minutes", "units.day-too-long",
     lambda: claim(line("97110", 1000, 67), line("97112", 1000, 67)), True, "1440", None),
    ("96158-15-min", "time.minimum",
     lambda: claim(line("96158", 15, 1), discipline="behavioral"), True, "16-minute", None),
    ("96158-16-min", "time.minimum",
     lambda: claim(line("96158", 16, 1), discipline="behavioral"), False, None, None),
    ("g0176-40-min", "time.minimum",
     lambda: claim(line("G0176", 40, 1), discipline="music", end="11:00"), True, "45", None),
    ("97130-alone", "time.addon-without-primary",
     lambda: claim(line("97130", 15, 1), discipline="slp"), True, "97129", None),
    ("96159-alone", "time.addon-without-primary",
     lambda: claim(line("96159", 15, 1), discipline="behavioral"), True, "96158", None),
    ("97546-alone", "time.addon-without-primary", lambda: claim(line("97546", 60, 1)), True,
     "97545", None),
    ("97551-alone", "time.addon-without-primary", lambda: claim(line("97551", 15, 1)), True,
     "97550", None),
    ("97129-with-97130", "time.addon-without-primary",
     lambda: claim(line("97129", 15, 1), line("97130", 30, 2), discipline="slp", end="10:45"),
     False, None, None),
    ("97129-two-units", "time.initial-once",
     lambda: claim(line("97129", 30, 2), discipline="slp"), True, "once a day", None),
    ("97129-45-min-medpayiq", "time.addon-units",
     lambda: claim(line("97129", 15, 1), line("97130", 30, 2), discipline="slp", end="10:45"),
     False, None, None),
    ("97129-45-min-three-addons", "time.addon-units",
     lambda: claim(line("97129", 15, 1), line("97130", 30, 3), discipline="slp", end="10:45"),
     True, "support 2", None),
    ("96158-53-min", "time.addon-units",
     lambda: claim(line("96158", 30, 1), line("96159", 23, 2), discipline="behavioral",
                   end="11:00"), False, None, None),
    ("90837-45-min-novitas", "time.range",
     lambda: claim(line("90837", 45, 1), discipline="behavioral", end="10:45"), True,
     "90834 is the code for 45 minutes", None),
    ("90834-45-min-novitas", "time.range",
     lambda: claim(line("90834", 45, 1), discipline="behavioral", end="10:45"), False, None,
     None),
    ("90834-60-min-novitas", "time.range",
     lambda: claim(line("90834", 60, 1), discipline="behavioral", end="11:00"), True,
     "90837 is the code for 60 minutes", None),
    ("90832-15-min-novitas", "time.minimum",
     lambda: claim(line("90832", 15, 1), discipline="behavioral"), True, "under 16", None),
    ("90839-29-min", "time.minimum",
     lambda: claim(line("90839", 29, 1), discipline="behavioral"), True, "30-minute", None),
    ("cms-97110-10-97129-10", "units.over",
     lambda: claim(line("97110", 10, 1), line("97129", 10, 1), payer="MEDICARE"), True,
     "gives 1 in all", None),
    ("cms-97110-20-97129-20-either-split", "units.over",
     lambda: claim(line("97110", 20, 1), line("97129", 15, 1), line("97130", 5, 1),
                   payer="MEDICARE", end="10:40"), False, None, None),
    ("cms-97110-20-97129-20-either-split", "time.addon-units",
     lambda: claim(line("97110", 20, 1), line("97129", 15, 1), line("97130", 5, 1),
                   payer="MEDICARE", end="10:40"), False, None, None),
    ("cms-97129-7-97110-7", "time.minimum",
     lambda: claim(line("97129", 7, 1), line("97110", 7), payer="MEDICARE"), False, None,
     None),
    ("cms-97110-20-97129-20-two-billed", "units.under",
     lambda: claim(line("97110", 20, 1), line("97129", 20, 1), payer="MEDICARE",
                   end="10:40"), True, "gives 3 in all", None),
    ("92522-with-92523", "ncci.ptp-never",
     lambda: claim(line("92522", 30, 1), line("92523", 30, 1), discipline="slp",
                   end="11:00"), True, "indicator 0", None),
    ("92522-alone", "ncci.ptp-never", lambda: claim(line("92522", 30, 1), discipline="slp"),
     False, None, None),
    ("97113-97110-no-modifier", "ncci.ptp-modifier-needed",
     lambda: claim(line("97113", 23, 2), line("97110", 15, 1)), True, "97110", None),
    ("97113-97110-xu", "ncci.ptp-modifier-needed",
     lambda: claim(line("97113", 23, 2), line("97110", 15, 1, modifiers=["XU"])), False, None,
     None),
    # CMS practitioner PTP 2026 Q4: 97140/97530 ended 2019-12-31; 97161-97163 with 97140 are
    # indicator 9 (no edit); 97162/97161 is indicator 0
    ("97530-97140-ended-2019", "ncci.ptp-modifier-needed",
     lambda: claim(line("97530", 23, 2), line("97140", 15, 1)), False, None, None),
    ("97161-97140-indicator-9", "ncci.ptp-modifier-needed",
     lambda: claim(line("97161", 30, 1), line("97140", 15, 1), end="11:00"), False, None, None),
    ("97162-97161-indicator-0", "ncci.ptp-never",
     lambda: claim(line("97162", 30, 1), line("97161", 30, 1), end="11:00"), True,
     "97161 would be denied", None),
    ("97110-seven-units", "mue.exceeded",
     lambda: claim(line("97110", 98, 7), end="11:40"), True, "MUE is 6", None),
    ("97110-six-units", "mue.exceeded",
     lambda: claim(line("97110", 90, 6), end="11:30"), False, None, None),
    ("97530-97164-59-on-reeval", "ncci.ptp-modifier-needed",
     lambda: claim(line("97530", 23, 2), line("97164", 20, 1, modifiers=["59"]), end="11:00"),
     False, None, None),
    ("97150-97112-no-modifier", "ncci.ptp-modifier-needed",
     lambda: claim(line("97150", 30, 1), line("97112", 23, 2), end="11:00"), True, "97112",
     None),
    ("ncci-off-for-payer", "ncci.ptp-modifier-needed",
     lambda: claim(line("97113", 23, 2), line("97110", 15, 1), payer="NONCCI"), False, None,
     lambda: with_profile('id = "NONCCI"\nname = "No NCCI"\nunit_rule = "midpoint"\n'
                          "ncci = false\n")),
    ("97113-97110-xu-info", "ncci.ptp-modifier-used",
     lambda: claim(line("97113", 23, 2), line("97110", 15, 1, modifiers=["XU"])), True,
     "documentation" if False else "note", None),
    ("97113-97110-plain", "ncci.ptp-modifier-used",
     lambda: claim(line("97113", 23, 2), line("97110", 15, 1)), False, None, None),
    ("97162-and-97164", "ncci.one-pt-evaluation",
     lambda: claim(line("97162", 40, 1), line("97164", 20, 1), end="11:30"), True, None, None),
    ("97162-alone", "ncci.one-pt-evaluation", lambda: claim(line("97162", 40, 1)), False, None,
     None),
    ("97035-three-units", "mue.exceeded", lambda: claim(line("97035", 38, 3), end="11:00"),
     True, "MUE is 2", None),
    ("97035-two-units", "mue.exceeded", lambda: claim(line("97035", 23, 2)), False, None, None),
    ("92507-twice-a-day", "mue.exceeded",
     lambda: claim(line("92507", 30, 1), line("92507", 30, 1), discipline="slp", end="11:00"),
     True, "92507", None),
    ("97161-two-units", "mue.exceeded", lambda: claim(line("97161", 45, 2)), True,
     "MUE is 1", None),
    ("97164-two-units", "mue.code-daily-maximum", lambda: claim(line("97164", 45, 2)), True,
     "at most 1", None),
    ("97164-one-unit", "mue.code-daily-maximum", lambda: claim(line("97164", 45, 1)), False,
     None, None),
    ("massage-97124-and-97140", "massage.97124-with-97140",
     lambda: massage(line("97124", 23, 2), line("97140", 23, 2), end="11:00"), True,
     "separate minutes", None),
    ("pt-97124-and-97140", "massage.97124-with-97140",
     lambda: claim(line("97124", 23, 2), line("97140", 23, 2), end="11:00"), False, None, None),
    ("ot-also-bills-97530", "same-day.other-discipline",
     lambda: claim(line("97530", 23, 2), same_day_services=[{"discipline": "ot",
                                                             "code": "97530"}]),
     True, "occupational therapist", None),
    ("ot-bills-other-code", "same-day.other-discipline",
     lambda: claim(line("97530", 23, 2), same_day_services=[{"discipline": "ot",
                                                             "code": "97535"}]),
     False, None, None),
    ("modifier-zz", "modifier.unknown", lambda: claim(line("97110", 23, 2, modifiers=["ZZ"])),
     True, "ZZ", None),
    ("modifier-gp", "modifier.unknown", lambda: claim(line("97110", 23, 2, modifiers=["GP"])),
     False, None, None),
    ("five-modifiers", "modifier.too-many",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "KX", "59", "76", "95"])), True, None,
     None),
    ("modifier-twice", "modifier.too-many",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "GP"])), True, None, None),
    ("26-on-massage", "modifier.component",
     lambda: massage(line("97124", 23, 2, modifiers=["26"])), True, "26", None),
    ("tc-on-97110", "modifier.component", lambda: claim(line("97110", 23, 2, modifiers=["TC"])),
     True, "TC", None),
    ("medicare-pt-without-gp", "modifier.therapy-plan",
     lambda: claim(line("97110", 23, 2), payer="MEDICARE"), True, "GP", None),
    ("medicare-pt-with-gp", "modifier.therapy-plan",
     lambda: claim(line("97110", 23, 2, modifiers=["GP"]), payer="MEDICARE"), False, None, None),
    ("pt-eval-with-go", "modifier.therapy-plan",
     lambda: claim(line("97161", 45, 1, modifiers=["GO"]), payer="MEDICARE"), True, "GP", None),
    ("ot-eval-with-gp", "modifier.therapy-plan",
     lambda: claim(line("97166", 45, 1, modifiers=["GP"]), discipline="ot", payer="MEDICARE"),
     True, "GO", None),
    ("92507-with-gn", "modifier.therapy-plan",
     lambda: claim(line("92507", 30, 1, modifiers=["GN"]), discipline="slp", payer="MEDICARE"),
     False, None, None),
    ("commercial-no-gp-needed", "modifier.therapy-plan", lambda: claim(), False, None, None),
    ("custom-requires-gp", "modifier.payer-required", lambda: claim(payer="CUSTOM"), True, "GP",
     lambda: with_profile(CUSTOM)),
    ("custom-gp-present", "modifier.payer-required",
     lambda: claim(line("97110", 23, 2, modifiers=["GP"]), payer="CUSTOM"), False, None,
     lambda: with_profile(CUSTOM)),
    ("pos-10-without-95", "modifier.telehealth", lambda: claim(pos="10"), True, "95", None),
    ("pos-02-with-95", "modifier.telehealth",
     lambda: claim(line("97110", 23, 2, modifiers=["95"]), pos="02"), False, None, None),
    ("pos-11-office", "modifier.telehealth", lambda: claim(pos="11"), False, None, None),
    ("pos-10-audio-only-93-is-not-told-to-add-95", "modifier.telehealth",
     lambda: claim(line("97110", 23, 2, modifiers=["93"]), pos="10"), False, None, None),
    ("medicare-pos-10-needs-no-modifier", "modifier.telehealth",
     lambda: claim(line("97110", 23, 2, modifiers=["GP"]), pos="10", payer="MEDICARE"), False,
     None, None),
    ("93-and-95-together", "telehealth.modifier-conflict",
     lambda: claim(line("97110", 23, 2, modifiers=["95", "93"]), pos="10"), True, "both", None),
    ("95-alone", "telehealth.modifier-conflict",
     lambda: claim(line("97110", 23, 2, modifiers=["95"]), pos="10"), False, None, None),
    ("medicare-gt", "telehealth.modifier-not-allowed",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "GT"]), pos="02", payer="MEDICARE"),
     True, "GT", None),
    ("commercial-gt", "telehealth.modifier-not-allowed",
     lambda: claim(line("97110", 23, 2, modifiers=["GT"]), pos="02"), False, None, None),
    ("medicare-behavioral-95-at-office", "telehealth.in-person-place",
     lambda: claim(line("90834", 45, 1, modifiers=["95"]), discipline="behavioral",
                   payer="MEDICARE"), True, "02 or 10", None),
    ("medicare-pt-95-at-office", "telehealth.in-person-place",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "95"]), payer="MEDICARE"), False,
     None, None),
    ("medicare-audio-only-at-02", "telehealth.audio-only-place",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "93"]), pos="02", payer="MEDICARE"),
     True, "10", None),
    ("medicare-audio-only-at-home", "telehealth.audio-only-place",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "93"]), pos="10", payer="MEDICARE"),
     False, None, None),
    ("kx-review-past-3000", "modifier.kx-review",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "KX"]), payer="MEDICARE"), True,
     "3,000", lambda: dataclasses.replace(
         context(), therapy_allowed={("CL-1", 2026, "pt_slp"): Decimal("2990.00")})),
    ("kx-review-below-3000", "modifier.kx-review",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "KX"]), payer="MEDICARE"), False,
     None, lambda: dataclasses.replace(
         context(), therapy_allowed={("CL-1", 2026, "pt_slp"): Decimal("2900.00")})),
    ("cq-with-go", "modifier.assistant",
     lambda: claim(line("97110", 23, 2, modifiers=["CQ", "GO"])), True, "GP", None),
    ("cq-on-pt-eval", "modifier.assistant",
     lambda: claim(line("97163", 45, 1, modifiers=["GP", "CQ"])), True, "assistant", None),
    ("cq-with-gp", "modifier.assistant",
     lambda: claim(line("97110", 23, 2, modifiers=["GP", "CQ"])), False, None, None),
    ("59-and-xu", "modifier.59-with-x",
     lambda: claim(line("97140", 15, 1, modifiers=["59", "XU"])), True, None, None),
    ("xu-alone", "modifier.59-with-x", lambda: claim(line("97140", 15, 1, modifiers=["XU"])),
     False, None, None),
    ("kx-over-2024-threshold", "modifier.kx",
     lambda: claim(line("97110", 23, 2, date="2024-06-03", modifiers=["GP"]), payer="MEDICARE"),
     True, "2,330", lambda: dataclasses.replace(
         context(), therapy_allowed={("CL-1", 2024, "pt_slp"): Decimal("2400")})),
    ("kx-ot-separate-threshold", "modifier.kx",
     lambda: claim(line("97530", 23, 2, date="2024-06-03", modifiers=["GO"]), discipline="ot",
                   payer="MEDICARE"),
     False, None, lambda: dataclasses.replace(
         context(), therapy_allowed={("CL-1", 2024, "pt_slp"): Decimal("2400"),
                                   ("CL-1", 2024, "ot"): Decimal("500")})),
    ("kx-present", "modifier.kx",
     lambda: claim(line("97110", 23, 2, date="2024-06-03", modifiers=["GP", "KX"]),
                   payer="MEDICARE"),
     False, None, lambda: dataclasses.replace(
         context(), therapy_allowed={("CL-1", 2024, "pt_slp"): Decimal("2400")})),
    ("no-diagnosis", "diagnosis.missing", lambda: claim(diagnoses=[]), True, None, None),
    ("one-diagnosis", "diagnosis.missing", lambda: claim(), False, None, None),
    ("m54.5-heading", "diagnosis.invalid", lambda: claim(diagnoses=["M54.5"]), True, "heading",
     None),
    ("not-icd10", "diagnosis.invalid", lambda: claim(diagnoses=["XYZ.1"]), True, None, None),
    ("billable-m54.50", "diagnosis.invalid", lambda: claim(diagnoses=["M54.50"]), False, None,
     None),
    ("w01-fall-first", "diagnosis.external-cause-first",
     lambda: claim(diagnoses=["W01.0XXA", "S93.401A"]), True, "external cause", None),
    ("injury-first", "diagnosis.external-cause-first",
     lambda: claim(diagnoses=["S93.401A", "W01.0XXA"]), False, None, None),
    ("c61-on-a-female-client", "diagnosis.sex", lambda: claim(diagnoses=["C61"]), True,
     "male patients only", None),
    ("m54.50-any-sex", "diagnosis.sex", lambda: claim(), False, None, None),
    ("thirteen-diagnoses", "diagnosis.too-many",
     lambda: claim(diagnoses=["M54.50"] + [f"M62.8{n}" for n in range(1, 4)] * 4), True, None,
     None),
    ("two-diagnoses", "diagnosis.too-many", lambda: claim(diagnoses=["M54.50", "M62.81"]),
     False, None, None),
    ("pointer-past-list", "diagnosis.pointer",
     lambda: claim(line("97110", 23, 2, pointers=[3])), True, "lists 1", None),
    ("five-pointers", "diagnosis.pointer",
     lambda: claim(line("97110", 23, 2, pointers=[1, 1, 1, 1, 1])), True, "at most 4", None),
    ("no-pointer", "diagnosis.pointer", lambda: claim(line("97110", 23, 2, pointers=[])), True,
     None, None),
    ("npi-bad-check", "identity.npi",
     lambda: claim(provider={"npi": "1234567890", "name": "X", "discipline": "pt"}), True,
     "check digit", None),
    ("npi-cms-example", "identity.npi", lambda: claim(), False, None, None),
    ("billing-npi-bad", "identity.npi",
     lambda: claim(billing_provider={"npi": "123456789", "name": "X", "tax_id": "12-3456789",
                                     "address": {"line1": "1 A St", "city": "B", "state": "IL",
                                                 "zip": "62701"}}),
     True, "10", None),
    ("taxonomy-bad", "identity.taxonomy",
     lambda: claim(provider={"npi": "1234567893", "name": "X", "discipline": "pt",
                             "taxonomy": "PT"}), True, None, None),
    ("taxonomy-pt", "identity.taxonomy", lambda: claim(), False, None, None),
    ("no-member-id", "identity.member-id",
     lambda: claim(client={"id": "C", "first_name": "A", "last_name": "B",
                           "birth_date": "1970-01-01", "sex": "F"}), True, None, None),
    ("subscriber-member-id", "identity.member-id",
     lambda: claim(subscriber={"first_name": "Mo", "last_name": "Lopez",
                               "relationship": "child", "member_id": "P-1"}), False, None, None),
    ("born-after-service", "identity.birth-date",
     lambda: claim(client={"id": "C", "first_name": "A", "last_name": "B",
                           "birth_date": "2026-11-21", "member_id": "M"}), True, "after", None),
    ("born-1970", "identity.birth-date", lambda: claim(), False, None, None),
    ("service-next-month", "identity.future-service",
     lambda: claim(line("97110", 23, 2, date="2026-12-15")), True, "future", None),
    ("service-last-week", "identity.future-service", lambda: claim(), False, None, None),
    ("timed-without-session", "documentation.session-times", lambda: claim(session=None), True,
     None, None),
    ("untimed-without-session", "documentation.session-times",
     lambda: claim(line("97161", None, 1), session=None), False, None, None),
    ("end-before-start", "documentation.session-times",
     lambda: claim(start="11:00", end="10:00"), True, "before", None),
    ("session-shorter-than-minutes", "documentation.time-short",
     lambda: claim(start="10:00", end="10:15"), True, "lasted 15", None),
    ("session-covers-minutes", "documentation.time-short", lambda: claim(), False, None, None),
    ("no-techniques", "documentation.techniques", lambda: claim(techniques=[]), True, None,
     None),
    ("techniques-listed", "documentation.techniques", lambda: claim(), False, None, None),
    ("97150-two-units", "group.one-unit", lambda: claim(line("97150", 45, 2), end="11:00"), True,
     "one unit", None),
    ("97150-one-unit", "group.one-unit", lambda: claim(line("97150", 45, 1), end="11:00"), False,
     None, None),
    ("97150-overlaps-97110", "group.with-individual",
     lambda: claim(line("97150", 30, 1), line("97110", 23, 2), end="10:45"), True,
     "twice", None),
    ("97150-then-97110", "group.with-individual",
     lambda: claim(line("97150", 30, 1), line("97110", 23, 2), end="11:00"), False, None, None),
    ("unknown-payer", "payer.unknown-profile", lambda: claim(payer="ACME-HEALTH"), True,
     "ACME-HEALTH", None),
    ("known-payer", "payer.unknown-profile", lambda: claim(), False, None, None),
    ("sample-payer-97140", "payer.code-not-accepted",
     lambda: sample_payer(line("97140", 23, 2), authorization=AUTH), True, "97124", None),
    ("sample-payer-97124", "payer.code-not-accepted",
     lambda: sample_payer(line("97124", 23, 2), authorization=AUTH), False, None, None),
    ("medicare-97014", "payer.code-not-accepted",
     lambda: claim(line("97014", None, 1, modifiers=["GP"]), payer="MEDICARE"), True, "G0283",
     None),
    ("medicare-97010-bundled", "payer.code-status",
     lambda: claim(line("97010", None, 1, modifiers=["GP"]), payer="MEDICARE"), True,
     "status B", None),
    ("commercial-97010", "payer.code-status", lambda: claim(line("97010", None, 1)), False,
     None, None),
    ("custom-prefers-97124", "payer.preferred-code",
     lambda: claim(line("97140", 23, 2), payer="CUSTOM"), True, "97124",
     lambda: with_profile(CUSTOM)),
    ("custom-97110", "payer.preferred-code", lambda: claim(payer="CUSTOM"), False, None,
     lambda: with_profile(CUSTOM)),
    ("medicare-massage", "payer.discipline-not-covered",
     lambda: massage(line("97124", 23, 2), payer="MEDICARE"), True, "massage therapist", None),
    ("medicare-pt", "payer.discipline-not-covered",
     lambda: claim(line("97110", 23, 2, modifiers=["GP"]), payer="MEDICARE"), False, None, None),
    ("sample-payer-no-auth", "payer.authorization", lambda: sample_payer(line("97124", 23, 2)),
     True, "requires prior", None),
    ("sample-payer-auth-ok", "payer.authorization",
     lambda: sample_payer(line("97124", 23, 2), authorization=AUTH), False, None, None),
    ("auth-expired", "payer.authorization",
     lambda: sample_payer(line("97124", 23, 2, date="2026-09-20"), authorization=AUTH), True,
     "outside", None),
    ("auth-exhausted", "payer.authorization",
     lambda: sample_payer(line("97124", 23, 2),
                          authorization={**AUTH, "units_remaining": 1}), True, "1 left", None),
    ("auth-other-code", "payer.authorization",
     lambda: sample_payer(line("97124", 23, 2),
                          authorization={**AUTH, "codes": ["97140"]}), True, "not 97124", None),
    ("commercial-no-auth-needed", "payer.authorization", lambda: claim(), False, None, None),
    ("commercial-after-90-days", "payer.timely-filing",
     lambda: claim(line("97110", 23, 2, date="2026-06-01")), True, "90 days", None),
    ("commercial-within-90-days", "payer.timely-filing", lambda: claim(), False, None, None),
    ("medicare-within-a-year", "payer.timely-filing",
     lambda: claim(line("97110", 23, 2, date="2026-06-01", modifiers=["GP"]), payer="MEDICARE"),
     False, None, None),
    ("charge-below-fee", "payer.fee-schedule",
     lambda: sample_payer(line("97124", 23, 2, charge="40.00"), authorization=AUTH), True,
     "56.00", None),
    ("charge-above-fee", "payer.fee-schedule",
     lambda: sample_payer(line("97124", 23, 2, charge="120.00"), authorization=AUTH), False,
     None, None),
    ("corrected-without-original", "claim.original-claim",
     lambda: claim(frequency="corrected"), True, "replaces", None),
    ("corrected-with-original", "claim.original-claim",
     lambda: claim(frequency="void", original_claim_id="PAYER-991"), False, None, None),
    ("fifty-one-lines", "claim.too-many-lines",
     lambda: claim(*[line("97110", 8, 1, date=f"2026-11-{d:02d}") for d in range(1, 21)] * 3),
     True, "50", None),
    ("zero-charge", "claim.zero-charge", lambda: claim(line("97110", 23, 2, charge="0")), True,
     None, None),
    ("usual-charge", "claim.zero-charge", lambda: claim(), False, None, None),
    ("no-billing-provider", "submission.missing", lambda: claim(billing_provider=None), True,
     "billing_provider", None),
    ("no-client-sex", "submission.missing",
     lambda: claim(client={"id": "C", "first_name": "A", "last_name": "B",
                           "birth_date": "1970-01-01", "member_id": "M",
                           "address": {"line1": "1 A", "city": "B", "state": "IL",
                                       "zip": "62701"}}), True, "client.sex", None),
    # 005010X222A1 2010BA N3/N4/DMG: "Required when the patient is the subscriber": a child
    # on a parent's policy needs only the parent's name and member id.
    ("dependant-without-subscriber-address", "submission.missing",
     lambda: claim(subscriber={"first_name": "Mo", "last_name": "Lopez",
                               "relationship": "child", "member_id": "P-1"}), False,
     None, None),
    ("complete-837-fields", "submission.missing", lambda: claim(), False, None, None),
    ("ein-unissued-prefix", "submission.tax-id",
     lambda: claim(billing_provider={"npi": "1558598797", "name": "X", "tax_id": "07-1234567",
                                     "address": {"line1": "1 A", "city": "B", "state": "IL",
                                                 "zip": "62701"}}), True, "EIN", None),
    ("ein-valid", "submission.tax-id", lambda: claim(), False, None, None),
    ("billing-po-box", "submission.billing-address",
     lambda: claim(billing_provider={"npi": "1558598797", "name": "X", "tax_id": "12-3456789",
                                     "address": {"line1": "PO Box 12", "city": "B",
                                                 "state": "IL", "zip": "62701-1234"}}),
     True, "post office or lock box", None),
    ("billing-zip-5", "submission.billing-address",
     lambda: claim(billing_provider={"npi": "1558598797", "name": "X", "tax_id": "12-3456789",
                                     "address": {"line1": "1 A", "city": "B", "state": "IL",
                                                 "zip": "62701"}}), True, "ZIP+4", None),
    ("billing-street-zip4", "submission.billing-address", lambda: claim(), False, None, None),
    # Plan of care (CMS Pub 100-02 ch.15 §220.1.3, §220.3) and the referring provider (2310A).
    ("medicare-pt-with-certifier", "plan-of-care.referring-provider",
     lambda: medicare_plan(), False, None, None),
    ("medicare-pt-no-certifier", "plan-of-care.referring-provider",
     lambda: claim(payer="MEDICARE", plan_of_care=PLAN), True, "referring provider", None),
    ("commercial-no-certifier", "plan-of-care.referring-provider", lambda: claim(), False, None,
     None),
    ("medicare-massage-no-certifier", "plan-of-care.referring-provider",
     lambda: massage(payer="MEDICARE"), False, None, None),
    ("referring-npi-valid", "plan-of-care.referring-npi", lambda: medicare_plan(), False, None,
     None),
    ("referring-npi-typo", "plan-of-care.referring-npi",
     lambda: medicare_plan(referring_provider={**REFERRING, "npi": "1679576723"}), True,
     "check digit", None),
    ("session-inside-plan", "plan-of-care.outside", lambda: medicare_plan(), False, None, None),
    ("no-plan", "plan-of-care.outside",
     lambda: claim(payer="MEDICARE", referring_provider=REFERRING), True, "no plan of care",
     None),
    ("session-after-plan", "plan-of-care.outside",
     lambda: medicare_plan(plan_of_care={**PLAN, "start": "2026-08-01", "end": "2026-10-29"}),
     True, "outside the plan of care (2026-08-01 to 2026-10-29)", None),
    ("certified-on-day-20", "plan-of-care.certification", lambda: medicare_plan(), False, None,
     None),
    ("certified-on-day-40", "plan-of-care.certification",
     lambda: medicare_plan(plan_of_care={**PLAN, "certified": "2026-11-14"}), True,
     "delayed certification", None),
    ("unsigned-after-30-days", "plan-of-care.certification",
     lambda: medicare_plan(plan_of_care={k: v for k, v in PLAN.items() if k != "certified"}),
     True, "not certified, and the 30 days", None),
    ("plan-ends-in-60-days", "plan-of-care.recertify", lambda: medicare_plan(), False, None,
     None),
    ("plan-ends-in-5-days", "plan-of-care.recertify",
     lambda: medicare_plan(plan_of_care={**PLAN, "start": "2026-08-28", "end": "2026-11-25",
                                         "certified": "2026-09-01"}),
     True, "runs out on 2026-11-25, 5 day(s) after", None),
    ("plan-of-120-days", "plan-of-care.recertify",
     lambda: medicare_plan(plan_of_care={**PLAN, "end": "2027-02-02"}), True,
     "longer than 90 days", None),
    ("treatment-day-4", "plan-of-care.progress-report", lambda: medicare_plan(), False, None,
     None),
    ("treatment-day-11", "plan-of-care.progress-report",
     lambda: medicare_plan(plan_of_care={**PLAN, "treatment_days": 11}), True,
     "treatment day 11 since the last progress report", None),
    ("visit-12-of-30", "plan-of-care.visit-limit", lambda: claim(visits_this_year=12), False,
     None, None),
    ("visit-31-of-30", "plan-of-care.visit-limit", lambda: claim(visits_this_year=31), True,
     "visit 31 in 2026: Commercial payer (generic) allows 30 PT visits", None),
    ("medicare-no-visit-limit", "plan-of-care.visit-limit",
     lambda: medicare_plan(visits_this_year=60), False, None, None),
    ("massage-97124-paid-before", "insights.paid",
     lambda: massage(line("97124", 60, 4)),
     True, "$38.50/unit", payer_records.paid_context),
    ("no-record", "insights.paid", lambda: claim(), False, None, None),
    ("massage-97124-denied-before", "insights.denied",
     lambda: massage(line("97124", 60, 4)),
     True, "9 of 9 times (CARC 96", payer_records.denied_context),
    ("paid-not-denied", "insights.denied", lambda: claim(), False, None,
     payer_records.paid_context),
    ("payer-takes-41-days", "insights.days-to-pay", lambda: claim(), True, "41 days",
     payer_records.paid_context),
    ("no-days-record", "insights.days-to-pay", lambda: claim(), False, None, None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule_id", "build", "fires", "text", "make_context"),
    [case[1:] for case in CASES],
    ids=[f"{case[1]}:{case[0]}" for case in CASES],
)
def test_rule_case(
    rule_id: str,
    build: Build,
    fires: bool,
    text: str | None,
    make_context: Callable[[], ScrubContext] | None,
) -> None:
    found = run_rule(rule_id, build(), make_context() if make_context else None)
    assert bool(found) is fires, [f.message for f in found]
    for finding in found:
        assert finding.id == rule_id and finding.source and finding.message
    if text:
        assert any(text in f.message for f in found), [f.message for f in found]


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    fired = {case[1] for case in CASES if case[3]}
    passed = {case[1] for case in CASES if not case[3]}
    assert set(RULES) - fired == set(), "rules without a failing case"
    assert set(RULES) - passed == set(), "rules without a passing case"


def test_clean_claim_has_no_findings() -> None:
    from therabill.claims import Claim
    from therabill.scrub import scrub_claim

    result = scrub_claim(Claim.model_validate(claim()), context())
    assert result.ok and result.findings == (), [f.message for f in result.findings]


@pytest.mark.parametrize(
    ("build", "make_context"),
    [(case[2], case[5]) for case in CASES],
    ids=[f"{case[1]}:{case[0]}" for case in CASES],
)
def test_engine_skips_only_rules_that_cannot_fire(
    build: Build, make_context: Callable[[], ScrubContext] | None
) -> None:
    """Rules skipped for a claim without their feature (``when=``) would have found nothing."""
    from therabill.claims import Claim
    from therabill.scrub import scrub_claim

    ctx = make_context() if make_context else context()
    data = build()
    every = sorted(
        (f.id, f.line or 0, f.message) for rid in RULES for f in run_rule(rid, data, ctx)
    )
    engine = scrub_claim(Claim.model_validate(data), ctx)
    assert sorted((f.id, f.line or 0, f.message) for f in engine.findings) == every


def test_registry_sweep() -> None:
    """Every rule: a dotted id, a severity, a source, a summary, a documented family."""
    import re

    from therabill.scrub.context import FEATURES
    from therabill.scrub.docs import FAMILIES

    assert len(RULES) >= 14
    for rule_id, registered in RULES.items():
        assert re.fullmatch(r"[a-z-]+\.[a-z0-9-]+", rule_id), rule_id
        assert registered.source.strip() and registered.summary.strip(), rule_id
        assert registered.family in FAMILIES, rule_id
        assert registered.when is None or registered.when in FEATURES, rule_id
