"""The clearinghouse page lists what was sent and fetched, and when."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_helpers import Practice, login

from therabill.store.models import ClearinghouseTransfer


def test_the_page_lists_transfers_newest_first(web: TestClient, practice: Practice) -> None:
    login(web, "bill")
    assert "Nothing sent or fetched yet." in web.get("/clearinghouse").text
    with practice.store.transaction(actor="bill") as work:
        for name, direction, status in (
            ("837P-ACME1-000000001.x12", "sent", "sent"),
            ("junk.txt", "fetched", "quarantined"),
        ):
            work.db.add(
                ClearinghouseTransfer(
                    direction=direction, profile="default", file_name=name, remote_name=name,
                    sha256=name.ljust(64, "0")[:64], size_bytes=10, kind="", status=status,
                    detail="not an X12 file therabill reads", actor="bill",
                )
            )  # fmt: skip
    page = web.get("/clearinghouse").text
    assert page.index("junk.txt") < page.index("837P-ACME1-000000001.x12")
    assert '<tr class="warn">' in page
    login(web, "ana")
    assert web.get("/clearinghouse", follow_redirects=False).status_code in (403, 404)
