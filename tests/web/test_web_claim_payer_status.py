"""The claim page shows the payer's latest claim status (277) in plain words."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_helpers import Practice, login

from therabill.claims.number import claim_number
from therabill.store.services import build, claim_status

HEAD = (
    "ISA*00*          *00*          *ZZ*ACMEHEALTH     *ZZ*THERABILL      *261128*0810*^*00501*"
    "000000005*0*P*:~GS*HN*ACMEHEALTH*THERABILL*20261128*0810*5*X*005010X212~"
)


def test_the_claim_page_shows_the_last_status_response(web: TestClient, practice: Practice) -> None:
    with practice.store.transaction(actor="bill") as work:
        claim_id = build.build_claims(work=work).claims[0]
    for stc in ("STC*P2:46*20261120", "STC*R4:294*20261127"):
        body = ["ST*277*0001*005010X212", "HL*1**20*1", "HL*2*1*22*0"]
        body += [f"TRN*2*{claim_number(claim_id)}", stc]
        text = HEAD + "~".join([*body, f"SE*{len(body) + 1}*0001"]) + "~GE*1*5~IEA*1*000000005~"
        with practice.store.transaction(actor="bill") as work:
            claim_status.read_status_response(work=work, source=text.encode(), file_name="s.277")
    login(web, "bill")
    page = web.get(f"/claims/{claim_id}")
    assert page.status_code == 200
    shown = page.text.split('id="payer-status">', 1)[1].split("</dd>", 1)[0]
    assert shown.startswith(
        "R4:294 the payer asks for supporting documents (notes, certification): supporting "
        "documents (another status code says which)"
    )
    assert "as of 2026-11-27" in shown
