"""Issue 11 item 7: what a payer does not pay is payer data, not a discipline's licence.

Sources: CMS PFS Relative Value File status indicators (97010 B; 97545/97546 R), the CMS HCPCS
file pricing indicator 00 for the partial hospitalization codes G0176/G0177, and CPT 97014 as
the non-Medicare code for Medicare's G0283 — each cited in the shipped profile's [sources].
"""

from __future__ import annotations

import pytest
from scrub_helpers import claim, line, run_rule

from therabill.codes import load_code_set
from therabill.errors import DataFileError
from therabill.findings import Severity
from therabill.payers import parse_payer_profile, shipped_profiles

PROFILES = shipped_profiles()


@pytest.mark.parametrize("discipline", ["pt", "ot", "massage"])
def test_97010_is_no_longer_not_recommended_for_any_discipline(discipline: str) -> None:
    """Status B is Medicare's payment rule; a PT may well apply hot packs."""
    assert discipline not in load_code_set()["97010"].not_recommended
    found = run_rule(
        "discipline.not-recommended", claim(line("97010", None, 1), discipline=discipline)
    )
    assert found == []


@pytest.mark.parametrize(
    ("code", "discipline", "severity", "words"),
    [
        pytest.param("97010", "pt", Severity.WARNING, "bundled", id="PPRRVU-97010-status-B"),
        pytest.param("97545", "ot", Severity.WARNING, "restricted", id="PPRRVU-97545-status-R"),
        pytest.param("97546", "pt", Severity.WARNING, "restricted", id="PPRRVU-97546-status-R"),
        pytest.param("G0176", "behavioral", Severity.ERROR, "institutional", id="HCPCS-G0176-00"),
        pytest.param("G0177", "behavioral", Severity.ERROR, "institutional", id="HCPCS-G0177-00"),
    ],
)
def test_medicare_does_not_pay_these_on_a_professional_claim(
    code: str, discipline: str, severity: Severity, words: str
) -> None:
    modifiers = {"pt": ["GP"], "ot": ["GO"]}.get(discipline, [])
    built = claim(line(code, 60, 1, modifiers=modifiers), discipline=discipline, payer="MEDICARE")
    found = run_rule("payer.code-status", built)
    assert [f.severity for f in found] == [severity]
    assert words in found[0].message and code in found[0].message
    assert "payer profile MEDICARE: status (" in (found[0].source or "")
    assert PROFILES["MEDICARE"].sources.get(f"status.{code}")


@pytest.mark.parametrize("code", ["97010", "97545", "G0176"])
def test_a_commercial_payer_has_no_medicare_status(code: str) -> None:
    assert run_rule("payer.code-status", claim(line(code, 60, 1), discipline="ot")) == []


def test_g0283_to_a_commercial_payer_suggests_97014_and_97014_to_medicare_g0283() -> None:
    found = run_rule("payer.preferred-code", claim(line("G0283", None, 1)))
    assert len(found) == 1 and "prefers 97014 to G0283" in found[0].message
    assert "CPT" in (found[0].source or "")
    medicare = claim(line("97014", None, 1, modifiers=["GP"]), payer="MEDICARE")
    refused = run_rule("payer.code-not-accepted", medicare)
    assert len(refused) == 1 and "G0283" in refused[0].message
    assert run_rule("payer.preferred-code", claim(line("97014", None, 1))) == []


def test_every_shipped_status_names_its_source() -> None:
    for profile in PROFILES.values():
        for code in profile.status:
            assert profile.sources.get(f"status.{code}"), (profile.id, code)


def test_an_unknown_status_is_refused_naming_the_key() -> None:
    text = 'id = "X"\nname = "X"\nunit_rule = "cms"\n[codes.status]\n"97010" = "bundled"\n'
    with pytest.raises(DataFileError, match=r"codes\.status\.97010.*'bundled' is not one of B, E"):
        parse_payer_profile(text, "x.toml")
