"""schemathesis against the published OpenAPI (/api/v1/openapi.json): no generated request,
valid or not, gets a 5xx, and every error is problem+json. Examples are bounded so the run
takes about a minute."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from web_helpers import Practice, api_token

from therabill.web.app import create_app


@schemathesis.serializer("application/edi-x12")
def _x12(_ctx: Any, value: Any) -> bytes:
    """The remittance body is the raw 835 text: generated strings are sent as they are."""
    return value.encode("utf-8", "replace") if isinstance(value, str) else b""


def test_no_generated_request_gets_a_5xx(practice: Practice) -> None:
    """Every operation, 10 generated requests each (valid and not; `make reliability` sends
    50): never a 5xx, and every error is problem+json."""
    app = create_app(practice.url)
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    schema.config.update(base_url="http://testserver/api/v1")
    headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=10,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, (case.method, case.path, response.text)
            if response.status_code >= 400:
                kind = response.headers.get("content-type", [""])
                kind = kind[0] if isinstance(kind, list) else kind
                assert kind.startswith("application/problem+json"), (case.path, kind)

        check()
        tried += 1
    assert tried >= 9
    app.state.ctx.store.dispose()


def test_openapi_is_published(web: TestClient) -> None:
    spec = web.get("/api/v1/openapi.json").json()
    assert {"/units", "/scrub", "/clients", "/sessions", "/claims", "/remittances"} <= set(
        spec["paths"]
    )


def test_an_error_names_the_field(web: TestClient, practice: Practice) -> None:
    headers = {"Authorization": f"Bearer {api_token(practice, 'bill')}"}
    response = web.post(
        "/api/v1/units", headers=headers, json={"services": [{"code": "97110", "minutes": 2000}]}
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["field"] == "services.0.minutes"
    unknown = web.post(
        "/api/v1/units", headers=headers, json={"services": [{"code": "97111", "minutes": 20}]}
    )
    assert unknown.status_code == 422 and unknown.json()["field"] == "97111"


def test_an_api_address_the_mount_cannot_take_is_answered_as_the_api(web: TestClient) -> None:
    """Starlette's mount pattern stops at a line break, so /api/v1/receipts/%0A.pdf falls
    through to the pages' 404: it must still be problem+json (schemathesis found it)."""
    response = web.get("/api/v1/receipts/%0A.pdf")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert web.get("/no/such/page").headers["content-type"].startswith("text/html")
