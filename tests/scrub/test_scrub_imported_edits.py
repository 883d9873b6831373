"""The scrubber against an imported CMS file: rows read from the indexed table on demand."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from scrub_helpers import claim, context, line, run_rule

from therabill.edits import import_cms_files, load_edit_tables
from therabill.edits.indexed import IndexedPairs

DATA = Path(__file__).parents[1] / "edits" / "data"
PTP_EXCERPT = DATA / "ccipra-v323r0-excerpt.txt"
MUE_EXCERPT = DATA / "MCR_MUE_PractitionerServices_Eff_10-01-2026-excerpt.csv"


def test_scrub_reads_only_the_rows_of_the_claims_codes(tmp_path: Path) -> None:
    """After an import the scrubber asks the indexed table pair by pair: the rows it read are
    the pairs on the claim, and the imported rows (not the shipped ones) decide."""
    import_cms_files([PTP_EXCERPT, MUE_EXCERPT], directory=tmp_path / "edits")
    tables = load_edit_tables(tmp_path / "edits")
    assert isinstance(tables.ptp, IndexedPairs)
    scrub = dataclasses.replace(context(), edits=tables)
    evaluations = claim(line("97162", 30, 1), line("97161", 30, 1), end="11:00")
    (found,) = run_rule("ncci.ptp-never", evaluations, scrub)
    assert "ccipra-v323r0-excerpt.txt" in found.source
    assert ("97162", "97161") in tables.ptp.cache
    assert set(tables.ptp.cache) <= {("97162", "97161"), ("97161", "97162")}
    assert (
        run_rule(
            "ncci.ptp-modifier-needed", claim(line("97530", 23, 2), line("97140", 15, 1)), scrub
        )
        == []
    )
    over = run_rule("mue.exceeded", claim(line("97110", 98, 7), end="11:40"), scrub)
    assert over and "MCR_MUE" in over[0].source
