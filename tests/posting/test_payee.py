"""An 835 is posted only into the practice it pays: its payee (loop 1000B: N1*PE with an NPI
or tax id, REF*TJ) against the practice's NPI, its providers' NPIs and its tax id. A billing
office's practices may share one clearinghouse mailbox; another practice's file is
quarantined with the reason, nothing of it posted."""

from __future__ import annotations

from pathlib import Path

import pytest
from remit_builder import billed, paid_as_billed, remit
from sqlalchemy import func, select

from posting_fixtures import build_claim
from therabill.errors import InvalidInput
from therabill.posting.payee import OwnIds, not_ours, payee_ids
from therabill.store.factories import PT_NPI
from therabill.store.models import AuditEntry, LedgerEntry, QuarantinedFile, RemittanceClaim
from therabill.store.services import Store, jobs, remittance_intake, remittances, submission
from therabill.x12.remittance_835.builder import AdjudicatedClaim, Payee
from therabill.x12.remittance_835.model import Party

OTHER_NPI = "1497758544"  # a valid NPI (Luhn over 80840) that is not the test practice's
OURS = OwnIds.of(PT_NPI, ["1245319599"], ["12-3456789"])


def party(qualifier: str = "", id_: str = "", *references: tuple[str, str]) -> Party:
    return Party("PE", "HARBOUR THERAPY", qualifier, id_, (), "", "", "", references, ())


@pytest.mark.parametrize(
    ("payee", "ours"),
    [
        (party("XX", PT_NPI), True),  # the practice's NPI (837P 2010AA)
        (party("XX", "1245319599"), True),  # a provider's own NPI: a solo therapist
        (party("XX", OTHER_NPI), False),
        (party("FI", "123456789"), True),  # the tax id, with or without the EIN's dash
        (party("FI", "98-7654321"), False),
        (party("XX", OTHER_NPI, ("TJ", "123456789")), True),  # any id of ours is enough
        (party("XX", PT_NPI, ("TJ", "987654321")), True),
        (party("XX", OTHER_NPI, ("TJ", "987654321")), False),
        (party("XV", "H1234"), None),  # a CMS plan id: nothing to compare
        (party("", "", ("PQ", "PAYER-NUMBER-7")), None),  # a payer's own number for us
        (party(), None),
        (None, None),
    ],
)
def test_the_payee_is_this_practice_when_an_id_of_a_kind_on_file_matches(
    payee: Party | None, ours: bool | None
) -> None:
    reason = not_ours(payee, OURS)
    if ours is False:
        assert reason is not None
        assert "not this practice" in reason
        assert PT_NPI in reason  # names what the practice has on file
    else:
        assert reason is None


def test_an_id_the_practice_has_not_entered_is_not_compared() -> None:
    no_tax_id = OwnIds.of(PT_NPI, [], [None])
    assert not_ours(party("FI", "987654321"), no_tax_id) is None
    no_npi = OwnIds.of(None, [""], ["123456789"])
    assert not_ours(party("XX", OTHER_NPI), no_npi) is None
    assert not_ours(party("XX", OTHER_NPI, ("TJ", "987654321")), no_npi) is not None


def test_the_message_names_the_practices_ids_and_counts_its_providers() -> None:
    reason = not_ours(party("XX", OTHER_NPI), OURS)
    assert reason == (
        f"the payee (N1*PE) is HARBOUR THERAPY (NPI {OTHER_NPI}), not this practice "
        f"(NPI {PT_NPI}, 1 provider's NPI, tax id 123456789): another practice's file"
    )
    assert OwnIds.of(PT_NPI, [PT_NPI, "1245319599", "1497758544"], []).shown == (
        f"NPI {PT_NPI}, 2 providers' NPIs"
    )


def test_the_payee_ids_as_the_file_gives_them() -> None:
    assert payee_ids(party("XX", f" {PT_NPI} ", ("TJ", "12-3456789"), ("PQ", "77"))) == (
        {PT_NPI},
        {"123456789"},
    )


def _billed_835(store: Store, outbox: Path, payee: Payee) -> bytes:
    build_claim(store, c97110=30)
    with store.transaction() as work:
        outcome = submission.submit_claims(work=work, outbox=outbox)
    (claim,) = billed(outcome.paths[0].read_text("ascii"))
    lines = [paid_as_billed(line) for line in claim.lines]
    return remit([AdjudicatedClaim(claim.claim_id, "1", lines)], payee=payee)


def _posted(store: Store) -> tuple[int, int, int]:
    with store.reading() as work:
        return tuple(  # type: ignore[return-value]
            int(work.db.execute(select(func.count()).select_from(m)).scalar_one())
            for m in (RemittanceClaim, LedgerEntry, QuarantinedFile)
        )


def test_another_practices_835_is_quarantined_and_nothing_of_it_posted(
    practice: Store, tmp_path: Path
) -> None:
    data = _billed_835(practice, tmp_path / "out", Payee("SEASIDE SPEECH", OTHER_NPI))
    before = _posted(practice)
    with practice.transaction() as work:
        intake = remittance_intake.receive_remittance(work=work, data=data, file_name="era.835")
    assert intake.quarantined
    assert f"SEASIDE SPEECH (NPI {OTHER_NPI}), not this practice (NPI {PT_NPI}" in intake.message
    assert "trace EFT0001" in intake.message
    claims, entries, quarantined = _posted(practice)
    assert (claims, entries) == before[:2]
    assert quarantined == before[2] + 1


