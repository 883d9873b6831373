"""Request body limits (issue 14): each route kind has its own, checked before the body is
read (a declared Content-Length at once, a streamed body as it is counted), before the
multipart parser and the CSRF check, with a 413 that says what the limit is."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.formparsers import MultiPartParser
from web_helpers import Practice, api_token, csrf_of, login

from therabill.web.context import WebSettings
from therabill.web.limits import MIB, BodyLimits, LimitBodies


def test_a_json_body_over_the_limit_is_refused_before_the_route_reads_it(
    web: TestClient, practice: Practice
) -> None:
    headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    services = [{"code": "97110", "minutes": 8}] * 60_000  # about 2 MB of JSON
    body = json.dumps({"services": services, "rule": "cms"})
    assert len(body) > BodyLimits().json
    answer = web.post(
        "/api/v1/units",
        content=body,
        headers={**headers, "content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["detail"] == "A request body may be at most 1 MB; this one is larger."
    assert answer.headers["x-frame-options"] == "DENY"  # the security headers still apply
    small = web.post("/api/v1/units", headers=headers, json={"services": services[:3]})
    assert small.status_code == 200


def test_a_form_over_its_limit_gets_a_page_saying_so(web: TestClient) -> None:
    login(web, "bill")
    token = csrf_of(web.get("/clients").text)
    answer = web.post(
        "/clients/search", data={"csrf_token": token, "q": "x" * (BodyLimits().form + 10)}
    )
    assert answer.status_code == 413
    assert "A form may be at most 1 MB" in answer.text
    assert web.post("/clients/search", data={"csrf_token": token, "q": "Cruz"}).status_code == 200


def test_a_therapist_cannot_make_the_server_parse_an_upload(
    web: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The role is checked from the session cookie before the multipart form (and its CSRF
    field) is read: a therapist's file never reaches the parser or the disk."""
    parsed: list[int] = []
    original = MultiPartParser.parse

    async def spy(self: MultiPartParser) -> Any:
        parsed.append(1)
        return await original(self)

    monkeypatch.setattr(MultiPartParser, "parse", spy)
    login(web, "ana")
    token = csrf_of(web.get("/clients").text)
    answer = web.post(
        "/remittances",
        data={"csrf_token": token},
        files={"file": ("big.835", b"ISA" + b"x" * 100_000, "application/edi-x12")},
    )
    assert answer.status_code == 403
    assert parsed == []
    # A biller's upload is parsed as before (and a forged one is refused after parsing).
    login(web, "bill")
    forged = web.post(
        "/remittances",
        data={"csrf_token": "nope" * 10},
        files={"file": ("x.835", b"ISA", "application/edi-x12")},
    )
    assert forged.status_code == 403 and parsed == [1]


def test_an_upload_route_takes_its_own_larger_limit(practice: Practice) -> None:
    from therabill.web.app import create_app

    limits = BodyLimits(upload=2 * MIB, form=1024, json=1024)
    app = create_app(practice.url, settings=WebSettings(limits=limits))
    with TestClient(app, base_url="https://testserver") as web:
        headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
        big = web.post("/api/v1/remittances", headers=headers, content=b"x" * (3 * MIB))
        assert big.status_code == 413
        assert "An uploaded file may be at most 2 MB" in big.json()["detail"]
        # Under the upload limit (though over the JSON one): the route answers.
        fits = web.post("/api/v1/remittances", headers=headers, content=b"x" * 4096)
        assert fits.status_code == 422
    app.state.ctx.store.dispose()


def _run(
    middleware: LimitBodies, chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> tuple[list[dict[str, Any]], int, bytes]:
    """Send ``chunks`` through ``middleware``; what it answered, how many chunks it pulled,
    what the app read."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        pulled += 1
        if pulled > len(chunks):
            return {"type": "http.disconnect"}
        return {"type": "http.request", "body": chunks[pulled - 1], "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def main() -> bytes:
        got = b""
        app_read: list[bytes] = []

        async def app(scope: Any, app_receive: Any, app_send: Any) -> None:
            nonlocal got
            while True:
                message = await app_receive()
                if message["type"] != "http.request":
                    break
                got += message["body"]
            app_read.append(got)
            await app_send({"type": "http.response.start", "status": 200, "headers": []})
            await app_send({"type": "http.response.body", "body": b"ok"})

        middleware.app = app
        scope = {"type": "http", "path": "/api/v1/units", "headers": headers, "method": "POST"}
        await middleware(scope, receive, send)
        return app_read[0] if app_read else b""

    read = asyncio.run(main())
    return sent, pulled, read


def test_a_streamed_body_is_cut_off_as_soon_as_it_passes_the_limit() -> None:
    """No Content-Length (chunked): counted as it arrives, refused at the first chunk past
    the limit; the rest is never pulled and the app's own answer is dropped."""
    middleware = LimitBodies(lambda *_: None, BodyLimits(json=1000))  # type: ignore[arg-type]
    chunks = [b"x" * 400] * 100
    sent, pulled, read = _run(middleware, chunks, [(b"content-type", b"application/json")])
    assert sent[0]["status"] == 413
    assert [m["status"] for m in sent if m["type"] == "http.response.start"] == [413]
    assert pulled == 3 and len(read) == 800


def test_a_declared_length_over_the_limit_is_refused_without_reading() -> None:
    middleware = LimitBodies(lambda *_: None, BodyLimits(json=1000))  # type: ignore[arg-type]
    headers = [(b"content-type", b"application/json"), (b"content-length", b"5000000")]
    sent, pulled, _read = _run(middleware, [b"x" * 400] * 3, headers)
    assert sent[0]["status"] == 413 and pulled == 0


def test_limits_are_settings_from_the_environment() -> None:
    settings = WebSettings.from_env(
        {
            "THERABILL_MAX_UPLOAD_MB": "5",
            "THERABILL_MAX_FORM_MB": "0.5",
            "THERABILL_MAX_JSON_MB": "2",
        }
    )
    assert settings.limits.upload == 5 * MIB
    assert settings.limits.form == MIB // 2
    assert settings.limits.json == 2 * MIB
    assert WebSettings.from_env({}).limits == BodyLimits()


@pytest.mark.parametrize("text", ["lots", "0", "-5"])
def test_a_limit_that_is_not_a_size_is_refused_by_name(text: str) -> None:
    from therabill.errors import InvalidInput

    with pytest.raises(InvalidInput, match="THERABILL_MAX_JSON_MB must be a number"):
        WebSettings.from_env({"THERABILL_MAX_JSON_MB": text})
