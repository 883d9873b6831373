"""The remittances page under the security review's inputs (issue 14): unmatched exceptions
paged on the server, an 835 parsed once per upload, a file over the size setting refused
before it is read, and an amount of 10^27 refused by name instead of a 500."""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from web_helpers import Practice, api_token, csrf_of, login, run_jobs

from therabill import settings
from therabill.errors import InvalidInput
from therabill.x12 import remittance_835
from therabill.x12.reader import SegmentReader
from therabill.x12.remittance_835.builder import AdjudicatedClaim, paid_line, write_835

LINE = paid_line("97110", 4500, day=dt.date(2026, 11, 2), modifiers=["GP"], copay=1000)


def strangers(n: int) -> bytes:
    """An 835 paying ``n`` claims that are none of ours: ``n`` exceptions when posted."""
    claims = [AdjudicatedClaim(f"TB{90000 + i:08d}", "1", [LINE]) for i in range(n)]
    text = write_835(claims, trace=f"EFT-STRANGERS-{n}", payer="MEDICARE PART B", payer_id="MCR01")
    return text.encode("ascii")


def upload(web: TestClient, data: bytes, name: str = "remit.835") -> tuple[int, str]:
    token = csrf_of(web.get("/remittances").text)
    answer = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": (name, data, "application/edi-x12")},
        follow_redirects=False,
    )
    if answer.status_code != 303:  # refused before it was queued (too large)
        return answer.status_code, answer.text
    run_jobs(web.app.state.ctx.store)  # type: ignore[attr-defined]
    page = web.get(answer.headers["location"])
    return page.status_code, page.text


def listed(page: str) -> list[str]:
    table = page.partition('id="open-exceptions"')[2].partition("</table>")[0]
    return re.findall(r"<td>(TB\d{8})</td>", table)


def test_exceptions_are_paged_on_the_server(
    web: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.PAGE_SIZE.env, "10")
    login(web, "bill")
    status, text = upload(web, strangers(25))
    assert status == 200, text
    assert "The first 10 of 25 claims." in text  # the upload's own report is capped too
    first = web.get("/remittances").text
    assert listed(first) == [f"TB{90000 + i:08d}" for i in range(24, 14, -1)]  # newest first
    assert "1–10 of 25" in first and 'href="/remittances?page=2#exceptions"' in first
    third = web.get("/remittances?page=3").text
    assert listed(third) == [f"TB{90000 + i:08d}" for i in range(4, -1, -1)]
    assert "21–25 of 25" in third and "?page=4" not in third
    assert listed(web.get("/remittances?page=99").text) == listed(third)  # past the end: last
    assert listed(web.get("/remittances?page=0").text) == listed(first)  # unreadable: page 1
    oldest = web.get("/remittances", params={"sort": "received", "dir": "asc"}).text
    assert listed(oldest)[0] == "TB00090000"
    shown = web.get("/remittances", params={"format": "csv"}).text.splitlines()
    assert shown[0] == "Received,Their claim,Payer,Trace,Paid,Why" and len(shown) == 11


def test_the_page_size_has_a_safe_default_and_a_checked_setting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(settings.PAGE_SIZE.env, raising=False)
    assert settings.page_size() == 50
    for bad in ("0", "abc", "100000", "-5"):
        monkeypatch.setenv(settings.PAGE_SIZE.env, bad)
        with pytest.raises(InvalidInput, match="is not a whole number from 10 to 1000"):
            settings.page_size()


def test_an_upload_is_parsed_once(
    web: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = remittance_835.parse_source

    def counted(reader: SegmentReader) -> Iterator[remittance_835.Event]:
        calls.append(reader.name)
        return real(reader)

    monkeypatch.setattr(remittance_835, "parse_source", counted)
    login(web, "bill")
    status, _ = upload(web, strangers(3), "once.835")
    assert status == 200
    # twice, as a stream: the check (with the claims shown) and the posting (issue 17)
    assert calls == ["once.835", "once.835"]


def test_a_file_over_the_size_setting_is_refused_before_it_is_read(
    web: TestClient, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(settings.MAX_835_MB.env, "1")
    login(web, "bill")
    data = strangers(1)
    big = data + b"\n" * (1024 * 1024)
    status, text = upload(web, big, "big.835")
    assert status == 413
    assert "the largest 835 accepted is 1 MB" in html.unescape(text)
    answer = web.post(
        "/api/v1/remittances",
        headers={"Authorization": f"Bearer {api_token(practice, 'bill')}"},
        content=big,
    )
    assert answer.status_code == 422 and "largest 835 accepted is 1 MB" in answer.json()["detail"]
    assert upload(web, data, "small.835")[0] == 200


def test_an_amount_of_ten_to_the_27_is_quarantined_naming_its_element(
    web: TestClient, practice: Practice
) -> None:
    text = strangers(1).decode("ascii")
    huge = re.sub(r"CLP\*(TB\d+)\*1\*45\.00\*", r"CLP*\1*1*1" + "0" * 27 + "*", text)
    assert huge != text
    login(web, "bill")
    status, page = upload(web, huge.encode("ascii"), "huge.835")
    assert status == 200 and 'id="remittance-outcome">quarantined<' in page  # the job's page
    assert "element CLP03: CLP03 &#39;1000" in page or "element CLP03: CLP03 '1000" in page
    assert "an X12 amount has at most 18" in html.unescape(page)