def test_the_practices_own_835_posts_and_so_does_one_paid_to_its_tax_id(
    practice: Store, tmp_path: Path
) -> None:
    data = _billed_835(practice, tmp_path / "out", Payee("HARBOUR", OTHER_NPI, "12-3456789"))
    with practice.transaction() as work:
        intake = remittance_intake.receive_remittance(work=work, data=data, file_name="era.835")
    assert intake.outcome == "posted", intake.message


def test_a_file_paid_to_a_providers_own_npi_posts(practice: Store, tmp_path: Path) -> None:
    """A solo therapist may be paid under their own NPI though the practice bills under
    another: the providers' NPIs are the practice's too."""
    data = _billed_835(practice, tmp_path / "out", Payee("PAT LEE", PT_NPI))
    with practice.transaction() as work:
        row = work.practice()
        assert row is not None
        row.npi = "1245319599"  # the practice's own NPI is now another; the provider keeps PT_NPI
    with practice.transaction() as work:
        intake = remittance_intake.receive_remittance(work=work, data=data, file_name="era.835")
    assert intake.outcome == "posted", intake.message


# ---------------------------------------------------------------- posting one anyway


def _quarantined_for_its_payee(store: Store, outbox: Path) -> tuple[bytes, int]:
    data = _billed_835(store, outbox, Payee("HARBOUR THERAPY (OLD NPI)", OTHER_NPI))
    with store.transaction() as work:
        assert remittance_intake.receive_remittance(
            work=work, data=data, file_name="era.835"
        ).quarantined
    with store.reading() as work:
        (listed,) = remittances.list_quarantine(work=work)
    assert listed["payee_only"] and listed["posted_at"] is None
    return data, int(listed["id"])


def test_a_file_quarantined_for_its_payee_posts_on_the_billers_word(
    practice: Store, tmp_path: Path
) -> None:
    """The payer still pays under an NPI the practice no longer has on file: the biller
    checks it and posts it anyway; only the payee check is waived, and it is audited."""
    data, quarantined = _quarantined_for_its_payee(practice, tmp_path / "out")
    claims, entries, _ = _posted(practice)
    with practice.transaction(actor="bill") as work:
        intake = remittance_intake.receive_remittance(
            work=work, data=data, file_name="era-again.835", release=quarantined
        )
    assert intake.outcome == "posted", intake.message
    assert intake.posting.exceptions == []
    (note,) = [n for n in intake.posting.notes if "word" in n]
    assert note.startswith("posted on bill's word that it pays this practice, although the payee")
    after = _posted(practice)
    assert after[0] == claims + 1 and after[1] > entries
    with practice.reading() as work:
        (listed,) = remittances.list_quarantine(work=work)
        released = work.db.execute(
            select(AuditEntry.actor, AuditEntry.entity_id).where(AuditEntry.action == "release")
        ).one()
    assert listed["posted_at"] is not None
    assert tuple(released) == ("bill", str(quarantined))
    with practice.transaction() as work:  # and only once
        again = remittance_intake.receive_remittance(
            work=work, data=data, file_name="era.835", release=quarantined
        )
    assert again.outcome == "already posted"


def test_only_the_same_file_refused_for_its_payee_alone_can_be_posted_anyway(
    practice: Store, tmp_path: Path
) -> None:
    data, quarantined = _quarantined_for_its_payee(practice, tmp_path / "out")
    before = _posted(practice)
    other = data.replace(b"TRN*1*EFT0001*", b"TRN*1*EFT0002*")
    assert other != data
    with (
        pytest.raises(InvalidInput, match=r"this is not era\.835 \(received .*\): its contents"),
        practice.transaction() as work,
    ):
        remittance_intake.receive_remittance(
            work=work, data=other, file_name="era.835", release=quarantined
        )
    with (
        pytest.raises(InvalidInput, match="no quarantined file 999"),
        practice.transaction() as work,
    ):
        remittance_intake.receive_remittance(work=work, data=data, file_name="era.835", release=999)
    with practice.transaction() as work:  # a file that does not balance
        bad = remittance_intake.receive_remittance(
            work=work, data=data.replace(b"BPR*I*", b"BPR*I*1"), file_name="bad.835"
        )
    assert bad.quarantined and "does not balance" in bad.message
    with practice.reading() as work:
        unbalanced = next(
            q["id"] for q in remittances.list_quarantine(work=work) if not q["payee_only"]
        )
    with (
        pytest.raises(InvalidInput, match="only a file refused for its payee can be posted"),
        practice.transaction() as work,
    ):
        remittance_intake.receive_remittance(
            work=work,
            data=data.replace(b"BPR*I*", b"BPR*I*1"),
            file_name="bad.835",
            release=unbalanced,
        )
    assert _posted(practice)[:2] == before[:2]


def test_a_post_835_job_takes_only_a_whole_number_as_the_file_to_release() -> None:
    jobs.check_arguments("post-835", {"file_name": "era.835", "release": 4})
    for wrong in ("4", True, 4.5):
        with pytest.raises(InvalidInput, match="is not a quarantined file's number"):
            jobs.check_arguments("post-835", {"file_name": "era.835", "release": wrong})
