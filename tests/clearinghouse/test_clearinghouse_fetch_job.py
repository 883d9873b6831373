"""The clearinghouse fetch as a background job (``therabill jobs run clearinghouse-fetch``,
the Clearinghouse page's *Fetch now*), through the real SFTP server on loopback: the job runs
the same fetch as ``therabill clearinghouse fetch`` (each file read by its type, once), its
result lists the files, and a second job fetches nothing twice. On PostgreSQL a real
procrastinate worker runs it; on SQLite the command does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sftp_server import Server
from test_clearinghouse_sftp import accepted_277ca, run
from typer.testing import CliRunner

from job_helpers import running_worker
from posting_fixtures import build_claim
from therabill.cli.main import app
from therabill.store import factories
from therabill.store.services import Store, claim_records


def fetch_job(profile: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        app,
        ["jobs", "run", "clearinghouse-fetch", "--clearinghouse", profile, "--wait", "--json"],
    )
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_a_fetch_job_reads_each_file_once(
    practice: Store, home: Path, sftp: Server, db_url: str
) -> None:
    profile = sftp.profile(home)
    claim = build_claim(practice, c97110=30)
    run("claims", "submit")
    with practice.transaction() as work:
        remit = factories.remittance_for(work, [claim], trace="EFT-JOB-1")
    (sftp.outbound / "a-ack.277").write_bytes(accepted_277ca(claim))
    (sftp.outbound / "b-remit.835").write_bytes(remit.encode())
    with running_worker(db_url):
        first = fetch_job(profile)
        assert (first["kind"], first["status"], first["message"]) == (
            "clearinghouse-fetch",
            "done",
            "Fetched 2 files.",
        )
        assert (first["done"], first["total"]) == (2, 2)
        outcome = {f["file"]: (f["kind"], f["status"]) for f in first["result"]["files"]}
        assert outcome == {"a-ack.277": ("277CA", "applied"), "b-remit.835": ("835", "applied")}
        with practice.transaction() as work:
            assert claim_records.show_claim(work=work, claim_id=claim)["status"] == "paid"
        again = fetch_job(profile)
    assert again["message"] == "Fetched 0 files."
    assert sorted(again["result"]["skipped"]) == ["a-ack.277", "b-remit.835"]
    log = run("clearinghouse", "log")
    assert sorted(r["file"] for r in log if r["direction"] == "fetched") == [  # type: ignore[attr-defined,index]
        "a-ack.277",
        "b-remit.835",
    ]
