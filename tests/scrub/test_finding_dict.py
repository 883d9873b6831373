"""A finding as stored with its claim (``findings_json``): every field, the severity as text."""

from __future__ import annotations

import dataclasses

import pytest

from therabill.findings import Finding, Severity


@pytest.mark.parametrize("severity", list(Severity), ids=str)
def test_a_finding_as_a_dict_has_every_field_and_plain_text_severity(severity: Severity) -> None:
    finding = Finding("x.y", severity, "m", "s", line=2, field="f", fix="do", code="97110")
    data = finding.to_dict()
    assert set(data) == {f.name for f in dataclasses.fields(Finding)}
    assert data["severity"] == severity.value and type(data["severity"]) is str
    assert data == {**dataclasses.asdict(finding), "severity": severity.value}
