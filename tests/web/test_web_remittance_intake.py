"""One remittance intake: an 835 uploaded on the page, sent to the API or posted with
``therabill era post`` is read, checked, quarantined or posted and recorded the same way, so
an unbalanced file is in the quarantine list whichever way it came in."""

from __future__ import annotations

import datetime as dt
import html
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_helpers import Practice, api_token, csrf_of, login, run_jobs

from therabill.cli.main import app as cli
from therabill.store.services import open_store
from therabill.store.services.remittance_intake import recent_remittances
from therabill.store.services.remittances import list_quarantine
from therabill.x12.remittance_835.builder import AdjudicatedClaim, paid_line, write_835

LINE = paid_line("97110", 4500, day=dt.date(2026, 11, 2), modifiers=["GP"], copay=1000)


def unbalanced_835() -> bytes:
    """A payment of 27.00 for claims paid 26.00 (BPR02 must equal the sum of CLP04)."""
    text = write_835(
        [AdjudicatedClaim("TB00000001", "1", [LINE])],
        trace="EFT-OFF-BY-ONE",
        payer="MEDICARE PART B",
        payer_id="MCR01",
        bpr_off_by=100,
    )
    assert "BPR*I*27.00*" in text and "CLP*TB00000001*1*45.00*26.00*" in text
    return text.encode("ascii")


def _quarantined(url: str) -> list[dict[str, Any]]:
    store = open_store(url)
    try:
        with store.transaction(actor="test") as work:
            return list_quarantine(work=work)
    finally:
        store.dispose()


def _uploads(url: str) -> list[dict[str, Any]]:
    store = open_store(url)
    try:
        with store.transaction(actor="test") as work:
            return recent_remittances(work)
    finally:
        store.dispose()


def _copy_of(template: tuple[Path, Practice], folder: Path) -> str:
    """A second copy of the test practice (the ``practice`` fixture is the first)."""
    source, _ = template
    folder.mkdir()
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", folder / f"practice.sqlite3{suffix}")
    return f"sqlite:///{folder / 'practice.sqlite3'}"


def _post_on_cli(url: str, file: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("THERABILL_DATABASE_URL", url)
    posted = CliRunner().invoke(cli, ["era", "post", str(file), "--json"])
    assert posted.exit_code == 1, posted.output  # quarantined
    listed = CliRunner().invoke(cli, ["era", "exceptions", "--json"])
    assert listed.exit_code == 0, listed.output
    result: dict[str, Any] = json.loads(posted.stdout)["files"][0]
    assert json.loads(listed.stdout)["quarantined"] == _quarantined(url)
    return result


def _same(entries: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """What must agree between two intakes: the file's name (not its folder), hash, reason."""
    return [(Path(q["file"]).name, q["sha256"], q["reason"]) for q in entries]


def test_an_unbalanced_835_uploaded_on_the_page_is_quarantined_as_on_the_cli(
    web: TestClient,
    practice: Practice,
    practice_template: tuple[Path, Practice],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = unbalanced_835()
    login(web, "bill")
    token = csrf_of(web.get("/remittances").text)
    answer = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": ("unbalanced.835", data, "application/edi-x12")},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and run_jobs(practice)
    answer = web.get(answer.headers["location"])
    assert 'id="remittance-outcome">quarantined<' in answer.text
    on_the_web = _quarantined(practice.url)
    assert len(on_the_web) == 1 and "does not balance" in on_the_web[0]["reason"]
    page = web.get("/remittances").text
    assert 'id="quarantined-files"' in page and "unbalanced.835" in page
    assert "does not balance" in page

    file = tmp_path / "unbalanced.835"
    file.write_bytes(data)
    cli_url = _copy_of(practice_template, tmp_path / "cli")
    on_the_cli = _post_on_cli(cli_url, file, monkeypatch)
    assert on_the_cli["outcome"] == "quarantined"
    assert _same(_quarantined(cli_url)) == _same(on_the_web)
    # Both are remembered for the dashboard, with the same outcome.
    for url in (practice.url, cli_url):
        (upload,) = _uploads(url)
        assert (upload["outcome"], upload["sha256"]) == ("quarantined", on_the_web[0]["sha256"])


def test_an_unbalanced_835_sent_to_the_api_is_quarantined(
    web: TestClient, practice: Practice
) -> None:
    answer = web.post(
        "/api/v1/remittances",
        headers={"Authorization": f"Bearer {api_token(practice, 'bill')}"},
        content=unbalanced_835(),
    )
    assert answer.status_code == 422
    assert "does not balance" in answer.json()["detail"]
    (entry,) = _quarantined(practice.url)
    assert "does not balance" in entry["reason"]
    (upload,) = _uploads(practice.url)
    assert upload["outcome"] == "quarantined"


def test_a_file_that_is_not_an_835_is_quarantined_with_its_reason_on_the_page(
    web: TestClient, practice: Practice
) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/remittances").text)
    answer = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": ("notes.txt", b"name,amount\nAna,12.00\n", "text/plain")},
        follow_redirects=False,
    )
    assert answer.status_code == 303 and run_jobs(practice)
    answer = web.get(answer.headers["location"])
    assert 'id="remittance-outcome">quarantined<' in answer.text
    (entry,) = _quarantined(practice.url)
    assert entry["file"] == "notes.txt" and "not an X12 file" in entry["reason"]
    assert entry["reason"] in html.unescape(answer.text)


def test_an_835_sent_to_the_api_is_posted_by_the_post_835_jobs_service(
    web: TestClient, practice: Practice
) -> None:
    """SQLite: the API's upload posts through the post-835 job's service (a job recorded and
    run at once, in parts), answering as before; the same file again is already posted."""
    from sqlalchemy import select

    from therabill.store.models import Job

    data = write_835(
        [AdjudicatedClaim("TB00000001", "1", [LINE])],
        trace="EFT-API",
        payer="MEDICARE PART B",
        payer_id="MCR01",
    ).encode("ascii")
    auth = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    answer = web.post("/api/v1/remittances", headers=auth, content=data)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"outcome", "message", "payment", "trace_numbers", "claims", "posting"}
    assert body["outcome"] == "posted" and body["trace_numbers"] == ["EFT-API"]
    assert body["posting"]["claims_posted"] + len(body["posting"]["exceptions"]) == 1
    with practice.store.sessions() as db:
        jobs = db.execute(select(Job.kind, Job.status, Job.requested_by)).all()
    assert [tuple(j) for j in jobs] == [("post-835", "done", "bill")]
    (upload,) = _uploads(practice.url)
    assert upload["outcome"] == "posted"
    again = web.post("/api/v1/remittances", headers=auth, content=data)
    assert again.status_code == 200 and again.json()["outcome"] == "already posted"
