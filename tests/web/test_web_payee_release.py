"""Posting anyway an 835 quarantined for its payee, on the page, through the API and with
``therabill era release``: only the same file, only on the biller's word, and only once."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner
from web_helpers import Practice, api_token, csrf_of, login, run_jobs

from therabill.cli.main import app as cli
from therabill.store.models import Job
from therabill.store.services import remittance_intake, remittances
from therabill.x12.remittance_835.builder import AdjudicatedClaim, Payee, paid_line, write_835

OLD_NPI = "1497758544"  # a valid NPI, not the practice's


def old_npi_835(trace: str = "EFT-OLD-NPI") -> bytes:
    """A payment to the practice under an NPI it no longer has on file."""
    line = paid_line("97110", 4500, day=dt.date(2026, 11, 2), modifiers=["GP"], copay=1000)
    return write_835(
        [AdjudicatedClaim("TB00000001", "1", [line])],
        trace=trace,
        payer="MEDICARE PART B",
        payer_id="MCR01",
        payee=Payee("SPRINGFIELD THERAPY (OLD NPI)", OLD_NPI),
    ).encode("ascii")


def _quarantine(practice: Practice, data: bytes) -> int:
    with practice.store.transaction(actor="bill") as work:
        intake = remittance_intake.receive_remittance(work=work, data=data, file_name="old.835")
    assert intake.quarantined and f"NPI {OLD_NPI}" in intake.message
    with practice.store.reading() as work:
        (listed,) = remittances.list_quarantine(work=work)
    return int(listed["id"])


def _listed(practice: Practice) -> dict[str, object]:
    with practice.store.reading() as work:
        (listed,) = remittances.list_quarantine(work=work)
    return listed


def test_the_page_posts_a_file_quarantined_for_its_payee_once_the_biller_confirms(
    web: TestClient, practice: Practice
) -> None:
    data = old_npi_835()
    quarantined = _quarantine(practice, data)
    login(web, "bill")
    page = web.get("/remittances").text
    assert f'id="post-anyway-{quarantined}"' in page and "It pays this practice" in page
    token = csrf_of(page)
    unticked = web.post(
        f"/remittances/quarantined/{quarantined}/post",
        data={"csrf_token": token},
        files={"file": ("old.835", data, "application/edi-x12")},
    )
    assert "tick “It pays this practice”" in unticked.text and not run_jobs(practice)
    assert _listed(practice)["posted_at"] is None
    answer = web.post(
        f"/remittances/quarantined/{quarantined}/post",
        data={"csrf_token": token, "pays_us": "yes"},
        files={"file": ("old.835", data, "application/edi-x12")},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and run_jobs(practice)
    job = web.get(answer.headers["location"]).text
    assert 'id="remittance-outcome">posted<' in job
    assert _listed(practice)["posted_at"] is not None
    page = web.get("/remittances").text
    assert f'id="post-anyway-{quarantined}"' not in page and ">posted 20" in page


def test_the_page_refuses_another_file_for_a_quarantined_one(
    web: TestClient, practice: Practice
) -> None:
    quarantined = _quarantine(practice, old_npi_835())
    login(web, "bill")
    answer = web.post(
        f"/remittances/quarantined/{quarantined}/post",
        data={"csrf_token": csrf_of(web.get("/remittances").text), "pays_us": "yes"},
        files={"file": ("other.835", old_npi_835("EFT-ANOTHER"), "application/edi-x12")},
    )
    assert not run_jobs(practice)  # refused on the form, before anything was queued
    assert f"Quarantined file {quarantined}: file: this is not old.835" in answer.text
    assert "its contents differ" in answer.text
    assert _listed(practice)["posted_at"] is None


def test_the_api_posts_it_with_the_same_file_as_the_body(
    web: TestClient, practice: Practice
) -> None:
    data = old_npi_835()
    quarantined = _quarantine(practice, data)
    auth = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    wrong = web.post(
        f"/api/v1/remittances/quarantined/{quarantined}",
        headers=auth,
        content=old_npi_835("EFT-ANOTHER"),
    )
    assert wrong.status_code == 422 and "its contents differ" in wrong.json()["detail"]
    missing = web.post("/api/v1/remittances/quarantined/9999", headers=auth, content=data)
    assert missing.status_code == 422 and "no quarantined file 9999" in missing.json()["detail"]
    answer = web.post(f"/api/v1/remittances/quarantined/{quarantined}", headers=auth, content=data)
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "posted"
    assert any("word that it pays" in n for n in answer.json()["posting"]["notes"])


def test_the_cli_lists_the_quarantined_file_and_releases_it(
    practice: Practice, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = old_npi_835()
    quarantined = _quarantine(practice, data)
    monkeypatch.setenv("THERABILL_DATABASE_URL", practice.url)
    listed = CliRunner().invoke(cli, ["era", "exceptions"])
    assert f"therabill era release {quarantined} FILE" in " ".join(listed.output.split())
    file = tmp_path / "old.835"
    file.write_bytes(data)
    released = CliRunner().invoke(cli, ["era", "release", str(quarantined), str(file), "--json"])
    assert released.exit_code == 0, released.output
    assert json.loads(released.stdout)["outcome"] == "posted"
    # posted as era post posts: on SQLite by a post-835 job run at once, in parts
    with practice.store.sessions() as db:
        ran = db.execute(select(Job.status, Job.arguments).where(Job.kind == "post-835")).all()
    if practice.url.startswith("sqlite"):
        assert [(status, json.loads(args).get("release")) for status, args in ran] == [
            ("done", quarantined)
        ]
    else:
        assert ran == []  # PostgreSQL: the file in one transaction, as era post
    again = CliRunner().invoke(cli, ["era", "release", "4711", str(file)])
    assert again.exit_code != 0 and "no quarantined file 4711" in again.output
    shown = CliRunner().invoke(cli, ["era", "exceptions", "--json"])
    (entry,) = json.loads(shown.stdout)["quarantined"]
    assert entry["posted_at"] is not None and entry["payee_only"] is True
